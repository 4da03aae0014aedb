/**
 * `check`'s rule table: each id declared once, each rule with a fixture repository that `check` (as the
 * command runs it, manifest and all) reports with exactly that id, and no id reported that the table
 * does not declare. The README's table of findings is rendered from it (readme.test.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runChecks, type CheckReport } from '../../src/core/check/run-checks.ts';
import type { SchemaValidator } from '../../src/core/check/pipeline-schema.ts';
import { RULES } from '../../src/core/check/rules.ts';
import { readCheckTarget } from '../../src/io/check-input.ts';
import { loadTemplates } from '../../src/io/templates.ts';
import { ROOT } from '../support/fixtures.ts';
import { checkSchema, pipelineSchemaModes } from '../support/schema-reference.ts';

const FIXTURES = join(ROOT, 'test/fixtures/check');
/** Fixtures of no single rule, and what check reports for them. */
const OTHER_FIXTURES: Record<string, string[]> = {
  clean: [],
  tutorial: ['pipeline.outlives-session', 'trust.workspace-wide'],
};
const NOW = new Date('2026-01-01T00:00:00Z');

const schemaModes = pipelineSchemaModes();

/** `check` on a folder, comparing a generated repository with its manifest as the command does. */
async function check(dir: string, schemaValidator?: SchemaValidator): Promise<CheckReport> {
  const { input, model, expected } = await readCheckTarget(ROOT, dir, loadTemplates);
  return runChecks(input, { schemaValidator, model, expected, now: NOW });
}

const ids = (r: CheckReport) => [...new Set(r.findings.map((f) => f.id))].sort();
const show = (r: CheckReport) =>
  r.findings.map((f) => `  ${f.severity} ${f.id} ${f.file}:${f.line ?? '?'} ${f.message}`).join('\n');

test('each id, and each fixture, is declared once, with a one-line title and at least one check', () => {
  const unique = (values: string[]) => new Set(values).size === values.length;
  assert.ok(unique(RULES.map((r) => r.id)), 'ids are unique');
  for (const rule of RULES) {
    assert.match(rule.id, /^[a-z]+\.[a-z-]+$/, rule.id);
    assert.ok(rule.title && !rule.title.includes('\n') && !rule.title.includes('|'), `${rule.id}: one line of a table`);
    assert.ok(Object.values(rule.check).length > 0, `${rule.id} checks something`);
  }
});

test('every fixture folder is a rule of the table, or the clean or tutorial repository', () => {
  assert.equal(readdirSync(FIXTURES).sort(), [...RULES.map((r) => r.id), ...Object.keys(OTHER_FIXTURES)].sort());
});

for (const rule of RULES) {
  for (const mode of schemaModes) {
    test(`${rule.id}: check on its fixture ${rule.id} (${mode.label}) reports exactly it`, async () => {
      const report = await check(join(FIXTURES, rule.id), mode.schema);
      assert.equal(ids(report), [rule.id], show(report));
      assert.ok(
        report.findings.some((f) => f.severity === rule.severity),
        `at least one ${rule.severity}:\n${show(report)}`,
      );
      assert.ok(
        report.findings.every((f) => f.message && f.fix),
        `every finding has a message and a fix:\n${show(report)}`,
      );
    });
  }
}

test('check reports only ids the table declares, on every fixture and the committed example', async () => {
  const declared = new Set<string>(RULES.map((r) => r.id));
  const dirs = [...readdirSync(FIXTURES).map((d) => join(FIXTURES, d)), join(ROOT, 'examples/phub-oidc-check')];
  for (const dir of dirs) {
    const report = await check(dir, checkSchema());
    for (const f of report.findings) assert.ok(declared.has(f.id), `${dir}: ${f.id} is not in the rule table`);
  }
  for (const [dir, expected] of Object.entries(OTHER_FIXTURES))
    assert.equal(ids(await check(join(FIXTURES, dir))), expected, dir);
});

// comments may name ids in backticks; code that names one as a string would give a finding its id outside the table
test('no rule names a finding id: the table gives every finding its id', () => {
  const dir = join(ROOT, 'src/core/check');
  const named = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && f !== 'rules.ts')
    .flatMap((f) =>
      [...readFileSync(join(dir, f), 'utf8').matchAll(/(['"])((?:pipeline|trust|policy|iac)\.[a-z-]+)\1/g)].map(
        (m) => `${f}: ${m[2]}`,
      ),
    );
  assert.equal(named, []);
});

test.run();
