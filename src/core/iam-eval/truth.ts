/** The evaluator's three-valued logic and the wording its checks share. */

/** A check's result: `unknown` when it depends on something this evaluator does not judge. */
export type Truth = boolean | 'unknown';

export interface CheckResult {
  /** `Principal`, `Action`, `Resource`, or the operator and key, e.g. `StringLike host/path:sub`. */
  element: string;
  result: Truth;
  /** What was compared, in words: `"{a}:x" does not match "{b}:*"`. */
  detail: string;
}

export const q = (s: string) => JSON.stringify(s);
export const anyOf = (values: string[]) => (values.length === 1 ? q(values[0]!) : `any of ${values.map(q).join(', ')}`);
export const unknown = (element: string, why: string): CheckResult => ({
  element,
  result: 'unknown',
  detail: `cannot evaluate: ${why}`,
});

/** Three-valued AND: false wins, then unknown. */
export function and(results: Truth[]): Truth {
  if (results.includes(false)) return false;
  return results.includes('unknown') ? 'unknown' : true;
}

/** Three-valued OR: true wins, then unknown. */
export function or(results: Truth[]): Truth {
  if (results.includes(true)) return true;
  return results.includes('unknown') ? 'unknown' : false;
}

/** A string or a non-empty list of strings, else undefined. */
export function stringList(v: unknown): string[] | undefined {
  const list = Array.isArray(v) ? v : [v];
  return list.length > 0 && list.every((x) => typeof x === 'string') ? (list as string[]) : undefined;
}

/** The strings of a string or a list, leniently (for reading a policy; the grammar reports the rest). */
export const strings = (v: unknown): string[] =>
  typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
