/** The README's table of `check`'s findings, from the rule table itself. A test keeps the README equal to this. */
import type { Rule } from './rules.js';

export const findingsMarkdown = (rules: readonly Rule[]): string =>
  [
    '| id | severity | what it finds |',
    '| --- | --- | --- |',
    ...rules.map((r) => `| \`${r.id}\` | ${r.severity} | ${r.title} |`),
  ].join('\n');
