/**
 * One command from nothing to a green handshake: `new … --bitbucket --apply --run` against a local Bitbucket
 * API, real git over HTTP, and the real AWS SDK on the local IAM endpoint. The pipeline's step is decided when
 * it is triggered, as STS would decide it: the pushed pipeline must ask for the token, the role named by the
 * variable must exist, its provider must list the audience, and an independent evaluator
 * (@cloud-copilot/iam-simulate) must allow the step's `aud` and `sub`. Then `doctor` checks both sides.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCliAsync, unsetting } from '../support/cli-helpers.ts';
import { EXAMPLE, tempDir } from '../support/fixtures.ts';
import {
  startBitbucketApi,
  type BitbucketApi,
  type PipelineOutcome,
  type PipelineRun,
} from '../support/bitbucket-api.ts';
import { isolatedGitEnv } from '../support/git-env.ts';
import { startGitHttp, type GitHttp } from '../support/git-http.ts';
import { awsEnv, startIamEndpoint, type IamEndpoint } from '../support/iam-endpoint.ts';
import { assumeRoleWithWebIdentity, trustPolicy } from '../support/iam-simulator.ts';

const TOKEN = 'ATATT3x-end-to-end-token-51d0';
const EMAIL = 'dev@example.com';
const ACCOUNT = '123456789012';
const tmp = tempDir('pipelines-oidc-e2e-');
const gitRoot = join(tmp.path, 'remotes');
const dir = join(tmp.path, 'phub-oidc-check');
let api: BitbucketApi;
let gitHttp: GitHttp;
let iam: IamEndpoint;

function env(): Record<string, string | undefined> {
  return {
    ...unsetting('AWS_', 'BITBUCKET_'),
    ...awsEnv(iam),
    ...isolatedGitEnv(join(tmp.path, 'home'), true),
    BITBUCKET_API_URL: api.url,
    BITBUCKET_EMAIL: EMAIL,
    BITBUCKET_API_TOKEN: TOKEN,
  };
}
const cli = (args: string[]) => runCliAsync(args, { cwd: tmp.path, env: env() });
const hostPath = `api.bitbucket.org/2.0/workspaces/phub/pipelines-config/identity/oidc`;

/** The check step, decided as STS and the step's script would decide it. */
function handshake({ repository, stepUuid }: PipelineRun): PipelineOutcome {
  const fail = (log: string): PipelineOutcome => ({
    steps: [{ name: 'Check the AWS OIDC role', result: 'FAILED', log }],
  });
  const pipeline = execFileSync(
    'git',
    ['--git-dir', join(gitRoot, 'phub/phub-oidc-check.git'), 'show', 'main:bitbucket-pipelines.yml'],
    { encoding: 'utf8' },
  );
  if (!/oidc: true/.test(pipeline)) return fail('No OIDC token: this step needs oidc: true');
  const roleArn = repository.variables.find((v) => v.key === 'AWS_OIDC_ROLE_ARN')?.value;
  if (!roleArn) return fail('Set the variable AWS_OIDC_ROLE_ARN (see README.md)');
  const role = iam.state.roles.get(roleArn.replace(/^.*:role\//, ''));
  const provider = iam.state.providers.get(`arn:aws:iam::${ACCOUNT}:oidc-provider/${hostPath}`);
  const aud = `ari:cloud:bitbucket::workspace/${EXAMPLE.workspaceUuid}`;
  const denied =
    'An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity';
  if (!provider)
    return fail(
      `An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: No OpenIDConnect provider found in your account for https://${hostPath}`,
    );
  if (!provider.clientIds.includes(aud))
    return fail(
      'An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Incorrect token audience',
    );
  if (!role) return fail(denied);
  const trust = typeof role.trustPolicy === 'string' ? JSON.parse(role.trustPolicy) : role.trustPolicy;
  const outcome = assumeRoleWithWebIdentity(
    trustPolicy(trust),
    { arn: role.arn, account: ACCOUNT },
    { providerArn: provider.arn, issuerHostPath: hostPath, aud, sub: `${repository.uuid}:${stepUuid}` },
  );
  if (outcome.decision !== 'Allowed') return fail(denied);
  return {
    steps: [
      {
        name: 'Check the AWS OIDC role',
        result: 'SUCCESSFUL',
        log: `Signed in as arn:aws:sts::${ACCOUNT}:assumed-role/${role.name}/bitbucket-pipelines-1\n${role.arn}\n`,
      },
    ],
  };
}

test.before(async () => {
  mkdirSync(join(gitRoot, 'phub'), { recursive: true });
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', join(gitRoot, 'phub/phub-oidc-check.git')]);
  gitHttp = await startGitHttp(gitRoot, { username: 'x-bitbucket-api-token-auth', password: TOKEN });
  api = await startBitbucketApi({
    credential: { email: EMAIL, token: TOKEN },
    cloneUrl: (w, s) => `${gitHttp.url}/${w}/${s}.git`,
  });
  api.addWorkspace('phub', `{${EXAMPLE.workspaceUuid}}`);
  iam = await startIamEndpoint({ account: ACCOUNT });
});
test.after(async () => {
  await Promise.all([api.close(), gitHttp.close(), iam.close()]);
  tmp.cleanup();
});

test('new --bitbucket --apply --run: from nothing to a printed green handshake', async () => {
  api.nextPipeline(handshake);
  const r = await cli([
    'new',
    'phub-oidc-check',
    '--workspace',
    'phub',
    '--account',
    ACCOUNT,
    '--region',
    'eu-west-1',
    '--bitbucket',
    '--apply',
    '--run',
    '--yes',
  ]);
  assert.is(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const repo = api.repositories.get('phub/phub-oidc-check')!;
  assert.ok(repo, 'repository created');
  assert.is(api.pipelines.length, 1, 'one pipeline run');
  assert.is(api.pipelines[0]!.outcome.steps[0]!.result, 'SUCCESSFUL', api.pipelines[0]!.outcome.steps[0]!.log);
  assert.match(r.stdout, 'create private repository phub/phub-oidc-check');
  assert.match(r.stdout, `arn:aws:iam::${ACCOUNT}:role/bitbucket-phub-oidc-check`);
  assert.match(
    r.stdout,
    `✔ Check the AWS OIDC role: SUCCESSFUL\n  Signed in as arn:aws:sts::${ACCOUNT}:assumed-role/bitbucket-phub-oidc-check/`,
  );
  assert.ok(r.stdout.trimEnd().endsWith('pipeline #1 succeeded: the step assumed the role over OIDC'), r.stdout);
  assert.not.ok(`${r.stdout}${r.stderr}`.includes(TOKEN), 'the token is not printed');
});

test('doctor with the token checks Bitbucket too: all pass, then a changed variable (printed harmless) and a recreated repository are found with their fixes', async () => {
  const writesBefore = api.writes().length;
  const ok = await cli(['doctor', dir]);
  assert.is(ok.status, 0, `${ok.stdout}\n${ok.stderr}`);
  for (const id of [
    'bitbucket.issuer',
    'bitbucket.repository',
    'bitbucket.repository-uuid',
    'bitbucket.pipelines',
    'bitbucket.variable:AWS_OIDC_ROLE_ARN',
    'bitbucket.variable:AWS_DEFAULT_REGION',
  ]) {
    assert.match(ok.stdout, `✓ ${id}`);
  }
  const repo = api.repositories.get('phub/phub-oidc-check')!;
  repo.variables.find((v) => v.key === 'AWS_DEFAULT_REGION')!.value = 'eu\u001b]0;owned\u0007\u202e';
  const escaped = await cli(['doctor', dir]);
  assert.is(escaped.status, 1, escaped.stderr);
  assert.match(escaped.stdout, 'AWS_DEFAULT_REGION = eu\\u{1b}]0;owned\\u{7}\\u{202e}, expected');
  assert.not.ok(/[\u001b\u0007\u202e]/.test(escaped.stdout), "Bitbucket's value is printed harmless");
  repo.variables.find((v) => v.key === 'AWS_DEFAULT_REGION')!.value = 'eu-west-1';
  repo.variables.find((v) => v.key === 'AWS_OIDC_ROLE_ARN')!.value = 'arn:aws:iam::123456789012:role/other';
  repo.uuid = '{99999999-8888-4777-8666-555555555555}';
  const bad = await cli(['doctor', dir, '--json']);
  assert.is(bad.status, 1, bad.stderr);
  const report = JSON.parse(bad.stdout) as { checks: Array<{ id: string; ok: boolean; fix: string | null }> };
  const failed = report.checks.filter((c) => !c.ok);
  assert.equal(
    failed.map((c) => c.id),
    ['bitbucket.repository-uuid', 'bitbucket.variable:AWS_OIDC_ROLE_ARN'],
  );
  assert.match(failed[0]!.fix!, 'pipelines-oidc update --repo-uuid {99999999-8888-4777-8666-555555555555}');
  assert.match(failed[1]!.fix!, '--bitbucket');
  assert.is(api.writes().length, writesBefore, 'doctor wrote nothing');
});

test('doctor with the token and no AWS credentials still checks Bitbucket, and says the account was not read', async () => {
  const noAws = { ...env(), AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined };
  const r = await runCliAsync(['doctor', dir, '--json'], { cwd: tmp.path, env: noAws });
  assert.is(r.status, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { checks: Array<{ id: string; ok: boolean; detail: string }> };
  const account = report.checks.find((c) => c.id === 'credentials.account')!;
  assert.is(account.ok, false);
  assert.match(account.detail, 'the account was not read');
  assert.ok(report.checks.some((c) => c.id === 'bitbucket.repository' && c.ok));
  assert.not.ok(report.checks.some((c) => c.id.startsWith('role.')));
  // without a Bitbucket side, an account that cannot be read is the whole answer: one line, exit 1
  const alone = await runCliAsync(['doctor', dir], {
    cwd: tmp.path,
    env: { ...noAws, BITBUCKET_EMAIL: undefined, BITBUCKET_API_TOKEN: undefined },
  });
  assert.is(alone.status, 1, alone.stdout);
  assert.is(alone.stderr.trim().split('\n').length, 1, alone.stderr);
});

test.run();
