/**
 * The one nesting guard of every JSON and YAML text pipelines-oidc reads (a checked repository's files,
 * --schema and the cached schema, --answers, manifests, gallery definitions, the workshop state, token
 * claims, the IAM files apply and doctor read, the pipeline rehearse runs). Parsers, validators and rules
 * recurse into what they read, so a text nested 100,000 levels deep would exhaust the stack: one linear
 * scan measures the depth before any of them sees the text. No file we read needs more than a handful.
 */
import { UsageError } from '../../errors.js';

/** Deeper than this, a text is not parsed. */
export const MAX_NESTING = 64;

/** A block scalar's header (`key: |`, `- >-`): the lines indented below it are text, not structure. */
const BLOCK_SCALAR = /(?:^|[\s:-])[|>][1-9+-]*[ \t]*(?:#.*)?$/;
/**
 * What may stand before a string or a collection that opens, inside a flow collection (`[a, 'b']`) and in
 * block style (after `key: `, `- `, `? `); elsewhere `'`, `"`, `[` are plain text (`don't`, `a[0]`, `echo [x`).
 */
const FLOW_TOKEN_START = /[\s[{,:?-]/;
const BLOCK_TOKEN_START = /^[:?-]?$/;

/**
 * How deep the text nests, or an upper bound of it: `[` and `{` outside strings and, for YAML, the block
 * structure too (each indentation level below another, and each `- ` or `? ` written on the same line).
 * Counts a little more than a parser would in odd cases (brackets in plain text), never less.
 */
export function nestingDepth(text: string, { yaml = false } = {}): number {
  let flow = 0;
  let deepest = 0;
  let quote = '';
  // YAML's block structure: the indentation of each open level, and the depth of the current line
  const indents: number[] = [];
  let block = 0;
  let scalarIndent = -1;
  let lineStart = true;
  // the last character of the line outside strings and spaces: in block style, what a value follows
  let last = '';
  for (let i = 0; i < text.length; i++) {
    if (yaml && lineStart && flow === 0 && quote === '') {
      lineStart = false;
      const found = text.indexOf('\n', i);
      const end = found < 0 ? text.length : found;
      const line = text.slice(i, end).replace(/\r$/, '');
      const indent = line.length - line.trimStart().length;
      const rest = line.slice(indent);
      if (rest === '' || rest.startsWith('#') || (scalarIndent >= 0 && indent > scalarIndent)) {
        // the loop steps past the line break
        i = end;
        lineStart = true;
        continue;
      }
      scalarIndent = BLOCK_SCALAR.test(rest) ? indent : -1;
      while (indents.length && indents.at(-1)! >= indent) indents.pop();
      indents.push(indent);
      const compact = /^(?:[-?][ \t]+)*/.exec(rest)![0].replace(/[ \t]/g, '').length;
      block = indents.length + compact;
      deepest = Math.max(deepest, block);
    }
    const c = text[i]!;
    const before = text[i - 1] ?? '\n';
    const atToken = flow > 0 ? FLOW_TOKEN_START.test(before) : /\s/.test(before) && BLOCK_TOKEN_START.test(last);
    if (!quote && c === '\n') last = '';
    else if (!quote && !/\s/.test(c)) last = c;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
      else if (c === '\n') lineStart = true;
    } else if (c === '\n') lineStart = true;
    else if ((c === '"' || (yaml && c === "'")) && (atToken || !yaml)) quote = c;
    else if ((c === '[' || c === '{') && (atToken || flow > 0 || !yaml)) deepest = Math.max(deepest, block + ++flow);
    else if ((c === ']' || c === '}') && flow > 0) flow--;
    else if (yaml && c === '#' && /\s/.test(text[i - 1] ?? ' ')) {
      const found = text.indexOf('\n', i);
      i = (found < 0 ? text.length : found) - 1;
    }
  }
  return deepest;
}

/** Why the text is not parsed, as the end of a one-line message, or undefined when it is shallow enough. */
export function tooDeep(text: string, { yaml = false } = {}): string | undefined {
  return nestingDepth(text, { yaml }) > MAX_NESTING
    ? `nested more than ${MAX_NESTING} levels deep, the most pipelines-oidc reads`
    : undefined;
}

/** Refuses (exit 2) a text nested too deep before it is parsed; `source` names it as the user knows it (a flag and its file). */
export function assertNesting(text: string, source: string, { yaml = false } = {}): void {
  const why = tooDeep(text, { yaml });
  if (why) throw new UsageError(`${source}: ${why}`);
}
