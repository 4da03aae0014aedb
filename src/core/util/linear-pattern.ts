/**
 * The patterns of gallery questions matched in linear time. A gallery can come with a repository someone
 * else wrote, and JavaScript's backtracking engine takes exponential time on `^(a+)+$`; so patterns are
 * compiled here to a Thompson automaton and run as a set of states: at most |program| steps per character,
 * whatever the pattern. The syntax is the common subset of JavaScript, RE2 and Java regex (what Terraform
 * validation and CloudFormation AllowedPattern also take): literals, escapes, `.`, classes, groups,
 * alternation, `* + ? {n,m}`, `^ $`. Backreferences and lookaround are refused (no linear engine has them).
 */

export const MAX_PATTERN_LENGTH = 512;
const MAX_PROGRAM = 20_000;

type Test = (c: string) => boolean;
type Node =
  | { t: 'char'; test: Test }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; options: Node[] }
  | { t: 'rep'; node: Node; min: number; max: number }
  | { t: 'bol' }
  | { t: 'eol' };
type Op =
  | { op: 'char'; test: Test }
  | { op: 'split'; a: number; b: number }
  | { op: 'jmp'; to: number }
  | { op: 'bol' }
  | { op: 'eol' }
  | { op: 'match' };

/** A pattern this matcher does not take, with the reason. */
export class PatternError extends Error {}

const LINE_END = /[\n\r\u2028\u2029]/;
const CLASS_ESCAPES: Record<string, Test> = {
  d: (c) => c >= '0' && c <= '9',
  w: (c) => /[A-Za-z0-9_]/.test(c),
  s: (c) => /\s/.test(c),
};
const CONTROL_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', f: '\f', v: '\v', '0': '\0' };

function escapeTest(e: string): Test {
  const lower = CLASS_ESCAPES[e.toLowerCase()];
  if (lower) return e === e.toLowerCase() ? lower : (c) => !lower(c);
  if (/[1-9kbBpPuxc]/.test(e)) throw new PatternError(`uses \\${e} (backreferences, word boundaries, code escapes)`);
  const literal = CONTROL_ESCAPES[e] ?? e;
  return (c) => c === literal;
}

function parse(pattern: string): Node {
  let i = 0;
  const peek = () => pattern[i];
  const alternation = (): Node => {
    const options = [sequence()];
    while (peek() === '|') (i++, options.push(sequence()));
    return options.length === 1 ? options[0]! : { t: 'alt', options };
  };
  const sequence = (): Node => {
    const items: Node[] = [];
    while (i < pattern.length && peek() !== '|' && peek() !== ')') items.push(quantified(atom()));
    return { t: 'seq', items };
  };
  const quantified = (node: Node): Node => {
    for (;;) {
      const c = peek();
      let min: number;
      let max: number;
      if (c === '*') [min, max] = [0, Infinity];
      else if (c === '+') [min, max] = [1, Infinity];
      else if (c === '?') [min, max] = [0, 1];
      else if (c === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(i))) {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i))!;
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] ? Number(m[3]) : Infinity;
        i += m[0].length - 1;
      } else return node;
      i++;
      if (peek() === '?') i++; // lazy and greedy match the same strings
      if (node.t === 'bol' || node.t === 'eol') throw new PatternError('quantifies an anchor');
      node = { t: 'rep', node, min, max };
    }
  };
  const atom = (): Node => {
    const c = pattern[i++]!;
    if (c === '^') return { t: 'bol' };
    if (c === '$') return { t: 'eol' };
    if (c === '.') return { t: 'char', test: (x) => !LINE_END.test(x) };
    if (c === '\\') {
      if (i >= pattern.length) throw new PatternError('ends with \\');
      return { t: 'char', test: escapeTest(pattern[i++]!) };
    }
    if (c === '[') return charClass();
    if (c === '(') {
      if (peek() === '?') {
        if (pattern[i + 1] !== ':') throw new PatternError('uses lookaround or a named group');
        i += 2;
      }
      const inner = alternation();
      if (peek() !== ')') throw new PatternError('has an unclosed group');
      i++;
      return inner;
    }
    if (c === ')' || c === '*' || c === '+' || c === '?') throw new PatternError(`has a misplaced ${c}`);
    return { t: 'char', test: (x) => x === c };
  };
  const charClass = (): Node => {
    const negated = peek() === '^';
    if (negated) i++;
    const tests: Test[] = [];
    const single = (): { test: Test; char?: string } => {
      const c = pattern[i++];
      if (c === undefined) throw new PatternError('has an unclosed [');
      if (c !== '\\') return { test: (x) => x === c, char: c };
      const e = pattern[i++];
      if (e === undefined) throw new PatternError('has an unclosed [');
      if (CLASS_ESCAPES[e.toLowerCase()]) return { test: escapeTest(e) };
      if (e === 'b') return { test: (x) => x === '\b', char: '\b' };
      const literal = CONTROL_ESCAPES[e] ?? e;
      if (/[1-9kpPuxc]/.test(e)) throw new PatternError(`uses \\${e} in a class`);
      return { test: (x) => x === literal, char: literal };
    };
    while (peek() !== ']') {
      const from = single();
      if (peek() === '-' && pattern[i + 1] !== ']' && pattern[i + 1] !== undefined && from.char !== undefined) {
        i++;
        const to = single();
        if (to.char === undefined || to.char < from.char) throw new PatternError('has a range out of order');
        const [lo, hi] = [from.char, to.char];
        tests.push((x) => x >= lo && x <= hi);
      } else tests.push(from.test);
    }
    i++;
    return { t: 'char', test: (x) => tests.some((t) => t(x)) !== negated };
  };
  const node = alternation();
  if (i < pattern.length) throw new PatternError(`has an unmatched )`);
  return node;
}

function compile(node: Node): Op[] {
  const prog: Op[] = [];
  const emit = (op: Op) => {
    if (prog.length >= MAX_PROGRAM) throw new PatternError('repeats too much (a {n,m} too large)');
    prog.push(op);
    return prog.length - 1;
  };
  const gen = (n: Node): void => {
    if (n.t === 'char') emit({ op: 'char', test: n.test });
    else if (n.t === 'bol' || n.t === 'eol') emit({ op: n.t });
    else if (n.t === 'seq') n.items.forEach(gen);
    else if (n.t === 'alt') {
      const jumps: number[] = [];
      n.options.forEach((o, k) => {
        if (k === n.options.length - 1) return gen(o);
        const split = emit({ op: 'split', a: 0, b: 0 });
        gen(o);
        jumps.push(emit({ op: 'jmp', to: 0 }));
        prog[split] = { op: 'split', a: split + 1, b: prog.length };
      });
      for (const j of jumps) prog[j] = { op: 'jmp', to: prog.length };
    } else {
      for (let k = 0; k < n.min; k++) gen(n.node);
      if (n.max === Infinity) {
        const split = emit({ op: 'split', a: 0, b: 0 });
        gen(n.node);
        emit({ op: 'jmp', to: split });
        prog[split] = { op: 'split', a: split + 1, b: prog.length };
      } else {
        const splits: number[] = [];
        for (let k = n.min; k < n.max; k++) {
          splits.push(emit({ op: 'split', a: 0, b: 0 }));
          gen(n.node);
        }
        for (const s of splits) prog[s] = { op: 'split', a: s + 1, b: prog.length };
      }
    }
  };
  gen(node);
  emit({ op: 'match' });
  return prog;
}

/** A compiled pattern: `test` runs in O(|value| × |program|) steps; `steps` counts them for tests. */
export interface LinearPattern {
  test: (value: string) => boolean;
  steps: (value: string) => number;
  /** False when no value it matches can hold the character `c`: no class of the pattern takes it. */
  admits: (c: string) => boolean;
}

/** Compiles a pattern, or throws a PatternError saying why it cannot be matched in linear time. */
export function linearPattern(pattern: string): LinearPattern {
  if (pattern.length > MAX_PATTERN_LENGTH) throw new PatternError(`is longer than ${MAX_PATTERN_LENGTH} characters`);
  const prog = compile(parse(pattern));
  const run = (value: string) => {
    let steps = 0;
    // the states reachable at `pos` without reading a character (jumps, splits, anchors followed)
    const closure = (starts: number[], pos: number): number[] => {
      const seen = new Set<number>();
      const out: number[] = [];
      const stack = [...starts].reverse();
      while (stack.length) {
        const pc = stack.pop()!;
        if (seen.has(pc)) continue;
        seen.add(pc);
        steps++;
        const op = prog[pc]!;
        if (op.op === 'jmp') stack.push(op.to);
        else if (op.op === 'split') stack.push(op.b, op.a);
        else if (op.op === 'bol') pos === 0 && stack.push(pc + 1);
        else if (op.op === 'eol') pos === value.length && stack.push(pc + 1);
        else out.push(pc);
      }
      return out;
    };
    // as RegExp.test: a match may start at any position (a new thread each step) and end anywhere
    const matches = (states: number[]) => states.some((pc) => prog[pc]!.op === 'match');
    let states = closure([0], 0);
    for (let pos = 0; pos < value.length && !matches(states); pos++) {
      const c = value[pos]!;
      const next = states.filter((pc) => {
        const op = prog[pc]!;
        return op.op === 'char' && op.test(c);
      });
      states = closure([...next.map((pc) => pc + 1), 0], pos + 1);
    }
    return { matched: matches(states), steps };
  };
  return {
    test: (value) => run(value).matched,
    steps: (value) => run(value).steps,
    admits: (c) => prog.some((op) => op.op === 'char' && op.test(c)),
  };
}
