/**
 * An IAM wildcard pattern as a regular expression (`*` any run, `?` one character, all else literal),
 * written out here rather than taken from src/. Exponential on hostile patterns: for short ones only.
 */
export const globRegExp = (pattern: string, flags = '') =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    flags,
  );
