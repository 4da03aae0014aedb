/**
 * `new` with Bitbucket credentials, end to end: the built CLI against a local Bitbucket API
 * (test/support/bitbucket-api.ts) and real git pushing over HTTP to `git http-backend` behind Basic auth.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertOneLineError, readTree, runCliAsync } from '../support/cli-helpers.ts';
import { EXAMPLE, tempDir } from '../support/fixtures.ts';
import { apiTokenEnv, type BitbucketApi, onlyWorkspace, startBitbucketApi } from '../support/bitbucket-api.ts';
import { isolatedGitEnv } from '../support/git-env.ts';
import { startGitHttp, type GitHttp } from '../support/git-http.ts';

const TOKEN = 'ATATT3xFfGF0-test-api-token-7f3c9e';
const EMAIL = 'dev@example.com';
const WS_UUID = EXAMPLE.workspaceUuid;
const EXISTING_REPO = '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d';
const tmp = tempDir('pipelines-oidc-bitbucket-');
const gitRoot = join(tmp.path, 'remotes');
let api: BitbucketApi;
let gitHttp: GitHttp;
let n = 0;
let cwd = '';

const gitEnv = () => isolatedGitEnv(join(tmp.path, 'home'), true);
const env = (extra: Record<string, string | undefined> = {}) => ({
  ...gitEnv(),
  ...apiTokenEnv(api, EMAIL, TOKEN),
  ...extra,
});
const cli = (args: string[], extra: Record<string, string | undefined> = {}) =>
  runCliAsync(args, { cwd, env: env(extra) });
/** The answers a Bitbucket run needs besides what Bitbucket knows. */
const ANSWERS = ['--workspace', 'phub', '--account', '123456789012', '--region', 'eu-west-1'];
const base = (name = 'phub-oidc-check') => ['new', name, ...ANSWERS];
const WORKSHOP = ['workshop', '--roster', 'roster.csv', ...ANSWERS];
const writes = () => api.writes().map((c) => `${c.method} ${c.path.replace(/%7B[^%]*%7D/g, '{env}')}`);
const repoOf = (slug = 'phub-oidc-check') => api.repositories.get(`phub/${slug}`)!;

/** Files under `dir` (the working tree and .git included) that hold the token. */
const grepSafe = (dir: string) => {
  try {
    return execFileSync('grep', ['-rl', '--', TOKEN, dir], { encoding: 'utf8' });
  } catch {
    // grep exits 1 when nothing matches (and 2 when the folder does not exist)
    return '';
  }
};

/** No output and no file holds the token. */
function assertNoToken(outputs: string[], dir: string): void {
  for (const o of outputs) assert.not.ok(o.includes(TOKEN), 'the token is in the output');
  assert.is(grepSafe(dir), '', 'no file holds the token');
}

test.before(async () => {
  gitHttp = await startGitHttp(gitRoot, { username: 'x-bitbucket-api-token-auth', password: TOKEN });
  api = await startBitbucketApi({
    credential: { email: EMAIL, token: TOKEN },
    maxPagelen: 2,
    cloneUrl: (w, s) => `${gitHttp.url}/${w}/${s}.git`,
  });
});
test.after(async () => {
  await api.close();
  await gitHttp.close();
  tmp.cleanup();
});
test.before.each(() => {
  onlyWorkspace(api, 'phub', WS_UUID);
  cwd = join(tmp.path, `case-${++n}`);
  mkdirSync(cwd, { recursive: true });
  rmSync(gitRoot, { recursive: true, force: true });
  mkdirSync(join(gitRoot, 'phub'), { recursive: true });
  for (const slug of ['phub-oidc-check', 'other'])
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', join(gitRoot, 'phub', `${slug}.git`)]);
});

test('from nothing: repository, Pipelines, environments and variables made, the trust scoped from the first commit, pushed with the token', async () => {
  const r = await cli([
    ...base(),
    '--environment',
    'staging',
    '--environment',
    'production',
    '--project',
    'OIDC',
    '--bitbucket',
    '--yes',
  ]);
  assert.is(r.status, 0, r.stderr);
  const repo = repoOf();
  assert.ok(repo.isPrivate, 'private');
  assert.is(repo.project, 'OIDC');
  assert.ok(repo.pipelinesEnabled, 'Pipelines enabled');
  assert.equal(
    repo.environments.map((e) => [e.name, e.type]),
    [
      ['staging', 'Staging'],
      ['production', 'Production'],
    ],
  );
  assert.equal(
    repo.variables.map((v) => [v.key, v.value, v.secured]),
    [['AWS_DEFAULT_REGION', 'eu-west-1', false]],
  );
  for (const e of repo.environments) {
    assert.equal(
      e.variables.map((v) => [v.key, v.value]),
      [['AWS_OIDC_ROLE_ARN', `arn:aws:iam::123456789012:role/bitbucket-phub-oidc-check-${e.name}`]],
    );
  }
  const dir = join(cwd, 'phub-oidc-check');
  const files = readTree(dir);
  const bare = (u: string) => u.replace(/[{}]/g, '');
  for (const e of repo.environments) {
    assert.match(files.get(`iam/${e.name}/trust-policy.json`)!, `{${bare(repo.uuid)}}:{${bare(e.uuid)}}:*`);
  }
  const manifest = JSON.parse(files.get('.pipelines-oidc.json')!) as { answers: Record<string, string> };
  assert.is(manifest.answers['repoUuid'], bare(repo.uuid));
  assert.is(manifest.answers['workspaceUuid'], WS_UUID);
  // pushed over HTTP with the API token's git user, the token never stored
  const remoteHead = execFileSync(
    'git',
    ['--git-dir', join(gitRoot, 'phub/phub-oidc-check.git'), 'rev-parse', 'main'],
    { encoding: 'utf8' },
  ).trim();
  const localHead = execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], {
    encoding: 'utf8',
    env: { ...process.env, ...gitEnv() },
  }).trim();
  assert.is(remoteHead, localHead);
  assert.ok(gitHttp.users.includes('x-bitbucket-api-token-auth'));
  const config = execFileSync('git', ['-C', dir, 'config', '--list', '--show-origin'], {
    encoding: 'utf8',
    env: { ...process.env, ...gitEnv() },
  });
  assert.not.ok(config.includes(TOKEN), 'git config holds no token');
  assert.not.ok(/credential/.test(config), 'no credential helper configured');
  assertNoToken([r.stdout, r.stderr], dir);
  assert.is(grepSafe(join(tmp.path, 'home')), '', 'no file of the home folder holds the token');
  // every call authenticated as the API token (HTTP Basic, email + token)
  assert.ok(api.calls.every((c) => c.authorization === `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`));
  assert.match(r.stdout, 'create private repository phub/phub-oidc-check in project OIDC');
});

test('a second run makes no write call; --dry-run makes none and writes nothing', async () => {
  const first = await cli([...base(), '--environment', 'production', '--bitbucket', '--yes']);
  assert.is(first.status, 0, first.stderr);
  api.calls.length = 0;
  const again = await cli([...base(), '--environment', 'production', '--bitbucket', '--yes']);
  assert.is(again.status, 0, again.stderr);
  assert.equal(writes(), []);
  assert.match(again.stdout, 'Nothing to change in Bitbucket');
  assert.match(again.stdout, 'main was already pushed');

  // a variable changed in Bitbucket since is set back in place; changed answers go through update
  const production = repoOf().environments[0]!;
  production.variables[0]!.value = 'arn:aws:iam::123456789012:role/hand-edited';
  api.calls.length = 0;
  const fixed = await cli([...base(), '--environment', 'production', '--bitbucket', '--yes']);
  assert.is(fixed.status, 0, fixed.stderr);
  assert.equal(writes(), [
    'PUT /repositories/phub/phub-oidc-check/deployments_config/environments/{env}/variables/{env}',
  ]);
  assert.is(production.variables[0]!.value, 'arn:aws:iam::123456789012:role/bitbucket-phub-oidc-check-production');
  // the last --region wins
  const changed = await cli([
    ...base(),
    '--region',
    'us-east-1',
    '--environment',
    'production',
    '--bitbucket',
    '--yes',
  ]);
  assertOneLineError(changed, 1, ['written with other answers (region)', 'pipelines-oidc update'], { quiet: false });

  api.calls.length = 0;
  const dry = await cli([...base('other'), '--environment', 'production', '--bitbucket', '--dry-run']);
  assert.is(dry.status, 0, dry.stderr);
  assert.equal(api.writes(), [], 'no write call');
  assert.not.ok(existsSync(join(cwd, 'other')), 'nothing written');
  assert.match(dry.stdout, '+ create private repository phub/other');
  assert.match(dry.stdout, 'Dry run: nothing changed in Bitbucket');
  assertNoToken([dry.stdout, dry.stderr], join(cwd, 'other'));
});

test('a token alone: new takes the workspace and repository UUIDs from Bitbucket; a flag that disagrees is exit 2', async () => {
  api.addRepository('phub', 'phub-oidc-check', `{${EXISTING_REPO.toUpperCase()}}`);
  const r = await cli([...base(), '--no-git', '--yes']);
  assert.is(r.status, 0, r.stderr);
  const manifest = JSON.parse(readTree(join(cwd, 'phub-oidc-check')).get('.pipelines-oidc.json')!) as {
    answers: Record<string, string>;
  };
  assert.is(manifest.answers['workspaceUuid'], WS_UUID);
  assert.is(manifest.answers['repoUuid'], EXISTING_REPO);
  assert.equal(api.writes(), []);

  const other = '11111111-2222-4333-8444-555555555555';
  const bad = await cli([...base(), '--dir', 'x', '--repo-uuid', other, '--no-git', '--yes']);
  assertOneLineError(bad, 2, ['--repo-uuid', other, EXISTING_REPO], { quiet: false });
  assert.not.ok(existsSync(join(cwd, 'x')));
  const badWs = await cli([...base(), '--dir', 'y', '--workspace-uuid', other, '--no-git', '--yes']);
  assertOneLineError(badWs, 2, ['--workspace-uuid', WS_UUID], { quiet: false });
  const same = await cli([...base(), '--dir', 'z', '--repo-uuid', `{${EXISTING_REPO}}`, '--no-git', '--yes']);
  assert.is(same.status, 0, same.stderr);
});

test("another repository's manifest as --answers: with a token, the new repository's identity comes from Bitbucket, never from that manifest", async () => {
  // not the documentation's example UUID, which the generated files show as an example
  const FIRST_REPO = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';
  const envUuid = '66666666-7777-4888-9999-aaaaaaaaaaaa';
  const first = api.addRepository('phub', 'phub-oidc-check', `{${FIRST_REPO}}`, { pipelinesEnabled: true });
  first.environments.push({ uuid: `{${envUuid}}`, name: 'production', type: 'Production', variables: [] });
  const made = await cli([...base(), '--environment', 'production', '--no-git', '--yes']);
  assert.is(made.status, 0, made.stderr);
  const answers = ['--answers', 'phub-oidc-check/.pipelines-oidc.json'];
  const manifestOf = (dir: string) =>
    (JSON.parse(readTree(join(cwd, dir)).get('.pipelines-oidc.json')!) as { answers: Record<string, string> }).answers;
  assert.is(manifestOf('phub-oidc-check')['repoUuid'], FIRST_REPO);

  // a token alone, the new repository not yet in Bitbucket: no UUID at all rather than the other repository's
  const looked = await cli(['new', 'app3', ...answers, '--no-git', '--yes']);
  assert.is(looked.status, 0, looked.stderr);
  assert.match(looked.stdout, 'not reused for app3');
  const app3 = readTree(join(cwd, 'app3'));
  const naming = (uuid: string) => [...app3].filter(([, text]) => text.includes(uuid)).map(([path]) => path);
  assert.equal(naming(FIRST_REPO), [], 'nothing names the other repository');
  assert.equal(naming(envUuid), [], 'nothing names its environment');
  assert.is(manifestOf('app3')['repoUuid'], '');

  // --bitbucket: the trust names the repository and environment Bitbucket made for app3
  const setUp = await cli(['new', 'app4', ...answers, '--dir', 'app4', '--no-git', '--bitbucket', '--yes']);
  assert.is(setUp.status, 0, setUp.stderr);
  const app4 = repoOf('app4');
  const bare = (u: string) => u.replace(/[{}]/g, '');
  assert.is(manifestOf('app4')['repoUuid'], bare(app4.uuid));
  const trust = readTree(join(cwd, 'app4')).get('iam/production/trust-policy.json')!;
  assert.match(trust, `{${bare(app4.uuid)}}:{${bare(app4.environments[0]!.uuid)}}:*`);
  assert.not.ok(trust.includes(FIRST_REPO) || trust.includes(envUuid), "the trust names only app4's repository");
});

test('update with a token fills the repository and environment UUIDs the manifest lacks, once they exist', async () => {
  const first = await cli([...base(), '--environment', 'production', '--no-git', '--yes']);
  assert.is(first.status, 0, first.stderr);
  const dir = join(cwd, 'phub-oidc-check');
  assert.match(readTree(dir).get('iam/production/trust-policy.json')!, 'REPOSITORY-UUID-NOT-SET');
  // --bitbucket does not take over a folder written without the UUIDs: update closes its trust first
  const takeOver = await cli([...base(), '--environment', 'production', '--bitbucket', '--yes']);
  assertOneLineError(takeOver, 1, ['other repository or environment UUIDs', 'pipelines-oidc update'], { quiet: false });
  assert.equal(api.writes(), []);
  const repo = api.addRepository('phub', 'phub-oidc-check', `{${EXISTING_REPO}}`, { pipelinesEnabled: true });
  const envUuid = '66666666-7777-4888-9999-aaaaaaaaaaaa';
  repo.environments.push({ uuid: `{${envUuid}}`, name: 'production', type: 'Production', variables: [] });
  const bad = await cli(['update', '--dir', dir, '--repo-uuid', '11111111-2222-4333-8444-555555555555', '--yes']);
  assertOneLineError(bad, 2, ['--repo-uuid', EXISTING_REPO]);
  const r = await cli(['update', '--dir', dir, '--yes']);
  assert.is(r.status, 0, r.stderr);
  assert.match(readTree(dir).get('iam/production/trust-policy.json')!, `{${EXISTING_REPO}}:{${envUuid}}:*`);
  const manifest = JSON.parse(readTree(dir).get('.pipelines-oidc.json')!) as { answers: Record<string, string> };
  assert.is(manifest.answers['repoUuid'], EXISTING_REPO);
  assert.is(manifest.answers['environments'], `production=${envUuid}`);
  assert.equal(api.writes(), []);
});

test('workshop with a token: the workspace UUID and each existing repository UUID come from Bitbucket (over pages)', async () => {
  const uuids = [
    'a1111111-1111-4111-8111-111111111111',
    'b2222222-2222-4222-8222-222222222222',
    'c3333333-3333-4333-8333-333333333333',
  ];
  ['ana', 'ben', 'cleo'].forEach((slug, i) => api.addRepository('phub', slug, `{${uuids[i]}}`));
  writeFileSync(join(cwd, 'roster.csv'), 'attendee,repo_uuid\nAna,\nCleo,\nDan,\n');
  const args = [...WORKSHOP, '--yes'];
  const r = await cli([...args, '--out', 'w']);
  assert.is(r.status, 0, r.stderr);
  const trust = (repo: string) => readTree(join(cwd, 'w', repo)).get('iam/trust-policy.json')!;
  assert.match(trust('ana'), `{${uuids[0]}}:*`);
  assert.match(trust('cleo'), `{${uuids[2]}}:*`);
  assert.match(trust('dan'), 'REPOSITORY-UUID-NOT-SET');
  assert.match(trust('ana'), `workspace/${WS_UUID}`);
  writeFileSync(join(cwd, 'roster.csv'), `attendee,repo_uuid\nAna,${uuids[1]}\n`);
  assertOneLineError(await cli([...args, '--out', 'v']), 2, ['line 2', uuids[1]!, uuids[0]!]);
  assert.equal(api.writes(), []);
});

test("workshop --bitbucket: every attendee's repository set up, its trust scoped from the first commit, pushed with the token; again: no write", async () => {
  const slugs = ['ana', 'ben', 'cleo'];
  for (const slug of slugs)
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', join(gitRoot, 'phub', `${slug}.git`)]);
  const benUuid = 'b2222222-2222-4222-8222-222222222222';
  api.addRepository('phub', 'ben', `{${benUuid}}`);
  writeFileSync(join(cwd, 'roster.csv'), 'attendee\nAna\nBen\nCleo\n');
  const args = [...WORKSHOP, '--out', 'w', '--environment', 'test', '--environment', 'production', '--bitbucket'];
  assertOneLineError(await cli([...args.filter((a) => a !== '--bitbucket'), '--project', 'WS']), 2, ['--project']);
  assertOneLineError(await cli([...args, '--push-template', '/tmp/{repo}.git']), 2, ['--push-template']);
  assertOneLineError(await cli([...args, '--json']), 2, ['--json']);
  // a roster UUID that is not Bitbucket's: refused before any change
  writeFileSync(join(cwd, 'roster.csv'), `attendee,repo_uuid\nBen,${'c'.repeat(8)}-2222-4222-8222-222222222222\n`);
  assertOneLineError(await cli([...args, '--yes']), 2, ['line 2', benUuid]);
  writeFileSync(join(cwd, 'roster.csv'), 'attendee\nAna\nBen\nCleo\n');
  const refused = await cli(args);
  assertOneLineError(refused, 2, ['--yes', '--dry-run'], { quiet: false });
  assert.equal(api.writes(), [], 'nothing changed without a confirmation');
  assert.not.ok(existsSync(join(cwd, 'w')), 'nothing written');

  const r = await cli([...args, '--project', 'WS', '--yes']);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, 'create private repository phub/ana in project WS');
  assert.match(r.stdout, "Each attendee's repository is ready in Bitbucket");
  assert.not.match(r.stdout, 'create private repository phub/ben');
  assert.is(repoOf('ben').uuid, `{${benUuid}}`, 'an existing repository is used as it is');
  for (const slug of slugs) {
    const repo = repoOf(slug);
    assert.ok(repo.isPrivate && repo.pipelinesEnabled, slug);
    assert.equal(
      repo.environments.map((e) => [e.name, e.type]),
      [
        ['test', 'Test'],
        ['production', 'Production'],
      ],
    );
    assert.equal(
      repo.variables.map((v) => [v.key, v.value]),
      [['AWS_DEFAULT_REGION', 'eu-west-1']],
    );
    const files = readTree(join(cwd, 'w', slug));
    for (const e of repo.environments) {
      assert.equal(
        e.variables.map((v) => [v.key, v.value]),
        [['AWS_OIDC_ROLE_ARN', `arn:aws:iam::123456789012:role/bitbucket-workshop-${slug}-${e.name}`]],
      );
      const sub = `{${repo.uuid.replace(/[{}]/g, '')}}:{${e.uuid.replace(/[{}]/g, '')}}:*`;
      assert.match(files.get(`iam/${e.name}/trust-policy.json`)!, sub, `${slug} ${e.name}`);
    }
    const head = (args: string[]) =>
      execFileSync('git', args, { encoding: 'utf8', env: { ...process.env, ...gitEnv() } }).trim();
    assert.is(
      head(['--git-dir', join(gitRoot, 'phub', `${slug}.git`), 'rev-parse', 'main']),
      head(['-C', join(cwd, 'w', slug), 'rev-parse', 'HEAD']),
      `${slug} pushed`,
    );
  }
  assert.ok(gitHttp.users.includes('x-bitbucket-api-token-auth'));
  assertNoToken([r.stdout, r.stderr], join(cwd, 'w'));

  api.calls.length = 0;
  const again = await cli([...args, '--yes']);
  assert.is(again.status, 0, again.stderr);
  assert.equal(writes(), [], 'a second run makes no write call');
  assert.is(again.stdout.match(/nothing to change/g)?.length, 3, again.stdout);

  writeFileSync(join(cwd, 'roster.csv'), 'attendee\nDan\n');
  const dry = await cli([...args, '--out', 'v', '--dry-run']);
  assert.is(dry.status, 0, dry.stderr);
  assert.equal(api.writes(), [], 'a dry run makes no write call');
  assert.match(dry.stdout, '+ create private repository phub/dan');
  assert.not.ok(existsSync(join(cwd, 'v')), 'a dry run writes nothing');
});

test('an existing repository: its variables are updated in place (read over several pages), a secured one left alone', async () => {
  const repo = api.addRepository('phub', 'phub-oidc-check', `{${EXISTING_REPO}}`, { pipelinesEnabled: true });
  for (const key of ['A', 'B', 'C', 'D'])
    repo.variables.push({ uuid: `{${key}0000000-0000-4000-8000-000000000000}`, key, value: key, secured: false });
  repo.variables.push({
    uuid: '{e0000000-0000-4000-8000-000000000000}',
    key: 'AWS_DEFAULT_REGION',
    value: 'us-east-1',
    secured: false,
  });
  repo.variables.push({
    uuid: '{f0000000-0000-4000-8000-000000000000}',
    key: 'AWS_OIDC_ROLE_ARN',
    value: 'hidden',
    secured: true,
  });
  const r = await cli([...base(), '--bitbucket', '--yes']);
  assert.is(r.status, 0, r.stderr);
  assert.equal(writes(), ['PUT /repositories/phub/phub-oidc-check/pipelines_config/variables/{env}']);
  assert.match(r.stdout, '~ set repository variable AWS_DEFAULT_REGION = eu-west-1 (was us-east-1)');
  assert.match(r.stdout, 'AWS_OIDC_ROLE_ARN (repository variable) is a secured variable');
  assert.equal(
    repo.variables.map((v) => v.key),
    ['A', 'B', 'C', 'D', 'AWS_DEFAULT_REGION', 'AWS_OIDC_ROLE_ARN'],
    'nothing deleted',
  );
  assert.is(repo.variables.find((v) => v.key === 'AWS_DEFAULT_REGION')!.value, 'eu-west-1');
  assert.ok(
    api.calls.filter((c) => c.path.endsWith('/pipelines_config/variables')).length >= 3,
    'followed next over 3 pages',
  );
});

test('401 and 403 are one line naming what is wrong (the missing scope from detail.required)', async () => {
  const wrong = await cli([...base(), '--bitbucket', '--yes'], { BITBUCKET_API_TOKEN: 'not-the-token' });
  assertOneLineError(wrong, 1, ['401', `API token of ${EMAIL}`], { quiet: false });
  assert.not.ok(wrong.stderr.includes('not-the-token'));

  api.grant([
    'read:workspace:bitbucket',
    'read:repository:bitbucket',
    'admin:repository:bitbucket',
    'read:pipeline:bitbucket',
  ]);
  const scoped = await cli([...base(), '--bitbucket', '--yes']);
  const line = assertOneLineError(
    scoped,
    1,
    ['403', 'admin:pipeline:bitbucket', '1 of 4 Bitbucket changes made', 'run the same command again'],
    { quiet: false },
  );
  assert.not.ok(line.includes(TOKEN));
  assert.not.ok(existsSync(join(cwd, 'phub-oidc-check')), 'nothing written locally');
});

test('429 with Retry-After is waited out and retried', async () => {
  api.throttle('GET', /^\/workspaces\/phub$/, 1, 1);
  const r = await cli([...base(), '--bitbucket', '--yes', '--no-git']);
  assert.is(r.status, 0, r.stderr);
  const gets = api.calls.filter((c) => c.path === '/workspaces/phub').map((c) => c.status);
  assert.equal(gets, [429, 200]);
});

test('a failure midway stops with what was done; the same command again finishes without repeating it', async () => {
  const args = [...base(), '--environment', 'staging', '--environment', 'production', '--bitbucket', '--yes'];
  api.failNext('POST', /\/deployments_config\//, 500, 'Something went wrong');
  const failed = await cli(args);
  assertOneLineError(failed, 1, ['500', 'Something went wrong', '5 of 7 Bitbucket changes made'], { quiet: false });
  assert.not.ok(existsSync(join(cwd, 'phub-oidc-check')), 'nothing written locally before Bitbucket is set up');
  const uuid = repoOf().uuid;
  api.calls.length = 0;
  const rerun = await cli(args);
  assert.is(rerun.status, 0, rerun.stderr);
  assert.equal(writes(), [
    'POST /repositories/phub/phub-oidc-check/deployments_config/environments/{env}/variables',
    'POST /repositories/phub/phub-oidc-check/deployments_config/environments/{env}/variables',
  ]);
  assert.is(repoOf().uuid, uuid, 'the repository was not made twice');
  assert.match(
    readTree(join(cwd, 'phub-oidc-check')).get('iam/production/trust-policy.json')!,
    uuid.replace(/[{}]/g, ''),
  );
});

test('a push that gets no answer gives up after --push-timeout, keeping the local repository', async () => {
  const silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const remote = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/x.git`;
    const r = await cli([...base(), '--bitbucket', '--yes', '--push', remote, '--push-timeout', '2']);
    assertOneLineError(r, 1, ['no answer within 2 s', 'local repository and its commit are kept', 'run the same'], {
      quiet: false,
    });
    const count = execFileSync('git', ['-C', join(cwd, 'phub-oidc-check'), 'rev-list', '--count', 'HEAD'], {
      encoding: 'utf8',
      env: { ...process.env, ...gitEnv() },
    });
    assert.is(count.trim(), '1');
    assertNoToken([r.stdout, r.stderr], join(cwd, 'phub-oidc-check'));
  } finally {
    silent.closeAllConnections();
    silent.close();
  }
});

test('changes to confirm without a terminal and without --yes: exit 2, nothing changed', async () => {
  const r = await cli([...base(), '--bitbucket']);
  assertOneLineError(r, 2, ['--yes', '--dry-run'], { quiet: false });
  assert.equal(api.writes(), []);
});

test('credentials: an access token from --bitbucket-token @file is sent as Bearer; a literal token or none is exit 2', async () => {
  const bearer = await startBitbucketApi({ credential: { accessToken: TOKEN } });
  try {
    bearer.addWorkspace('phub', `{${WS_UUID}}`);
    writeFileSync(join(cwd, 'token'), `${TOKEN}\n`);
    const r = await runCliAsync([...base(), '--no-git', '--yes', '--bitbucket-token', '@token'], {
      cwd,
      env: env({ BITBUCKET_API_URL: bearer.url, BITBUCKET_EMAIL: undefined, BITBUCKET_API_TOKEN: undefined }),
    });
    assert.is(r.status, 0, r.stderr);
    assert.ok(bearer.calls.length > 0 && bearer.calls.every((c) => c.authorization === `Bearer ${TOKEN}`));
  } finally {
    await bearer.close();
  }
  const literal = await cli([...base(), '--bitbucket-token', TOKEN, '--bitbucket', '--yes']);
  assertOneLineError(literal, 2, ['--bitbucket-token', '@']);
  assert.not.ok(literal.stderr.includes(TOKEN));
  const none = await cli([...base(), '--bitbucket', '--yes'], {
    BITBUCKET_EMAIL: undefined,
    BITBUCKET_API_TOKEN: undefined,
  });
  assertOneLineError(none, 2, ['--bitbucket', 'BITBUCKET_API_TOKEN', 'BITBUCKET_ACCESS_TOKEN']);
});

test.run();
