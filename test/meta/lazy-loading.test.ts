/**
 * Heavy dependencies load only for the commands that use them: the AWS SDK (≈ 0.1 s) for apply, doctor
 * and why (CloudTrail's client for why alone), never for new, check or gallery, and help (rendered from
 * the command table) loads none.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runNew } from '../support/cli-helpers.ts';
import { EXAMPLE_ANSWERS_FILE, ROOT, runCli, tempDir } from '../support/fixtures.ts';

const tmp = tempDir('pipelines-oidc-lazy-');
const repo = join(tmp.path, 'repo');

/** The CommonJS modules a CLI run loaded, as paths relative to node_modules. */
function loaded(args: string[]): string[] {
  const record = join(tmp.path, `modules-${args[0]}.json`);
  const r = runCli(args, {
    cwd: tmp.path,
    env: {
      NODE_OPTIONS: `--require ${join(ROOT, 'test/support/record-modules.cjs')}`,
      RECORD_MODULES: record,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ACCESS_KEY_ID: undefined,
      AWS_PROFILE: undefined,
      AWS_CONFIG_FILE: join(tmp.path, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(tmp.path, 'none'),
    },
  });
  assert.ok(r.status !== null, r.stderr);
  return (JSON.parse(readFileSync(record, 'utf8')) as string[])
    .filter((p) => p.includes('node_modules'))
    .map((p) => p.slice(p.lastIndexOf('node_modules/') + 13));
}

const sdk = (modules: string[]) => modules.filter((m) => m.startsWith('@aws-sdk/') || m.startsWith('@smithy/'));

test('new, check, gallery and run load no AWS SDK', () => {
  assert.is(
    runNew(['repo', '--answers', EXAMPLE_ANSWERS_FILE, '--dir', repo, '--yes', '--no-git'], tmp.path).status,
    0,
  );
  for (const args of [
    ['new', 'other', '--answers', EXAMPLE_ANSWERS_FILE, '--dir', join(tmp.path, 'other'), '--yes', '--no-git'],
    ['check', repo],
    ['gallery'],
    // stops at the missing Bitbucket token, after loading everything run imports
    ['run', repo],
  ]) {
    assert.equal(sdk(loaded(args)), [], args[0]);
  }
});

test('check loads the HCL parser only for Terraform with IAM policies that new did not render', () => {
  const hcl = (modules: string[]) => modules.some((m) => m.startsWith('@cdktf/hcl2json/'));
  assert.is(hcl(loaded(['check', repo])), false, 'a generated repository');
  const handWritten = join(tmp.path, 'hand-written');
  mkdirSync(handWritten, { recursive: true });
  writeFileSync(
    join(handWritten, 'main.tf'),
    'resource "aws_iam_role_policy" "p" {\n  role = "r"\n  policy = jsonencode({})\n}\n',
  );
  assert.is(hcl(loaded(['check', handWritten])), true, 'a hand-written IAM policy');
});

test('help loads no dependency at all, not even for apply', () => {
  for (const args of [['--help'], ['new', '--help'], ['apply', '--help'], ['workshop', 'grade', '--help']]) {
    assert.equal(loaded(args), [], args.join(' '));
  }
});

test('doctor loads it (the measurement above can see it), but not CloudTrail, which only why loads', () => {
  const modules = loaded(['doctor', repo]);
  assert.ok(
    sdk(modules).some((m) => m.startsWith('@aws-sdk/client-iam/')),
    'client-iam loaded',
  );
  const cloudtrail = (ms: string[]) => ms.some((m) => m.startsWith('@aws-sdk/client-cloudtrail/'));
  assert.not.ok(cloudtrail(modules), 'doctor loads no CloudTrail client');
  // stops at the missing credentials, after loading the client
  const why = loaded(['why', repo]);
  assert.ok(cloudtrail(why), 'why loads the CloudTrail client');
  assert.not.ok(
    sdk(why).some((m) => m.startsWith('@aws-sdk/client-iam/')),
    'why loads no IAM client',
  );
});

test.after(() => tmp.cleanup());
test.run();
