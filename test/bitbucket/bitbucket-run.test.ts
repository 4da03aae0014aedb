/**
 * `run`: the built CLI triggers the custom pipeline on a local Bitbucket API (test/support/bitbucket-api.ts),
 * follows it to its end, and on an STS refusal explains the step's token as `check --token` would.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertOneLineError, runCliAsync, runNew } from '../support/cli-helpers.ts';
import { EXAMPLE, EXAMPLE_ANSWERS_FILE, tempDir } from '../support/fixtures.ts';
import { awsEnv, startIamEndpoint } from '../support/iam-endpoint.ts';
import { accessTokenEnv, type BitbucketApi, onlyWorkspace, startBitbucketApi } from '../support/bitbucket-api.ts';

const TOKEN = 'bitbucket-access-token-for-run-tests';
const tmp = tempDir('pipelines-oidc-run-');
const repo = join(tmp.path, 'phub-oidc-check');
let api: BitbucketApi;

/** No AWS credentials of the machine's, and no instance metadata to look for them: a test gives its own. */
const NO_AWS: Record<string, string | undefined> = {
  ...Object.fromEntries(
    Object.keys(process.env)
      .filter((k) => k.startsWith('AWS_'))
      .map((k) => [k, undefined]),
  ),
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
};
const cli = (args: string[], extra: Record<string, string | undefined> = {}) =>
  runCliAsync(args, {
    cwd: tmp.path,
    env: { ...NO_AWS, ...accessTokenEnv(api, TOKEN), ...extra },
  });
const ROLE_ARN = `arn:aws:iam::${EXAMPLE.account}:role/${EXAMPLE.roleName}`;
const roleVariable = (value: string) => ({
  uuid: `{${randomUUID()}}`,
  key: 'AWS_OIDC_ROLE_ARN',
  value,
  secured: false,
});

const STS_LOG = [
  '+ export AWS_WEB_IDENTITY_TOKEN_FILE="$(mktemp)"',
  '+ caller="$(aws sts get-caller-identity --query Arn --output text)"',
  '',
  'An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity',
  '',
].join('\n');

test.before(async () => {
  api = await startBitbucketApi({ credential: { accessToken: TOKEN } });
  const r = runNew(
    ['phub-oidc-check', '--answers', EXAMPLE_ANSWERS_FILE, '--dir', repo, '--yes', '--no-git'],
    tmp.path,
  );
  assert.is(r.status, 0, r.stderr);
});
test.after(async () => {
  await api.close();
  tmp.cleanup();
});
test.before.each(() => onlyWorkspace(api, 'phub', EXAMPLE.workspaceUuid));

test('a pipeline that succeeds: triggered as a custom pipeline on main, followed to its end, exit 0', async () => {
  api.addRepository('phub', 'phub-oidc-check', `{${EXAMPLE.repoUuid}}`, { pipelinesEnabled: true });
  api.nextPipeline({
    steps: [
      {
        name: 'Check the AWS OIDC role',
        result: 'SUCCESSFUL',
        log: 'Signed in as arn:aws:sts::123456789012:assumed-role/x/y\n',
      },
    ],
  });
  const r = await cli(['run', repo, '--follow']);
  assert.is(r.status, 0, r.stderr);
  const trigger = api.calls.find((c) => c.method === 'POST')!;
  assert.is(trigger.path, '/repositories/phub/phub-oidc-check/pipelines');
  assert.equal(trigger.body, {
    target: {
      type: 'pipeline_ref_target',
      ref_type: 'branch',
      ref_name: 'main',
      selector: { type: 'custom', pattern: 'test-aws-oidc' },
    },
  });
  assert.ok(api.pipelines[0]!.polls >= 2, 'polled until COMPLETED');
  assert.match(r.stdout, '✔ Check the AWS OIDC role: SUCCESSFUL');
  assert.match(r.stdout, 'pipeline #1 succeeded');
  assert.match(
    r.stdout,
    'pipeline #1: PENDING\npipeline #1: IN_PROGRESS RUNNING\n',
    'plain progress lines without a terminal',
  );
  assert.not.ok(r.stdout.includes(TOKEN));
});

test('a pipeline that fails on STS: the log tail, and the step claims judged against the repository (repository UUID differs)', async () => {
  const recreated = '99999999-8888-4777-8666-555555555555';
  api.addRepository('phub', 'phub-oidc-check', `{${recreated}}`, { pipelinesEnabled: true });
  api.nextPipeline({ steps: [{ name: 'Check the AWS OIDC role', result: 'FAILED', log: STS_LOG }] });
  const r = await cli(['run', repo, '--follow', '--pipeline', 'custom:test-aws-oidc']);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stdout, '✖ Check the AWS OIDC role: FAILED');
  assert.match(r.stdout, '│ An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation');
  assert.match(r.stdout, 'STS refused the token');
  assert.match(r.stdout, `✖ rejected by ${EXAMPLE.roleName} (iam/trust-policy.json)`);
  // the rebuilt claims are no token: never judged as an unsigned one, and nothing live is read
  assert.not.match(r.stdout, /unsigned|alg/);
  assert.not.match(r.stdout, 'not checked');
  assert.match(
    r.stdout,
    `the token comes from repository {${recreated}}, the role trusts repository {${EXAMPLE.repoUuid}}`,
  );
  assert.match(r.stdout, 'pipeline #1 failed');
  // the log is served from storage behind a redirect: the credentials are not sent there
  const storage = api.calls.filter((c) => c.path.startsWith('/log-storage/'));
  assert.is(storage.length, 1);
  assert.is(storage[0]!.authorization, undefined);
});

test("a failed step in a parallel group's steps: list is matched to its deployment environment: the token's sub names it", async () => {
  const envUuid = '77777777-6666-4555-8444-333333333333';
  const repository = api.addRepository('phub', 'phub-oidc-check', `{${EXAMPLE.repoUuid}}`, { pipelinesEnabled: true });
  repository.environments.push({ uuid: `{${envUuid}}`, name: 'test', type: 'Test', variables: [] });
  api.nextPipeline({ steps: [{ name: 'Deploy to test', result: 'FAILED', log: STS_LOG }] });
  const file = join(repo, 'bitbucket-pipelines.yml');
  const generated = readFileSync(file, 'utf8');
  writeFileSync(
    file,
    [
      'pipelines:',
      '  custom:',
      '    test-aws-oidc:',
      '      - parallel:',
      '          fail-fast: true',
      '          steps:',
      '            - step:',
      '                name: Deploy to test',
      '                deployment: test',
      '                oidc: true',
      '                script: [./deploy.sh]',
      '',
    ].join('\n'),
  );
  try {
    const r = await cli(['run', repo, '--follow']);
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stdout, 'STS refused the token');
    assert.match(r.stdout, `{${EXAMPLE.repoUuid}}:{${envUuid}}:`);
  } finally {
    writeFileSync(file, generated);
  }
});

test('claims the files accept: the cause is what is set elsewhere — the variable names another role; AWS unread is said, not guessed', async () => {
  const repository = api.addRepository('phub', 'phub-oidc-check', `{${EXAMPLE.repoUuid}}`, { pipelinesEnabled: true });
  repository.variables.push(roleVariable(`arn:aws:iam::${EXAMPLE.account}:role/someone-elses-role`));
  api.nextPipeline({ steps: [{ name: 'Check the AWS OIDC role', result: 'FAILED', log: STS_LOG }] });
  const r = await cli(['run', repo, '--follow']);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stdout, `✔ ${EXAMPLE.roleName}'s trust policy (iam/trust-policy.json) accepts them`);
  assert.match(
    r.stdout,
    `✖ the repository variable AWS_OIDC_ROLE_ARN names "arn:aws:iam::${EXAMPLE.account}:role/someone-elses-role", not this step's role ${ROLE_ARN}`,
  );
  assert.match(r.stdout, "? not checked: the account's provider and role (AWS:");
  assert.not.match(r.stdout, /rejected|unsigned/);
});

test("claims the files accept, read against the account: only the conditions that fail there — the provider's audience and the role's applied trust", async () => {
  const iam = await startIamEndpoint({ account: EXAMPLE.account });
  try {
    const withIam = { ...NO_AWS, ...awsEnv(iam) };
    assert.is((await cli(['apply', repo, '--yes'], withIam)).status, 0);
    const repository = api.addRepository('phub', 'phub-oidc-check', `{${EXAMPLE.repoUuid}}`, {
      pipelinesEnabled: true,
    });
    repository.variables.push(roleVariable(ROLE_ARN));
    // everything as the files say: nothing this tool reads explains the refusal, and it says so
    api.nextPipeline({ steps: [{ name: 'Check the AWS OIDC role', result: 'FAILED', log: STS_LOG }] });
    const clean = await cli(['run', repo, '--follow'], withIam);
    assert.is(clean.status, 1, clean.stderr);
    assert.match(clean.stdout, 'accept the token too');
    assert.not.match(clean.stdout, /✖ (the|no) /);
    // then someone changed the account by hand
    const provider = [...iam.state.providers.values()][0]!;
    provider.clientIds = ['sts.amazonaws.com'];
    const role = iam.state.roles.get(EXAMPLE.roleName)!;
    const trust = JSON.parse(readFileSync(join(repo, 'iam/trust-policy.json'), 'utf8')) as unknown;
    role.trustPolicy = JSON.parse(
      JSON.stringify(trust).replaceAll(EXAMPLE.repoUuid, '99999999-8888-4777-8666-555555555555'),
    );
    api.nextPipeline({ steps: [{ name: 'Check the AWS OIDC role', result: 'FAILED', log: STS_LOG }] });
    const r = await cli(['run', repo, '--follow'], withIam);
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stdout, `✖ the provider's client IDs ["sts.amazonaws.com"] lack the token's audience`);
    assert.match(r.stdout, "✖ the role's trust policy in AWS differs from iam/trust-policy.json and rejects the token");
    assert.match(r.stdout, '99999999-8888-4777-8666-555555555555');
    assert.not.match(r.stdout, /AWS_OIDC_ROLE_ARN names|not checked/);
  } finally {
    await iam.close();
  }
});

test('--follow <build number> follows a pipeline already started (nothing new starts); a custom pipeline the file lacks is refused before Bitbucket is asked', async () => {
  api.addRepository('phub', 'phub-oidc-check', `{${EXAMPLE.repoUuid}}`, { pipelinesEnabled: true });
  const started = await cli(['run', repo]);
  assert.is(started.status, 0, started.stderr);
  assert.match(started.stdout, `Follow it with: pipelines-oidc run phub-oidc-check --follow 1 (it starts nothing new)`);
  const followed = await cli(['run', repo, '--follow', '1']);
  assert.is(followed.status, 0, followed.stderr);
  assert.match(followed.stdout, 'Following pipeline #1 (custom:test-aws-oidc on main)');
  assert.is(api.calls.filter((c) => c.method === 'POST').length, 1, 'only the first run started a pipeline');
  assertOneLineError(await cli(['run', repo, '--follow', '7']), 1, ['pipeline #7', 'no such pipeline']);
  assertOneLineError(await cli(['run', repo, '--follow=0']), 2, ['--follow 0', 'build number']);
  const before = api.calls.length;
  assertOneLineError(await cli(['run', repo, '--pipeline', 'custom:does-not-exist']), 2, [
    '--pipeline custom:does-not-exist',
    'defines no such custom pipeline (it has custom:test-aws-oidc)',
  ]);
  assertOneLineError(await cli(['run', repo, '--follow-timeout', '5s']), 2, ['--follow-timeout', 'only with --follow']);
  assert.is(api.calls.length, before, 'Bitbucket was not asked');
});

test('run needs credentials and a custom pipeline', async () => {
  assertOneLineError(await cli(['run', repo], { BITBUCKET_ACCESS_TOKEN: undefined }), 2, [
    'run needs Bitbucket credentials',
    'BITBUCKET_ACCESS_TOKEN',
  ]);
  api.addRepository('phub', 'phub-oidc-check', `{${EXAMPLE.repoUuid}}`, { pipelinesEnabled: true });
  assertOneLineError(await cli(['run', repo, '--pipeline', 'test-aws-oidc']), 2, ['--pipeline', 'custom:<name>']);
  assert.equal(api.writes(), []);
});

test('a pipeline that never ends (paused on a manual step): --follow gives up after --follow-timeout with one line, exit 1', async () => {
  api.addRepository('phub', 'phub-oidc-check', `{${EXAMPLE.repoUuid}}`, { pipelinesEnabled: true });
  api.nextPipeline({ steps: [], stuck: { name: 'IN_PROGRESS', stage: 'PAUSED' } });
  const r = await cli(['run', repo, '--follow', '--follow-timeout', '2s']);
  assertOneLineError(r, 1, ['pipeline #1 is still IN_PROGRESS PAUSED after 2 s', '--follow-timeout'], {
    quiet: false,
  });
  assertOneLineError(await cli(['run', repo, '--follow', '--follow-timeout', 'forever']), 2, [
    '--follow-timeout',
    'duration',
  ]);
});

test("Bitbucket's words reach the terminal harmless: escapes in a state, a step name and a log line", async () => {
  api.addRepository('phub', 'phub-oidc-check', `{${EXAMPLE.repoUuid}}`, { pipelinesEnabled: true });
  const hostile = '\u001b]0;owned\u0007\u001b[2J\u202e';
  api.nextPipeline({
    steps: [
      {
        name: `Check ${hostile}`,
        result: 'FAILED',
        log: `line one\nAccessDenied ${hostile} AssumeRoleWithWebIdentity\n`,
      },
    ],
  });
  const r = await cli(['run', repo, '--follow']);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stdout, '\\u{1b}]0;owned\\u{7}');
  assert.not.ok(/[\u001b\u0007\u202e]/.test(r.stdout), r.stdout);
  onlyWorkspace(api, 'phub', EXAMPLE.workspaceUuid);
  api.addRepository('phub', 'phub-oidc-check', `{${EXAMPLE.repoUuid}}`, { pipelinesEnabled: true });
  api.nextPipeline({ steps: [], stuck: { name: `PENDING${hostile}` } });
  const stuck = await cli(['run', repo, '--follow', '--follow-timeout', '1']);
  assert.is(stuck.status, 1, stuck.stderr);
  assert.match(stuck.stdout, 'pipeline #1: PENDING\\u{1b}]0;owned');
  assert.not.ok(/[\u001b\u0007\u202e]/.test(stuck.stdout + stuck.stderr), stuck.stdout);
});

test('--bitbucket-token @file reads at most 16 kB (a token is small): a larger file or /dev/zero is exit 2 naming the flag', async () => {
  writeFileSync(join(tmp.path, 'big-token'), 'a'.repeat(100_000));
  assertOneLineError(await cli(['run', repo, '--bitbucket-token', '@big-token']), 2, [
    '--bitbucket-token big-token',
    'larger than 16,384 bytes',
  ]);
  assertOneLineError(await cli(['run', repo, '--bitbucket-token', '@/dev/zero']), 2, [
    '--bitbucket-token /dev/zero',
    'larger than',
  ]);
  assert.equal(api.calls, []);
});

test("a step's log redirected anywhere but HTTPS is not fetched: a line of the report says so, the result still comes", async () => {
  api.addRepository('phub', 'phub-oidc-check', `{${EXAMPLE.repoUuid}}`, { pipelinesEnabled: true });
  api.nextPipeline({ steps: [{ name: 'Check the AWS OIDC role', result: 'FAILED', log: 'never read' }] });
  api.misbehave('GET', /\/log$/, (_req, res) => {
    res.writeHead(307, { location: 'file:///etc/passwd' });
    res.end();
  });
  const r = await cli(['run', repo, '--follow']);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stdout, 'its log could not be read: Bitbucket GET');
  assert.match(r.stdout, 'redirected to file://');
  assert.match(r.stdout, 'pipeline #1 failed');
  assert.equal(
    api.calls.filter((c) => c.path.startsWith('/log-storage/')),
    [],
  );
});

test.run();
