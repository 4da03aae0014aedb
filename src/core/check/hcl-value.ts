/**
 * Terraform values as hcl2json gives them, evaluated as far as `check` can without running Terraform.
 * hcl2json returns every expression as text: a string is a template whose `${…}` hold expression source
 * (`"${jsonencode({…})}"`, a heredoc with interpolations). This reads the part of HCL policies are
 * written in — literals, tuples, objects, `jsonencode`, references — and leaves anything else
 * unresolved: an unresolved part becomes its source as `${…}` text, and is named, never guessed.
 */
import { isObject, MAX_NESTING } from '../util/index.js';

export type HclValue = string | number | boolean | null | HclValue[] | { [key: string]: HclValue };

/** What references resolve to; `undefined` for a reference `check` cannot answer. */
export type Resolver = (path: string[]) => HclValue | undefined;

export interface Evaluated {
  value: HclValue;
  /** The source of each expression left unresolved (`var.principal`, `file("p.json")`). */
  unresolved: string[];
}

class Unsupported extends Error {}

/** What references may bring into one value, in characters: far more than any IAM policy holds. */
const MAX_REFERENCED = 1_000_000;

const IDENT = /[A-Za-z_][A-Za-z0-9_-]*/y;
const NUMBER = /-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/** One expression's source, read and evaluated at once; anything outside the subset throws Unsupported. */
class Reader {
  pos = 0;
  constructor(
    readonly src: string,
    readonly resolve: Resolver,
    readonly unresolved: string[],
    /** Characters references may still bring in: a few references must not build gigabytes. */
    readonly budget: { left: number },
  ) {}

  skip(): boolean {
    let newline = false;
    for (;;) {
      const m = /^(?:[ \t\r\n]+|#[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?\*\/)/.exec(this.src.slice(this.pos));
      if (!m) return newline;
      newline ||= m[0].includes('\n');
      this.pos += m[0].length;
    }
  }

  eat(s: string): boolean {
    if (!this.src.startsWith(s, this.pos)) return false;
    this.pos += s.length;
    return true;
  }

  match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.src);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  expect(s: string): void {
    this.skip();
    if (!this.eat(s)) throw new Unsupported(`expected ${s}`);
  }

  depth = 0;

  /** An expression; a reference or call it cannot answer stands as its own source. */
  expression(): HclValue {
    // nesting inside a quoted string escapes the file's nesting limit: bounded here
    if (++this.depth > MAX_NESTING) throw new Unsupported('nested too deep');
    try {
      return this.operand();
    } finally {
      this.depth--;
    }
  }

  operand(): HclValue {
    this.skip();
    const start = this.pos;
    if (this.eat('"')) return this.template('quoted');
    if (this.eat('(')) {
      const inner = this.expression();
      this.expect(')');
      return inner;
    }
    if (this.eat('[')) return this.tuple();
    if (this.eat('{')) return this.object();
    const number = this.match(NUMBER);
    if (number !== undefined) return Number(number);
    const name = this.match(IDENT);
    if (name === undefined) throw new Unsupported('expected an expression');
    if (name === 'true' || name === 'false') return name === 'true';
    if (name === 'null') return null;
    if (this.eat('(')) return this.call(name, start);
    const path = [name];
    for (;;) {
      if (this.eat('.')) path.push(this.match(IDENT) ?? this.match(/[0-9]+/y) ?? '*');
      else if (this.eat('[')) {
        const key = this.expression();
        this.expect(']');
        path.push(String(key));
      } else break;
    }
    const value = this.resolve(path);
    if (value === undefined) return this.leave(start);
    this.budget.left -= typeof value === 'string' ? value.length : JSON.stringify(value).length;
    if (this.budget.left < 0) throw new Unsupported('too large');
    return value;
  }

  /** The source from `start` to here, as an unresolved part. */
  leave(start: number): string {
    const source = this.src.slice(start, this.pos).trim();
    this.unresolved.push(source);
    return `\${${source}}`;
  }

  call(name: string, start: number): HclValue {
    const before = this.unresolved.length;
    const args: HclValue[] = [];
    this.skip();
    while (!this.eat(')')) {
      args.push(this.expression());
      this.skip();
      if (!this.eat(',') && !this.src.startsWith(')', this.pos)) throw new Unsupported('expected , or )');
      this.skip();
    }
    if ((name === 'jsonencode' || name === 'tostring') && args.length === 1)
      return name === 'jsonencode' ? JSON.stringify(args[0]) : String(args[0]);
    // a function check does not evaluate (file(), templatefile(), merge()…): named, not guessed
    this.unresolved.length = before;
    return this.leave(start);
  }

  tuple(): HclValue[] {
    const items: HclValue[] = [];
    this.skip();
    if (/^for\s/.test(this.src.slice(this.pos))) throw new Unsupported('for expression');
    while (!this.eat(']')) {
      items.push(this.expression());
      this.skip();
      if (!this.eat(',') && !this.src.startsWith(']', this.pos)) throw new Unsupported('expected , or ]');
      this.skip();
    }
    return items;
  }

  object(): Record<string, HclValue> {
    const out: Record<string, HclValue> = {};
    this.skip();
    if (/^for\s/.test(this.src.slice(this.pos))) throw new Unsupported('for expression');
    while (!this.eat('}')) {
      const start = this.pos;
      const bare = this.match(IDENT);
      let key: HclValue;
      if (bare !== undefined && /^\s*[=:]/.test(this.src.slice(this.pos))) key = bare;
      else {
        this.pos = start;
        key = this.expression();
      }
      this.skip();
      if (!this.eat('=') && !this.eat(':')) throw new Unsupported('expected = in an object');
      out[String(key)] = this.expression();
      const newline = this.skip();
      if (!this.eat(',') && !newline && !this.src.startsWith('}', this.pos))
        throw new Unsupported('expected a comma or a newline');
      this.skip();
    }
    return out;
  }

  /** `quoted`: HCL source after `"` (backslash escapes); `decoded`: a string from hcl2json (escapes done). */
  template(mode: 'quoted' | 'decoded'): HclValue {
    const parts: HclValue[] = [];
    let text = '';
    for (;;) {
      if (this.pos >= this.src.length) {
        if (mode === 'quoted') throw new Unsupported('unterminated string');
        break;
      }
      if (mode === 'quoted' && this.eat('"')) break;
      if (this.eat('$${')) text += '${';
      else if (this.eat('%%{')) text += '%{';
      else if (this.eat('${')) {
        if (this.src.startsWith('~', this.pos)) throw new Unsupported('strip marker');
        if (text) parts.push(text);
        text = '';
        parts.push(this.expression());
        this.expect('}');
      } else if (this.src.startsWith('%{', this.pos)) throw new Unsupported('template directive');
      else if (mode === 'quoted' && this.eat('\\')) {
        const c = this.src[this.pos++] ?? '';
        if (!(c in SIMPLE_ESCAPES)) throw new Unsupported(`escape \\${c}`);
        text += SIMPLE_ESCAPES[c];
      } else text += this.src[this.pos++];
    }
    if (text) parts.push(text);
    // a template that is one interpolation and nothing else is that value, not a string
    if (parts.length === 1 && typeof parts[0] !== 'string') return parts[0]!;
    return parts
      .map((p) => (typeof p === 'string' ? p : typeof p === 'object' ? JSON.stringify(p) : String(p)))
      .join('');
  }
}

/** Evaluates a value from hcl2json's output: strings are templates, lists and objects are walked. */
export function evaluateHcl(value: unknown, resolve: Resolver): Evaluated {
  const unresolved: string[] = [];
  const budget = { left: MAX_REFERENCED };
  const walk = (v: unknown): HclValue => {
    if (typeof v === 'string') {
      const reader = new Reader(v, resolve, unresolved, budget);
      try {
        return reader.template('decoded');
      } catch (e) {
        if (!(e instanceof Unsupported)) throw e;
        // an expression beyond the subset (a conditional, a for, an operator): the whole string stays as written
        unresolved.push(v);
        return v;
      }
    }
    if (Array.isArray(v)) return v.map(walk);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v as HclValue;
  };
  return { value: walk(value), unresolved };
}
