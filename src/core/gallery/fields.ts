/**
 * The field checks of a gallery definition: each one fails with the definition's file, the field and the
 * rule. A definition may come with a repository someone else wrote, so every field has a type, a length
 * and a character set, and an object no key but those it defines.
 */

import { fail } from '../targets/index.js';

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

// C0 and C1 controls, DEL, bidirectional overrides (they disguise text on screen), and private-use
// characters (generated values mark parameters with them, params.ts): none belongs in a definition
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ue000-\uf8ff]/;
// the same, but a file's text may hold tabs and line ends
const FORBIDDEN_IN_TEXT =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ue000-\uf8ff]/;

export interface TextRule {
  max: number;
  pattern?: RegExp;
  rule?: string;
  /** May hold tabs and line ends (a file's contents). */
  multiline?: boolean;
  /** May be the empty string. */
  empty?: boolean;
}

/** `v` as a string that keeps to `rule`, or a failure naming `where`. */
export function textValue(v: unknown, where: string, rule: TextRule): string {
  if (typeof v !== 'string' || (!v && !rule.empty)) fail(where, 'must be a non-empty string');
  if (v.length > rule.max) fail(where, `must be at most ${rule.max} characters`);
  if ((rule.multiline ? FORBIDDEN_IN_TEXT : FORBIDDEN).test(v))
    fail(where, 'must hold no control, bidirectional-override or private-use character');
  if (rule.pattern && !rule.pattern.test(v)) fail(where, rule.rule ?? `must match ${rule.pattern}`);
  return v;
}

/** The string field `key` of `o`. */
export function text(o: Obj, key: string, where: string, rule: TextRule): string {
  return textValue(o[key], `${where}.${key}`, rule);
}

/** The optional string field `key` of `o`, undefined when absent. */
export function optionalText(o: Obj, key: string, where: string, rule: TextRule): string | undefined {
  return o[key] === undefined ? undefined : text(o, key, where, rule);
}

export function list(o: Obj, key: string, where: string, max: number): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) fail(`${where}.${key}`, 'must be an array');
  if (v.length > max) fail(`${where}.${key}`, `must have at most ${max} entries`);
  return v;
}

export function optionalFlag(o: Obj, key: string, where: string): void {
  if (o[key] !== undefined && typeof o[key] !== 'boolean') fail(`${where}.${key}`, 'must be true or false');
}

/** `v` as an object of no keys but `known`. */
export function object(v: unknown, where: string, known: readonly string[]): Obj {
  if (!isObj(v)) fail(where, 'must be an object');
  const extra = Object.keys(v).filter((k) => !known.includes(k));
  if (extra.length)
    fail(where, `unknown key ${extra.map((k) => JSON.stringify(k)).join(', ')} (known: ${known.join(', ')})`);
  return v;
}

/**
 * A JSON value of at most `maxDepth` levels, every string (and key) of it checked: measured without
 * recursion, so a value nested thousands deep fails here instead of overflowing the stack later.
 */
export function jsonValue(v: unknown, where: string, maxDepth: number): void {
  const stack: Array<{ v: unknown; depth: number }> = [{ v, depth: 1 }];
  while (stack.length) {
    const { v: x, depth } = stack.pop()!;
    if (depth > maxDepth) fail(where, `must be nested at most ${maxDepth} levels deep`);
    if (typeof x === 'string') textValue(x, where, { max: 10_000, empty: true });
    else if (Array.isArray(x)) for (const item of x) stack.push({ v: item, depth: depth + 1 });
    else if (isObj(x))
      for (const [k, item] of Object.entries(x)) {
        textValue(k, where, { max: 256 });
        stack.push({ v: item, depth: depth + 1 });
      }
    else if (x !== null && typeof x !== 'number' && typeof x !== 'boolean') fail(where, 'must be JSON');
  }
}
