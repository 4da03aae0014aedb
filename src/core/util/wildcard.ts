/**
 * IAM's wildcards, `*` (any run of characters, none included) and `?` (exactly one character), matched
 * without regular expressions: a pattern from a checked file must not be able to make matching slow.
 * The loop keeps only the latest `*` to fall back to, so each step advances the value or consumes the
 * pattern: at most (|pattern| + 1) × (|value| + 1) steps, never the exponential work of a backtracking regex.
 */

export interface WildcardOptions {
  /** IAM compares action names case-insensitively; condition values (StringLike) case-sensitively. */
  ignoreCase?: boolean;
}

/** Whether `value` matches `pattern`, and the steps it took (tests hold the bound above). */
export function wildcardSteps(pattern: string, value: string, { ignoreCase = false }: WildcardOptions = {}) {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  let pi = 0;
  let vi = 0;
  let star = -1;
  let resume = 0;
  let steps = 0;
  while (vi < v.length) {
    steps++;
    if (pi < p.length && (p[pi] === '?' || (p[pi] !== '*' && p[pi] === v[vi]))) {
      pi++;
      vi++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      resume = vi;
    } else if (star >= 0) {
      pi = star + 1;
      vi = ++resume;
    } else {
      return { matched: false, steps };
    }
  }
  while (p[pi] === '*') (pi++, steps++);
  return { matched: pi === p.length, steps };
}

export const wildcardMatch = (pattern: string, value: string, options?: WildcardOptions): boolean =>
  wildcardSteps(pattern, value, options).matched;
