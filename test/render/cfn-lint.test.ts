/**
 * cfn-lint (AWS's own linter, with its copy of the CloudFormation specification) on every CloudFormation
 * file we generate: a repository's stack for each target mix, with and without environments, and the
 * workshop facilitator's stack. The one refusal is intended: a repository without its UUID yet.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUILT_IN_TARGETS } from '../../src/core/targets/registry.ts';
import { runNew } from '../support/cli-helpers.ts';
import { EXAMPLE, exampleAnswerFlags, runCli, TEST_AND_PRODUCTION, tempDir } from '../support/fixtures.ts';
import { hasTool } from '../support/tools.ts';

const CFN_LINT = 'pip install cfn-lint';
// the repository UUID only where a test gives it (REPO): without it the stack is refused, as intended
const ANSWERS = [...exampleAnswerFlags({ repoUuid: undefined, iac: 'cloudformation' }), '--yes'];
const REPO = ['--repo-uuid', EXAMPLE.repoUuid];
const everyAnswer = BUILT_IN_TARGETS.flatMap((t) => t.questions)
  .filter((q, i, all) => all.findIndex((x) => x.flag === q.flag) === i)
  .flatMap((q) => [`--${q.flag}`, q.example]);
const everyTarget = ['--target', BUILT_IN_TARGETS.map((t) => t.id).join(','), ...everyAnswer];
// with test and production, a per-environment resource is named once per environment
const everyAnswerPerEnvironment = BUILT_IN_TARGETS.flatMap((t) => t.questions)
  .filter((q, i, all) => all.findIndex((x) => x.flag === q.flag) === i)
  .flatMap((q) =>
    q.perEnvironment
      ? ['test', 'production'].flatMap((e) => [`--${q.flag}.${e}`, q.example])
      : [`--${q.flag}`, q.example],
  );

const lint = (files: string[]) => spawnSync('cfn-lint', ['--', ...files], { encoding: 'utf8' });

function generate(parent: string, name: string, extra: string[]): string {
  const r = runNew([name, ...ANSWERS, '--no-git', ...extra, '--dir', join(parent, name)], parent);
  assert.is(r.status, 0, r.stderr);
  return join(parent, name, 'cloudformation/oidc-role.yaml');
}

test('cfn-lint passes on every generated repository stack and on the workshop facilitator stack', () => {
  if (!hasTool('cfn-lint', CFN_LINT)) return;
  const parent = tempDir().path;
  const files = [
    generate(parent, 'check-only', REPO),
    generate(parent, 'every-target', [...REPO, ...everyTarget]),
    generate(parent, 'environments', [
      ...REPO,
      '--target',
      BUILT_IN_TARGETS.map((t) => t.id).join(','),
      ...everyAnswerPerEnvironment,
      ...TEST_AND_PRODUCTION,
      '--auth',
      'assume-role',
    ]),
  ];
  writeFileSync(
    join(parent, 'roster.csv'),
    'attendee,repo_uuid\nAna,aaaaaaaa-0000-4000-8000-000000000001\nBo,aaaaaaaa-0000-4000-8000-000000000002\n',
  );
  const workshop = runCli(['workshop', '--roster', 'roster.csv', '--out', 'out', ...ANSWERS, '--environment', 'test'], {
    cwd: parent,
  });
  assert.is(workshop.status, 0, workshop.stderr);
  const facilitator = readdirSync(join(parent, 'out/facilitator'), { recursive: true, encoding: 'utf8' }).filter((f) =>
    /\.ya?ml$/.test(f),
  );
  assert.ok(facilitator.length > 0, 'the facilitator folder holds a CloudFormation stack');
  files.push(...facilitator.map((f) => join(parent, 'out/facilitator', f)));
  const r = lint(files);
  assert.is(r.status, 0, r.stdout + r.stderr);
});

test('cfn-lint refuses a repository without its UUID yet, as intended: the placeholder default breaks the parameter pattern', () => {
  if (!hasTool('cfn-lint', CFN_LINT)) return;
  const file = generate(tempDir().path, 'no-uuid-yet', []);
  const r = lint([file]);
  assert.is.not(r.status, 0);
  // only that: the default (REPOSITORY-UUID-NOT-SET) is no UUID, so the stack cannot be created until it is set
  assert.equal(
    r.stdout
      .split('\n')
      .filter((l) => /^[EW]\d{4}/.test(l))
      .map((l) => l.split(' ')[0]),
    ['E2015'],
    r.stdout,
  );
});

test.run();
