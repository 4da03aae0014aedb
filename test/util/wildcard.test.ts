/**
 * IAM wildcard matching without regular expressions: it agrees with the regular expression it replaced on
 * ordinary patterns, and a pattern built to make a backtracking engine explode takes a bounded number of steps.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { wildcardMatch, wildcardSteps } from '../../src/core/util/wildcard.ts';
// the former matcher: the pattern turned into a regular expression
import { globRegExp } from '../support/glob.ts';

const patternChar = fc.constantFrom('a', 'B', 'b', ':', '*', '?', '{', '.', '-');
const valueChar = fc.constantFrom('a', 'B', 'b', 'A', ':', '{', '.', '-', '\n');

test('agrees with the former regular expression, case-sensitive (StringLike) and not (actions)', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: patternChar, maxLength: 8 }),
      fc.string({ unit: valueChar, maxLength: 10 }),
      (pattern, value) => {
        assert.is(wildcardMatch(pattern, value), globRegExp(pattern, 's').test(value), `${pattern} ~ ${value}`);
        assert.is(
          wildcardMatch(pattern, value, { ignoreCase: true }),
          globRegExp(pattern, 'is').test(value),
          `${pattern} ~i ${value}`,
        );
      },
    ),
    { numRuns: 2000 },
  );
});

test('IAM examples: action names, sub patterns', () => {
  assert.ok(wildcardMatch('s3:Get*', 's3:getobject', { ignoreCase: true }));
  assert.not.ok(wildcardMatch('s3:Get*', 's3:getobject'));
  assert.ok(wildcardMatch('{r}:*', '{r}:{step}'));
  assert.ok(wildcardMatch('iam:?et*', 'iam:GetRole'));
  assert.not.ok(wildcardMatch('iam:?et', 'iam:GetRole'));
  assert.ok(wildcardMatch('', ''));
  assert.ok(wildcardMatch('*', ''));
});

test('iam:*?*?…Z with 30 pairs: work within (|pattern|+1)(|value|+1) steps, no backtracking blow-up', () => {
  const pattern = `iam:${'*?'.repeat(30)}Z`;
  const value = `iam:${'a'.repeat(200)}`;
  const { matched, steps } = wildcardSteps(pattern, value, { ignoreCase: true });
  assert.not.ok(matched);
  assert.ok(steps <= (pattern.length + 1) * (value.length + 1), `${steps} steps`);
  assert.ok(wildcardMatch(pattern, `${value}z`, { ignoreCase: true }));
});

test.run();
