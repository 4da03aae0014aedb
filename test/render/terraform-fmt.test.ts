/**
 * Every generated Terraform configuration is as `terraform fmt` lays it out, so a user who formats it
 * (a common pre-commit step) changes nothing, and the next `update` has no layout to merge. Checked by
 * the real terraform fmt on a repository's files for several answer sets and on the workshop's.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Answers } from '../../src/core/answers/questions.ts';
import { BUILT_IN_TARGETS } from '../../src/core/targets/registry.ts';
import { answers, renderRepo, runCli, tempDir, targetExamples, withStages } from '../support/fixtures.ts';

const hasTerraform = spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0;

/** What terraform fmt would change in `dir`: its diff, empty when the files are formatted. */
function fmtDiff(dir: string): string {
  const run = spawnSync('terraform', ['fmt', '-check', '-diff', '-recursive', dir], { encoding: 'utf8' });
  assert.is(run.error, undefined, 'terraform fmt runs');
  return run.status === 0 ? '' : run.stdout || `exit ${run.status}: ${run.stderr}`;
}

const environments = 'test=1a2b3c4d-0001-4a00-8000-00000000000a,production=1a2b3c4d-0003-4c00-a000-00000000000c';
const everyTarget = BUILT_IN_TARGETS.map((t) => t.id).join(',');
const SETS: Array<[string, Answers]> = [
  ['the example answers', answers({ iac: 'both' })],
  [
    'two environments, one without a UUID',
    answers({ iac: 'terraform', environments: 'test,production=1a2b3c4d-0003-4c00-a000-00000000000c' }),
  ],
  [
    'every target, two environments',
    answers({
      iac: 'both',
      target: withStages(everyTarget, environments),
      environments,
      targetAnswers: targetExamples(environments),
    }),
  ],
  ['every target', answers({ iac: 'terraform', target: everyTarget, targetAnswers: targetExamples() })],
  ['assume-role, no repository UUID', answers({ iac: 'both', auth: 'assume-role', repoUuid: '' })],
  ['cn-north-1', answers({ iac: 'terraform', region: 'cn-north-1' })],
  [
    'a 2h session (max_session_duration in terraform.tfvars)',
    answers({ iac: 'both', auth: 'assume-role', sessionDuration: '2h' }),
  ],
];

for (const [label, a] of SETS) {
  test(`repository Terraform is terraform fmt-clean: ${label}`, () => {
    if (!hasTerraform) return console.log('  skipped: terraform is not installed (CI has it)');
    const { files } = renderRepo(a);
    const tmp = tempDir();
    try {
      const tf = [...files].filter(([path]) => path.startsWith('terraform/'));
      assert.ok(
        tf.some(([path]) => path === 'terraform/terraform.tfvars') && tf.length >= 5,
        'the Terraform files are there',
      );
      for (const [path, content] of tf) {
        mkdirSync(dirname(join(tmp.path, path)), { recursive: true });
        writeFileSync(join(tmp.path, path), content);
      }
      assert.is(fmtDiff(tmp.path), '');
    } finally {
      tmp.cleanup();
    }
  });
}

const uuid = (i: number) => `aaaaaaaa-0000-4000-8000-${String(i).padStart(12, '0')}`;
const ROSTERS: Array<[string, string]> = [
  ['no repository UUIDs (roles_without_uuid, preconditions)', 'attendee\nAda\nBo\n'],
  ['every repository UUID', `attendee,repo_uuid\nAda,${uuid(1)}\nBo,${uuid(2)}\n`],
  ['some repository UUIDs', `attendee,repo_uuid\nAda,${uuid(1)}\nBo,\nChen Wei,${uuid(3)}\n`],
];

for (const [label, roster] of ROSTERS) {
  test(`workshop facilitator Terraform is terraform fmt-clean: ${label}`, () => {
    if (!hasTerraform) return console.log('  skipped: terraform is not installed (CI has it)');
    const tmp = tempDir();
    try {
      writeFileSync(join(tmp.path, 'roster.csv'), roster);
      const run = runCli(
        [
          'workshop',
          '--roster',
          'roster.csv',
          '--out',
          'out',
          ...['--workspace', 'phub', '--workspace-uuid', '7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a'],
          ...['--account', '123456789012', '--region', 'eu-west-1', '--yes'],
        ],
        { cwd: tmp.path },
      );
      assert.is(run.status, 0, run.stderr);
      const dir = join(tmp.path, 'out/facilitator/terraform');
      const main = readFileSync(join(dir, 'main.tf'), 'utf8');
      assert.is(main.includes('roles_without_uuid'), !roster.includes(uuid(2)), 'the roles without a UUID are listed');
      assert.is(fmtDiff(dir), '');
    } finally {
      tmp.cleanup();
    }
  });
}

test.run();
