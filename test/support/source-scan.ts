/** Reading the sources of src/ as the tests that guard its layout see them: the files, and the literals they spell. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Every .ts file under `dir`, at any depth. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** A literal of the source: a string, a template's text between substitutions, or a regular expression. */
export interface Literal {
  kind: 'string' | 'template' | 'regexp';
  /** As written, quotes and slashes left out. */
  text: string;
  line: number;
}

/** After these words a `/` starts a regular expression, not a division. */
const BEFORE_EXPRESSION = new Set([
  'return',
  'typeof',
  'case',
  'do',
  'else',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'yield',
  'await',
]);

/**
 * Every literal of a TypeScript source but import specifiers, found by a small lexer that knows comments,
 * strings, templates (their substitutions nested at any depth) and regular expressions (told from a division
 * by what precedes the slash), so a quote inside a regular expression or a comment misleads it no more than
 * a `//` inside a string.
 */
export function literalsOf(source: string): Literal[] {
  const literals: Literal[] = [];
  /** The brace depth at which each open `${` returns to its template. */
  const substitutions: number[] = [];
  let depth = 0;
  let previous = '';
  let i = 0;
  const lineOf = (at: number) => source.slice(0, at).split('\n').length;
  const push = (kind: Literal['kind'], start: number, end: number) => {
    const text = source.slice(start, end);
    const specifier = kind === 'string' && /\b(from|import)\s*\(?\s*$/.test(source.slice(0, start - 1));
    if (!specifier) literals.push({ kind, text, line: lineOf(start) });
  };
  /** From just after a backtick or a closing `}`: the template's text up to its end or next substitution. */
  const template = (start: number) => {
    let j = start;
    while (j < source.length && source[j] !== '`' && !(source[j] === '$' && source[j + 1] === '{'))
      j += source[j] === '\\' ? 2 : 1;
    push('template', start, j);
    if (source[j] === '$') {
      substitutions.push(depth++);
      previous = '{';
      return j + 2;
    }
    previous = 'x';
    return j + 1;
  };
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      i = end < 0 ? source.length : end;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== c && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1;
      push('string', i + 1, j);
      previous = 'x';
      i = j + 1;
    } else if (c === '`') i = template(i + 1);
    else if (c === '}' && substitutions.at(-1) === depth - 1) {
      substitutions.pop();
      depth--;
      i = template(i + 1);
    } else if (
      c === '/' &&
      (previous === '' || '(,=:[!&|?{};+-*%<>~^'.includes(previous) || BEFORE_EXPRESSION.has(previous))
    ) {
      let j = i + 1;
      let inClass = false;
      while (j < source.length && source[j] !== '\n' && (inClass || source[j] !== '/')) {
        if (source[j] === '[') inClass = true;
        else if (source[j] === ']') inClass = false;
        j += source[j] === '\\' ? 2 : 1;
      }
      push('regexp', i + 1, j);
      previous = 'x';
      i = j + 1;
    } else if (/[\w$]/.test(c)) {
      const word = /^[\w$]+/.exec(source.slice(i, i + 64))![0];
      previous = BEFORE_EXPRESSION.has(word) ? word : 'x';
      i += word.length;
    } else {
      if (c === '{') depth++;
      else if (c === '}') depth--;
      if (!/\s/.test(c)) previous = c;
      i++;
    }
  }
  return literals;
}
