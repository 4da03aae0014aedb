/** `new` through the built CLI: every bad input is exit 2 with one line naming the flag, and nothing written. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertOneLineError, runNew } from '../support/cli-helpers.ts';
import { EXAMPLE_ANSWERS_FILE, exampleFlags, runCli, tempDir } from '../support/fixtures.ts';

const RAW = JSON.parse(readFileSync(EXAMPLE_ANSWERS_FILE, 'utf8')) as Record<string, string>;
const UUID_RULE = 'must be a UUID';

/** Runs `new` in a fresh temp folder with --dir out; returns the result and whether anything appeared. */
function runNewIn(args: string[], env: Record<string, string | undefined> = {}) {
  const tmp = tempDir();
  try {
    const r = runNew([...args, '--dir', 'out'], tmp.path, env);
    return {
      r,
      entries: readdirSync(tmp.path),
      manifest: readManifest(join(tmp.path, 'out')),
      trust: readIf(join(tmp.path, 'out/iam/trust-policy.json')),
    };
  } finally {
    tmp.cleanup();
  }
}

function readIf(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

function readManifest(dir: string): Record<string, string> | undefined {
  const text = readIf(join(dir, '.pipelines-oidc.json'));
  return text === undefined ? undefined : (JSON.parse(text) as { answers: Record<string, string> }).answers;
}

function assertRejected(args: string[], fragments: string[], env: Record<string, string | undefined> = {}): void {
  const { r, entries } = runNewIn(args, env);
  assertOneLineError(r, 2, fragments);
  assert.equal(entries, [], 'nothing written, not even a staging folder');
}

const INVALID: Array<[string, Record<string, string>, string, string]> = [
  ['a repository name that is not a slug', { name: 'My_Repo' }, '<name>', 'must be a Bitbucket repository slug'],
  [
    'a workspace display name instead of its slug',
    { workspace: 'Phub Team' },
    '--workspace',
    'must be a Bitbucket workspace slug',
  ],
  ['a workspace UUID that is not a UUID', { workspaceUuid: '7a3e5c1d-2b4f-4e6a-9c8d' }, '--workspace-uuid', UUID_RULE],
  ['a repository UUID with one brace', { repoUuid: '{0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d' }, '--repo-uuid', UUID_RULE],
  ['an account of 11 digits', { account: '12345678901' }, '--account', 'must be a 12-digit AWS account ID'],
  ['an account with letters', { account: '12345678901a' }, '--account', 'must be a 12-digit AWS account ID'],
  ['a region name instead of its code', { region: 'Ireland' }, '--region', 'must be an AWS region code'],
  ['a role name of 65 characters', { roleName: 'r'.repeat(65) }, '--role-name', 'must be an IAM role name: 1-64'],
  ['a role name with a slash', { roleName: 'team/deployer' }, '--role-name', 'must be an IAM role name'],
  ['an unknown target', { target: 'kubernetes' }, '--target', 'unknown target "kubernetes"'],
  ['an unknown IaC tool', { iac: 'pulumi' }, '--iac', 'must be one of terraform, cloudformation, both, none'],
  ['an unknown auth method', { auth: 'access-keys' }, '--auth', 'must be one of token-file, assume-role'],
];

for (const [what, override, flag, rule] of INVALID) {
  test(`${what}: exit 2 naming ${flag} and the rule, nothing written`, () => {
    assertRejected(exampleFlags(override), [flag, rule]);
  });
}

test("a bucket's KMS key given as an alias, not a key ARN: exit 2 naming --site-kms-key, nothing written", () => {
  const site = [...exampleFlags({ target: 's3-static-site' }), '--site-bucket', 'www.example.com'];
  assertRejected([...site, '--site-kms-key', 'alias/site'], ['--site-kms-key', '(got "alias/site")']);
});

test('the rejected value is quoted back in the message', () => {
  assertRejected(exampleFlags({ account: '12345678901' }), ['(got "12345678901")']);
});

test('missing required answers: exit 2 naming every missing flag in one line (no TTY, no --yes)', () => {
  const { r, entries } = runNewIn([]);
  const line = assertOneLineError(r, 2, ['missing required answers']);
  const named = /missing required answers: (.*?) \(/.exec(line)?.[1]?.split(', ');
  // not --role-name: it has a default once <name> is given; not --repo-uuid: it is optional
  assert.equal(named, ['<name>', '--workspace', '--workspace-uuid', '--account', '--region'], line);
  assert.equal(entries, []);
});

test('missing answers are named alone when the others are given', () => {
  const { r } = runNewIn(['phub-oidc-check', '--workspace', 'phub', '--account', '123456789012']);
  const line = assertOneLineError(r, 2, ['missing required answers: --workspace-uuid, --region (']);
  assert.not.ok(line.includes('<name>'), line);
});

test('UUIDs with or without braces, in any case, are stored lowercase without braces', () => {
  const upper = RAW['workspaceUuid']!.toUpperCase();
  const bare = RAW['repoUuid']!.replace(/[{}]/g, '');
  const { r, manifest, trust } = runNewIn([...exampleFlags({ workspaceUuid: upper, repoUuid: bare }), '--no-git']);
  assert.is(r.status, 0, r.stderr);
  assert.is(manifest?.['workspaceUuid'], '7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a');
  assert.is(manifest?.['repoUuid'], '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d');
  // the audience is the bare UUID, the subject carries braces (as the token's claims do)
  assert.ok(trust?.includes('"ari:cloud:bitbucket::workspace/7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a"'), trust);
  assert.ok(trust?.includes('"{0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d}:*"'), trust);
});

test('the role name defaults to bitbucket-<name>', () => {
  const args = exampleFlags({ name: 'billing-api' }).filter(
    (a, i, all) => a !== '--role-name' && all[i - 1] !== '--role-name',
  );
  const { r, manifest } = runNewIn([...args, '--no-git']);
  assert.is(r.status, 0, r.stderr);
  assert.is(manifest?.['roleName'], 'bitbucket-billing-api');
});

/** The example's flags without --region. */
const withoutRegion = () => exampleFlags().filter((a, i, all) => a !== '--region' && all[i - 1] !== '--region');

test('the region falls back to AWS_REGION, then AWS_DEFAULT_REGION', () => {
  const both = runNewIn([...withoutRegion(), '--no-git'], {
    AWS_REGION: 'us-east-2',
    AWS_DEFAULT_REGION: 'eu-central-1',
  });
  assert.is(both.r.status, 0, both.r.stderr);
  assert.is(both.manifest?.['region'], 'us-east-2');
  const fallback = runNewIn([...withoutRegion(), '--no-git'], { AWS_DEFAULT_REGION: 'eu-central-1' });
  assert.is(fallback.r.status, 0, fallback.r.stderr);
  assert.is(fallback.manifest?.['region'], 'eu-central-1');
  const flag = runNewIn([...exampleFlags(), '--no-git'], { AWS_REGION: 'us-east-2' });
  assert.is(flag.manifest?.['region'], 'eu-west-1', 'a flag beats the environment');
});

test('without --region nor AWS_REGION/AWS_DEFAULT_REGION, --region is missing', () => {
  assertRejected(withoutRegion(), ['missing required answer: --region']);
});

test('an invalid region from the environment is rejected like a flag', () => {
  assertRejected(withoutRegion(), ['--region', 'must be an AWS region code', '"moon-base"'], {
    AWS_REGION: 'moon-base',
  });
});

/** Runs `new` with an answers file holding `content` (a string is written as is). */
function withAnswersFile(content: unknown, args: string[] = []) {
  const tmp = tempDir();
  try {
    const file = join(tmp.path, 'answers.json');
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    const r = runNew(['--answers', file, '--dir', join(tmp.path, 'out'), '--no-git', ...args], tmp.path);
    return { r, entries: readdirSync(tmp.path).sort(), manifest: readManifest(join(tmp.path, 'out')) };
  } finally {
    tmp.cleanup();
  }
}

test('answers file: an unknown key is exit 2 naming --answers and the key', () => {
  const { r, entries } = withAnswersFile({ ...RAW, accountId: '123456789012' });
  assertOneLineError(r, 2, ['--answers', 'unknown answer "accountId"']);
  assert.equal(entries, ['answers.json']);
  const typo = withAnswersFile({ ...RAW, workspce: 'phub' });
  assertOneLineError(typo.r, 2, ['unknown answer "workspce" (did you mean workspace?)']);
  const empty = tempDir();
  try {
    const value = runNew([...exampleFlags(), '--iac', 'terrafrom', '--dry-run', '--yes', '--no-git'], empty.path);
    assertOneLineError(value, 2, ['--iac', 'must be one of terraform', '(did you mean terraform?)']);
  } finally {
    empty.cleanup();
  }
});

test('answers file: a value that is not a string is exit 2 naming --answers and the key', () => {
  const { r, entries } = withAnswersFile({ ...RAW, account: 123456789012 });
  assertOneLineError(r, 2, ['--answers', '"account" must be a string']);
  assert.equal(entries, ['answers.json']);
});

test('answers file: invalid JSON is exit 2 naming --answers', () => {
  const { r, entries } = withAnswersFile('{"name": "phub-oidc-check",');
  assertOneLineError(r, 2, ['--answers', 'not valid JSON']);
  assert.equal(entries, ['answers.json']);
});

test('answers file: a JSON array is exit 2 naming --answers', () => {
  const { r } = withAnswersFile([RAW]);
  assertOneLineError(r, 2, ['--answers', 'must be a JSON object']);
});

test('answers file: a missing file is exit 2 naming --answers', () => {
  const tmp = tempDir();
  try {
    const r = runNew(['--answers', 'nowhere.json', '--dir', 'out', '--no-git'], tmp.path);
    assertOneLineError(r, 2, ['--answers nowhere.json', 'cannot read']);
    assert.equal(readdirSync(tmp.path), []);
  } finally {
    tmp.cleanup();
  }
});

test('answers file: an invalid value is rejected naming the flag and the file', () => {
  const { r } = withAnswersFile({ ...RAW, account: '1234' });
  assertOneLineError(r, 2, ['--account (from --answers', 'must be a 12-digit AWS account ID']);
});

test('flags override the answers file (even a value the file gets wrong)', () => {
  const { r, manifest } = withAnswersFile({ ...RAW, account: '1234' }, [
    '--account',
    '210987654321',
    '--workspace',
    'other-team',
    'renamed-repo',
  ]);
  assert.is(r.status, 0, r.stderr);
  assert.is(manifest?.['account'], '210987654321');
  assert.is(manifest?.['workspace'], 'other-team');
  assert.is(manifest?.['name'], 'renamed-repo');
  assert.is(manifest?.['region'], RAW['region'], 'the file still answers what no flag does');
});

test('the manifest a run writes is a valid answers file for the next run', () => {
  const tmp = tempDir();
  try {
    const first = runNew([...exampleFlags(), '--dir', 'one', '--no-git'], tmp.path);
    assert.is(first.status, 0, first.stderr);
    const second = runNew(['--answers', 'one/.pipelines-oidc.json', '--dir', 'two', '--no-git'], tmp.path);
    assert.is(second.status, 0, second.stderr);
    assert.equal(readManifest(join(tmp.path, 'two')), readManifest(join(tmp.path, 'one')));
  } finally {
    tmp.cleanup();
  }
});

test('a manifest given as the answers file is read as update reads it: migrated, each field checked', () => {
  const tmp = tempDir();
  try {
    const first = runNew([...exampleFlags(), '--dir', 'one', '--no-git'], tmp.path);
    assert.is(first.status, 0, first.stderr);
    const path = join(tmp.path, 'one/.pipelines-oidc.json');
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as { answers: Record<string, unknown>; files: object };
    const { environments: _, ...early } = manifest.answers;
    writeFileSync(path, JSON.stringify({ ...manifest, answers: early, files: Object.keys(manifest.files) }));
    const second = runNew(['--answers', 'one/.pipelines-oidc.json', '--dir', 'two', '--no-git'], tmp.path);
    assert.is(second.status, 0, second.stderr);
    assert.is(readManifest(join(tmp.path, 'two'))?.['environments'], '');
    writeFileSync(path, JSON.stringify({ ...manifest, answers: { ...manifest.answers, region: 7 } }));
    const broken = runNew(['--answers', 'one/.pipelines-oidc.json', '--dir', 'three', '--no-git'], tmp.path);
    assertOneLineError(broken, 2, ['--answers one/.pipelines-oidc.json: "answers.region" must be a string']);
  } finally {
    tmp.cleanup();
  }
});

test("a target's answer without its target is exit 2 naming --target", () => {
  assertRejected(
    [...exampleFlags(), '--site-bucket', 'my-site'],
    ['--site-bucket', 'not a chosen target', '--target s3-static-site'],
  );
});

test("another repository's manifest as the answers file: its identity (repository UUID, role name, environment UUIDs) is not reused", () => {
  const tmp = tempDir();
  try {
    const env = ['--environment', 'production=66666666-7777-4888-9999-aaaaaaaaaaaa'];
    const first = runNew([...exampleFlags(), ...env, '--dir', 'one', '--no-git'], tmp.path);
    assert.is(first.status, 0, first.stderr);
    const other = runNew(['other-repo', '--answers', 'one/.pipelines-oidc.json', '--dir', 'two', '--no-git'], tmp.path);
    assert.is(other.status, 0, other.stderr);
    assert.match(other.stdout, 'its repository UUID, role name and environment UUIDs are not reused for other-repo');
    const written = readManifest(join(tmp.path, 'two'))!;
    assert.is(written['name'], 'other-repo');
    assert.is(written['repoUuid'], '');
    assert.is(written['roleName'], 'bitbucket-other-repo');
    assert.is(written['environments'], 'production');
    assert.is(written['account'], RAW['account'], 'the shared answers are reused');
  } finally {
    tmp.cleanup();
  }
});

test('an unknown option is exit 2 naming it, the flag it is a typo of, and the command help', () => {
  const { r, entries } = runNewIn([...exampleFlags(), '--acount', '123456789012']);
  assert.is(
    assertOneLineError(r, 2, []),
    'pipelines-oidc: unknown option --acount (did you mean --account?) (see pipelines-oidc new --help)',
  );
  assert.equal(entries, []);
});

test('a flag without its value is exit 2', () => {
  const { r, entries } = runNewIn([...exampleFlags(), '--no-git', '--account']);
  assertOneLineError(r, 2, ['--account']);
  assert.equal(entries, []);
});

test('two names are exit 2', () => {
  assertRejected([...exampleFlags(), 'second-name'], ['one <name>', 'second-name']);
});

test('--push with --no-git is exit 2', () => {
  assertRejected([...exampleFlags(), '--no-git', '--push', '../remote.git'], ['--push', '--no-git']);
});

test('the folder given the other way round: [dir] commands say they take it as their argument, update and add say --dir', () => {
  const tmp = tempDir();
  try {
    for (const command of ['apply', 'doctor', 'check', 'rehearse', 'run'])
      assertOneLineError(runCli([command, '--dir', 'repo'], { cwd: tmp.path }), 2, [
        `unknown option --dir: ${command} takes the folder as its argument: pipelines-oidc ${command} <dir>`,
      ]);
    assertOneLineError(runCli(['update', 'repo'], { cwd: tmp.path }), 2, [
      'update takes the folder with --dir: pipelines-oidc update --dir repo',
    ]);
    assertOneLineError(runCli(['add', 's3-static-site', 'repo'], { cwd: tmp.path }), 2, [
      'add takes the folder with --dir: pipelines-oidc add s3-static-site --dir repo',
    ]);
    // without a folder, a folder that is no repository of ours is still named as such
    assertOneLineError(runCli(['update'], { cwd: tmp.path }), 1, ['has no .pipelines-oidc.json']);
  } finally {
    tmp.cleanup();
  }
});

test("a repository or environment UUID that is the workspace's, or another's, was pasted from the wrong place: exit 2", () => {
  const workspaceUuid = '7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a';
  const flags = exampleFlags({ workspaceUuid, repoUuid: workspaceUuid });
  assertRejected(flags, ['--repo-uuid', "is the workspace's UUID"]);
  const env = '1a2b3c4d-0003-4c00-a000-00000000000c';
  assertRejected(
    [...exampleFlags({ workspaceUuid }), '--environment', `test=${env}`, '--environment', `production=${env}`],
    ['--environment production', 'is the UUID --environment test gives too'],
  );
});

test('an unknown command is exit 2', () => {
  const r = runCli(['neww', 'x']);
  assertOneLineError(r, 2, ['unknown command "neww"']);
});

test.run();
