/**
 * Reads the generated Terraform the way Terraform would, for the part of HCL those files use.
 * hcl2json parses a file and leaves every expression as text: a quoted string comes back with its
 * backslash escapes decoded, literal `${`/`%{` re-escaped as `$${`/`%%{`, and each interpolation as
 * `${source}`; any other expression (a reference, `jsonencode({...})`) comes back as `${source}`.
 * This module parses that source and evaluates it. It is written from the HCL specification and
 * shares nothing with src/render/hcl.ts, so a serializer bug cannot hide in common code.
 */
import { parse } from '@cdktf/hcl2json';

export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

export type Expr =
  | { kind: 'literal'; value: Value }
  | { kind: 'template'; parts: Array<string | Expr> }
  | { kind: 'traversal'; root: string; steps: Array<string | Expr> }
  | { kind: 'call'; name: string; args: Expr[] }
  | { kind: 'tuple'; items: Expr[] }
  | { kind: 'object'; entries: Array<[Expr, Expr]> }
  | { kind: 'unary'; op: string; operand: Expr }
  | { kind: 'binary'; op: string; left: Expr; right: Expr }
  | { kind: 'conditional'; test: Expr; then: Expr; otherwise: Expr }
  | { kind: 'for'; key?: string; value: string; collection: Expr; body: Expr; filter?: Expr };

/** hcl2json's output for one file. */
export async function parseHcl(file: string, text: string): Promise<Record<string, unknown>> {
  return (await parse(file, text)) as Record<string, unknown>;
}

// Operators by precedence, lowest first (HCL native syntax specification).
const BINARY_LEVELS = [['||'], ['&&'], ['==', '!='], ['>=', '<=', '>', '<'], ['+', '-'], ['*', '/', '%']];
const IDENT = /[A-Za-z_][A-Za-z0-9_-]*/y;
const NUMBER = /[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

class Parser {
  pos = 0;
  constructor(readonly src: string) {}

  fail(message: string): never {
    throw new SyntaxError(`${message} at ${this.pos} in ${JSON.stringify(this.src.slice(this.pos, this.pos + 40))}`);
  }

  /** Skips blanks, newlines and comments; tells whether a newline was among them (it separates object items). */
  skip(): boolean {
    let sawNewline = false;
    for (;;) {
      const m = /^(?:[ \t\r\n]+|#[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?\*\/)/.exec(this.src.slice(this.pos));
      if (!m) return sawNewline;
      sawNewline ||= m[0].includes('\n');
      this.pos += m[0].length;
    }
  }

  peek(s: string): boolean {
    return this.src.startsWith(s, this.pos);
  }

  eat(s: string): boolean {
    if (!this.peek(s)) return false;
    this.pos += s.length;
    return true;
  }

  expect(s: string): void {
    this.skip();
    if (!this.eat(s)) this.fail(`expected ${s}`);
  }

  match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.src);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  expression(): Expr {
    const test = this.binary(0);
    const before = this.pos;
    this.skip();
    if (!this.eat('?')) {
      this.pos = before; // a newline after a value may end an object item: leave it to object()
      return test;
    }
    const then = this.expression();
    this.expect(':');
    return { kind: 'conditional', test, then, otherwise: this.expression() };
  }

  binary(level: number): Expr {
    if (level === BINARY_LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const before = this.pos;
      this.skip();
      // `>=` and `<=` are listed before `>` and `<`, so the longer operator wins
      const op = BINARY_LEVELS[level]!.find((o) => this.peek(o));
      if (!op) {
        this.pos = before;
        return left;
      }
      this.pos += op.length;
      left = { kind: 'binary', op, left, right: this.binary(level + 1) };
    }
  }

  unary(): Expr {
    this.skip();
    if (this.eat('!')) return { kind: 'unary', op: '!', operand: this.unary() };
    if (this.eat('-')) return { kind: 'unary', op: '-', operand: this.unary() };
    return this.postfix(this.primary());
  }

  postfix(base: Expr): Expr {
    if (base.kind !== 'traversal') return base;
    for (;;) {
      if (this.eat('.')) {
        base.steps.push(this.match(IDENT) ?? this.fail('expected an attribute name'));
      } else if (this.peek('[')) {
        this.pos += 1;
        base.steps.push(this.expression());
        this.expect(']');
      } else return base;
    }
  }

  primary(): Expr {
    this.skip();
    if (this.eat('"')) return this.template('quoted');
    if (this.eat('(')) {
      const inner = this.expression();
      this.expect(')');
      return inner;
    }
    if (this.peek('[')) return this.tuple();
    if (this.peek('{')) return this.object();
    if (this.peek('<<')) this.fail('heredocs are not used by the generated files');
    const number = this.match(NUMBER);
    if (number !== undefined) return { kind: 'literal', value: Number(number) };
    const name = this.match(IDENT) ?? this.fail('expected an expression');
    if (name === 'true' || name === 'false') return { kind: 'literal', value: name === 'true' };
    if (name === 'null') return { kind: 'literal', value: null };
    if (this.peek('(')) {
      this.pos += 1;
      const args: Expr[] = [];
      this.skip();
      while (!this.eat(')')) {
        args.push(this.expression());
        this.skip();
        if (!this.eat(',') && !this.peek(')')) this.fail('expected , or )');
        this.skip();
      }
      return { kind: 'call', name, args };
    }
    return { kind: 'traversal', root: name, steps: [] };
  }

  tuple(): Expr {
    this.pos += 1;
    this.skip();
    if (this.src.startsWith('for', this.pos) && /\s/.test(this.src[this.pos + 3] ?? '')) {
      this.pos += 3;
      const head = this.forHead();
      this.expect(']');
      return head;
    }
    const items: Expr[] = [];
    while (!this.eat(']')) {
      items.push(this.expression());
      this.skip();
      if (!this.eat(',') && !this.peek(']')) this.fail('expected , or ]');
      this.skip();
    }
    return { kind: 'tuple', items };
  }

  /** `[for k, v in coll : body if cond]`, after `for`. */
  forHead(): Expr {
    this.skip();
    const first = this.match(IDENT) ?? this.fail('expected a loop variable');
    this.skip();
    const second = this.eat(',')
      ? (this.skip(), this.match(IDENT) ?? this.fail('expected a loop variable'))
      : undefined;
    this.skip();
    if (!this.src.startsWith('in', this.pos)) this.fail('expected in');
    this.pos += 2;
    const collection = this.expression();
    this.expect(':');
    const body = this.expression();
    this.skip();
    let filter: Expr | undefined;
    if (this.src.startsWith('if', this.pos) && /\s/.test(this.src[this.pos + 2] ?? '')) {
      this.pos += 2;
      filter = this.expression();
    }
    return second === undefined
      ? { kind: 'for', value: first, collection, body, ...(filter ? { filter } : {}) }
      : { kind: 'for', key: first, value: second, collection, body, ...(filter ? { filter } : {}) };
  }

  /** `{ key = value ... }`: items separated by commas or newlines; a bare identifier key is a literal. */
  object(): Expr {
    this.pos += 1;
    const entries: Array<[Expr, Expr]> = [];
    this.skip();
    while (!this.eat('}')) {
      const start = this.pos;
      const bare = this.match(IDENT);
      let key: Expr;
      if (bare !== undefined && /^\s*[=:]/.test(this.src.slice(this.pos))) key = { kind: 'literal', value: bare };
      else {
        this.pos = start;
        key = this.expression();
      }
      this.skip();
      if (!this.eat('=') && !this.eat(':')) this.fail('expected = in an object');
      entries.push([key, this.expression()]);
      const newline = this.skip();
      if (!this.eat(',') && !newline && !this.peek('}'))
        this.fail('expected a comma or a newline between object items');
      this.skip();
    }
    return { kind: 'object', entries };
  }

  /**
   * Template text. `quoted`: HCL source after the opening quote (backslash escapes, ends at `"`);
   * `decoded`: a string from hcl2json (escapes already decoded, ends at the end of the text).
   */
  template(mode: 'quoted' | 'decoded'): Expr {
    const parts: Array<string | Expr> = [];
    let text = '';
    for (;;) {
      if (this.pos >= this.src.length) {
        if (mode === 'quoted') this.fail('unterminated string');
        break;
      }
      if (mode === 'quoted' && this.eat('"')) break;
      if (this.eat('$${')) text += '${';
      else if (this.eat('%%{')) text += '%{';
      else if (this.eat('${')) {
        if (this.peek('~')) this.fail('strip markers are not used by the generated files');
        if (text) parts.push(text);
        text = '';
        parts.push(this.expression());
        this.expect('}');
      } else if (this.peek('%{')) this.fail('template directives are not used by the generated files');
      else if (mode === 'quoted' && this.peek('\n')) this.fail('newline in a quoted string');
      else if (mode === 'quoted' && this.eat('\\')) text += this.escape();
      else {
        const cp = this.src.codePointAt(this.pos)!;
        const ch = String.fromCodePoint(cp);
        text += ch;
        this.pos += ch.length;
      }
    }
    if (text || parts.length === 0) parts.push(text);
    return { kind: 'template', parts };
  }

  escape(): string {
    const c = this.src[this.pos++];
    const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };
    if (c !== undefined && c in simple) return simple[c]!;
    const digits = c === 'u' ? 4 : c === 'U' ? 8 : 0;
    const hex = this.src.slice(this.pos, this.pos + digits);
    if (!digits || !new RegExp(`^[0-9A-Fa-f]{${digits}}$`).test(hex)) this.fail(`bad escape \\${c}`);
    this.pos += digits;
    return String.fromCodePoint(parseInt(hex, 16));
  }
}

/** Parses a string as hcl2json returns it: a template whose interpolations hold expression source. */
export function parseHcl2JsonString(s: string): Expr {
  return new Parser(s).template('decoded');
}

/** A reference the context cannot answer: never swallowed by `can()` (Terraform refuses those statically). */
class HclReferenceError extends Error {}

export interface HclContext {
  /** Values of `var.*`. */
  variables: Record<string, Value>;
  /** The `locals` block as hcl2json returns it (evaluated on use). */
  locals?: Record<string, unknown>;
  /** `data.aws_partition.current.partition`. */
  partition?: string;
}

type Scope = Record<string, Value>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function asString(v: Value): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new TypeError(`cannot interpolate ${JSON.stringify(v)}`);
}

/** Evaluates a value from hcl2json's output: strings are templates, collections are walked. */
export function evaluate(value: unknown, ctx: HclContext): Value {
  if (typeof value === 'string') return evalExpr(parseHcl2JsonString(value), ctx, {});
  if (Array.isArray(value)) return value.map((v) => evaluate(v, ctx));
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [asString(evaluate(k, ctx)), evaluate(v, ctx)]));
  }
  return value as Value;
}

function evalExpr(e: Expr, ctx: HclContext, scope: Scope): Value {
  const ev = (x: Expr) => evalExpr(x, ctx, scope);
  switch (e.kind) {
    case 'literal':
      return e.value;
    case 'template':
      // a template that is one interpolation and nothing else yields the value itself, not a string
      if (e.parts.length === 1 && typeof e.parts[0] !== 'string') return ev(e.parts[0]!);
      return e.parts.map((p) => (typeof p === 'string' ? p : asString(ev(p)))).join('');
    case 'tuple':
      return e.items.map(ev);
    case 'object':
      return Object.fromEntries(e.entries.map(([k, v]) => [asString(ev(k)), ev(v)]));
    case 'traversal':
      return traverse(e, ctx, scope);
    case 'call':
      return call(e, ctx, scope);
    case 'unary': {
      const v = ev(e.operand);
      if (e.op === '!') return !truthy(v);
      return -(v as number);
    }
    case 'binary':
      return binary(
        e.op,
        () => ev(e.left),
        () => ev(e.right),
      );
    case 'conditional':
      return truthy(ev(e.test)) ? ev(e.then) : ev(e.otherwise);
    case 'for': {
      const coll = ev(e.collection);
      const entries: Array<[Value, Value]> = Array.isArray(coll)
        ? coll.map((v, i) => [i, v])
        : isObject(coll)
          ? Object.entries(coll)
          : (() => {
              throw new TypeError('for over a non-collection');
            })();
      const out: Value[] = [];
      for (const [k, v] of entries) {
        const inner = { ...scope, [e.value]: v, ...(e.key ? { [e.key]: k } : {}) };
        if (e.filter && !truthy(evalExpr(e.filter, ctx, inner))) continue;
        out.push(evalExpr(e.body, ctx, inner));
      }
      return out;
    }
  }
}

function truthy(v: Value): boolean {
  if (typeof v !== 'boolean') throw new TypeError(`expected a bool, got ${JSON.stringify(v)}`);
  return v;
}

function binary(op: string, left: () => Value, right: () => Value): Value {
  if (op === '&&') return truthy(left()) && truthy(right());
  if (op === '||') return truthy(left()) || truthy(right());
  const a = left();
  const b = right();
  if (op === '==') return JSON.stringify(a) === JSON.stringify(b);
  if (op === '!=') return JSON.stringify(a) !== JSON.stringify(b);
  const x = Number(a);
  const y = Number(b);
  const ops: Record<string, number | boolean> = {
    '>': x > y,
    '<': x < y,
    '>=': x >= y,
    '<=': x <= y,
    '+': x + y,
    '-': x - y,
    '*': x * y,
    '/': x / y,
    '%': x % y,
  };
  return (
    ops[op] ??
    (() => {
      throw new SyntaxError(`unknown operator ${op}`);
    })()
  );
}

function traverse(e: Extract<Expr, { kind: 'traversal' }>, ctx: HclContext, scope: Scope): Value {
  const names = e.steps.map((s) => (typeof s === 'string' ? s : undefined));
  const dotted = [e.root, ...names].join('.');
  let v: Value;
  let rest: Array<string | Expr>;
  if (e.root in scope) {
    v = scope[e.root]!;
    rest = e.steps;
  } else if (e.root === 'var' && typeof e.steps[0] === 'string') {
    if (!(e.steps[0] in ctx.variables)) throw new HclReferenceError(`undeclared or unset variable ${e.steps[0]}`);
    v = ctx.variables[e.steps[0]]!;
    rest = e.steps.slice(1);
  } else if (e.root === 'local' && typeof e.steps[0] === 'string' && ctx.locals && e.steps[0] in ctx.locals) {
    v = evaluate(ctx.locals[e.steps[0]], ctx);
    rest = e.steps.slice(1);
  } else if (dotted.startsWith('data.aws_partition.current.partition') && ctx.partition !== undefined) {
    v = ctx.partition;
    rest = e.steps.slice(4);
  } else throw new HclReferenceError(`cannot evaluate ${dotted}`);
  for (const step of rest) {
    const key = typeof step === 'string' ? step : evalExpr(step, ctx, scope);
    const next: Value | undefined = Array.isArray(v) ? v[Number(key)] : isObject(v) ? v[asString(key)] : undefined;
    if (next === undefined) throw new TypeError(`no ${String(key)} in ${dotted}`);
    v = next;
  }
  return v;
}

function call(e: Extract<Expr, { kind: 'call' }>, ctx: HclContext, scope: Scope): Value {
  const ev = (x: Expr) => evalExpr(x, ctx, scope);
  switch (e.name) {
    case 'jsonencode':
      return JSON.stringify(ev(e.args[0]!));
    case 'can':
      try {
        ev(e.args[0]!);
        return true;
      } catch (err) {
        if (err instanceof HclReferenceError) throw err;
        return false;
      }
    case 'regex': {
      // Terraform's regex() fails when nothing matches (RE2, code points: the `u` flag is closest)
      const m = new RegExp(asString(ev(e.args[0]!)), 'u').exec(asString(ev(e.args[1]!)));
      if (!m) throw new Error('regex: no match');
      return m.length > 1 ? m.slice(1).map((g) => g ?? null) : m[0];
    }
    case 'length': {
      const v = ev(e.args[0]!);
      if (Array.isArray(v)) return v.length;
      if (isObject(v)) return Object.keys(v).length;
      return [...asString(v)].length;
    }
    case 'alltrue': {
      const v = ev(e.args[0]!);
      if (!Array.isArray(v)) throw new TypeError('alltrue takes a list');
      return v.every(truthy);
    }
    default:
      throw new HclReferenceError(`function ${e.name} is not supported here`);
  }
}

/** Every `var.<name>` an expression (or an hcl2json value) refers to. */
export function variableReferences(value: unknown): Set<string> {
  const found = new Set<string>();
  const walkExpr = (e: Expr | string): void => {
    if (typeof e === 'string') return;
    switch (e.kind) {
      case 'traversal':
        if (e.root === 'var' && typeof e.steps[0] === 'string') found.add(e.steps[0]);
        return e.steps.forEach(walkExpr);
      case 'template':
        return e.parts.forEach(walkExpr);
      case 'call':
        return e.args.forEach(walkExpr);
      case 'tuple':
        return e.items.forEach(walkExpr);
      case 'object':
        return e.entries.forEach(([k, v]) => (walkExpr(k), walkExpr(v)));
      case 'unary':
        return walkExpr(e.operand);
      case 'binary':
        return (walkExpr(e.left), walkExpr(e.right));
      case 'conditional':
        return [e.test, e.then, e.otherwise].forEach(walkExpr);
      case 'for':
        return [e.collection, e.body, ...(e.filter ? [e.filter] : [])].forEach(walkExpr);
      case 'literal':
        return;
    }
  };
  const walk = (v: unknown): void => {
    if (typeof v === 'string') walkExpr(parseHcl2JsonString(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (isObject(v)) for (const [k, x] of Object.entries(v)) (walk(k), walk(x));
  };
  walk(value);
  return found;
}

/**
 * Terraform's `variable` blocks: name → the first (only) block. hcl2json lists each block under its
 * labels as an array of bodies.
 */
export function variableBlocks(variablesTf: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const blocks = variablesTf['variable'];
  if (!isObject(blocks)) throw new Error('no variable blocks');
  return Object.fromEntries(
    Object.entries(blocks).map(([name, bodies]) => {
      if (!Array.isArray(bodies) || bodies.length !== 1 || !isObject(bodies[0]))
        throw new Error(`variable ${name} is declared ${Array.isArray(bodies) ? bodies.length : 0} times`);
      return [name, bodies[0]];
    }),
  );
}

/** `var.*` values as Terraform would see them: tfvars over the declared defaults. */
export function variableValues(
  variablesTf: Record<string, unknown>,
  tfvars: Record<string, unknown>,
): Record<string, Value> {
  const values: Record<string, Value> = {};
  for (const [name, body] of Object.entries(variableBlocks(variablesTf))) {
    if ('default' in body) values[name] = evaluate(body['default'], { variables: {} });
  }
  for (const [name, v] of Object.entries(tfvars)) values[name] = evaluate(v, { variables: {} });
  return values;
}

/** The one body of a labelled block, e.g. `block(main, 'resource', 'aws_iam_role', 'pipeline')`. */
export function block(file: Record<string, unknown>, ...labels: string[]): Record<string, unknown> {
  let node: unknown = file;
  for (const label of labels) {
    if (!isObject(node) || !(label in node)) throw new Error(`no block ${labels.join(' ')}`);
    node = node[label];
  }
  if (!Array.isArray(node) || node.length !== 1 || !isObject(node[0]))
    throw new Error(`block ${labels.join(' ')} is not one block`);
  return node[0];
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A value as Terraform can hold it: HCL files are UTF-8 (a lone surrogate becomes U+FFFD on the way)
 * and HCL normalises its source to Unicode NFC (`Ω` U+2126 reads as `Ω` U+03A9), keys included.
 */
export function asTerraformSees<T>(value: T): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replace(LONE_SURROGATE, '\uFFFD').normalize('NFC');
    if (Array.isArray(v)) return v.map(walk);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [walk(k), walk(x)]));
    return v;
  };
  return walk(value) as T;
}
