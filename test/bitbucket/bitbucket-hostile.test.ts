/**
 * A Bitbucket API that lies: clone links and redirects to other hosts, answers about another repository,
 * bodies that are not JSON, escape codes in what it says. The built CLI against the local fake API
 * (test/support/bitbucket-api.ts), real git, and a recorder on another loopback address (127.0.0.2) that
 * shows whether the token or a request ever reached it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertOneLineError, runCliAsync } from '../support/cli-helpers.ts';
import { EXAMPLE, tempDir } from '../support/fixtures.ts';
import { apiTokenEnv, type BitbucketApi, onlyWorkspace, startBitbucketApi } from '../support/bitbucket-api.ts';
import { isolatedGitEnv } from '../support/git-env.ts';
import { startGitHttp, type GitHttp } from '../support/git-http.ts';
import { startRecorder, type Recorder } from '../support/recorder.ts';

const TOKEN = 'ATATT3xFfGF0-hostile-api-token-51e2';
const EMAIL = 'dev@example.com';
const OTHER_UUID = '{deadbeef-0000-4000-8000-000000000001}';
const tmp = tempDir('pipelines-oidc-bitbucket-hostile-');
const gitRoot = join(tmp.path, 'remotes');
let api: BitbucketApi;
let gitHttp: GitHttp;
let recorder: Recorder;
let cloneLink: (workspace: string, slug: string) => string;
let n = 0;
let cwd = '';

const cli = (args: string[], extra: Record<string, string | undefined> = {}) =>
  runCliAsync(args, {
    cwd,
    env: {
      ...isolatedGitEnv(join(tmp.path, 'home'), true),
      ...apiTokenEnv(api, EMAIL, TOKEN),
      ...extra,
    },
  });
const ANSWERS = ['--workspace', 'phub', '--account', '123456789012', '--region', 'eu-west-1'];
const NEW = ['new', 'phub-oidc-check', ...ANSWERS, '--bitbucket', '--yes'];
/** Raw terminal controls: ESC, BEL, C1 CSI and the bidirectional override. */
const RAW_CONTROL = /[\u001b\u0007\u009b\u202e]/;
/** What the repository answer of another host says: another UUID than any Bitbucket gave. */
const otherRepository = JSON.stringify({ type: 'repository', uuid: OTHER_UUID, slug: 'phub-oidc-check' });

test.before(async () => {
  gitHttp = await startGitHttp(gitRoot, { username: 'x-bitbucket-api-token-auth', password: TOKEN });
  recorder = await startRecorder((req, res) => {
    // git is asked for credentials, as Bitbucket asks: a git that has the token hands it over here
    if (req.url?.includes('/info/refs')) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="Bitbucket.org HTTP"' });
      return void res.end();
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(otherRepository);
  });
  api = await startBitbucketApi({
    credential: { email: EMAIL, token: TOKEN },
    cloneUrl: (w, s) => cloneLink(w, s),
  });
});
test.after(async () => {
  await api.close();
  await gitHttp.close();
  await recorder.close();
  tmp.cleanup();
});
test.before.each(() => {
  onlyWorkspace(api, 'phub', EXAMPLE.workspaceUuid);
  recorder.requests.length = 0;
  cloneLink = (w, s) => `${gitHttp.url}/${w}/${s}.git`;
  cwd = join(tmp.path, `case-${++n}`);
  mkdirSync(cwd, { recursive: true });
  rmSync(gitRoot, { recursive: true, force: true });
  mkdirSync(join(gitRoot, 'phub'), { recursive: true });
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', join(gitRoot, 'phub', 'phub-oidc-check.git')]);
});

test('new --bitbucket: a clone link to another host gets no push and no token (exit 1 before git runs)', async () => {
  cloneLink = (w, s) => `${recorder.url}/${w}/${s}.git`;
  const r = await cli(NEW);
  assertOneLineError(r, 1, ['clone link', recorder.url, 'nothing is pushed'], { quiet: false });
  assert.equal(recorder.requests, [], 'git never spoke to the other host');
  assert.not.ok(r.stdout.includes('Push main'), 'no push started');
  assert.not.ok(r.stdout.includes(TOKEN) || r.stderr.includes(TOKEN));
});

test('new --bitbucket: a file:// clone link is refused too; nothing is pushed into it', async () => {
  const target = join(tmp.path, `file-remote-${n}.git`);
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', target]);
  cloneLink = () => `file://${target}`;
  assertOneLineError(await cli(NEW), 1, ['clone link', 'file://'], { quiet: false });
  assert.is(execFileSync('git', ['--git-dir', target, 'for-each-ref'], { encoding: 'utf8' }), '', 'no ref pushed');
});

test("new --bitbucket --push to a remote of the user elsewhere: pushed with git's own credentials, never the token", async () => {
  const r = await cli([...NEW, '--push', `${recorder.url}/mine/x.git`]);
  assert.is(r.status, 1, r.stderr);
  assert.ok(recorder.requests.length > 0, 'git tried the remote');
  assert.equal(
    recorder.requests.filter((q) => q.authorization !== undefined),
    [],
    'no credentials offered to the other host',
  );
});

test('workshop --bitbucket: an attendee whose clone link leads elsewhere stops the run before any change or push', async () => {
  cloneLink = (w, s) => `${recorder.url}/${w}/${s}.git`;
  api.addRepository('phub', 'ana', '{a1111111-1111-4111-8111-111111111111}');
  writeFileSync(join(cwd, 'roster.csv'), 'attendee\nAna\n');
  const r = await cli(['workshop', '--roster', 'roster.csv', ...ANSWERS, '--out', 'w', '--bitbucket', '--yes']);
  assertOneLineError(r, 1, ['phub/ana', 'clone link', recorder.url]);
  assert.equal(api.writes(), []);
  assert.equal(recorder.requests, []);
});

test('BITBUCKET_API_URL with credentials in it: exit 2 naming the variable and the rule, the password not echoed', async () => {
  const r = await cli(NEW, { BITBUCKET_API_URL: `http://dev:pass-w0rd-xyz@${api.url.slice('http://'.length)}` });
  const line = assertOneLineError(r, 2, ['BITBUCKET_API_URL', 'must not hold credentials']);
  assert.not.ok(line.includes('pass-w0rd-xyz'));
  assert.equal(api.calls, []);
});

test('BITBUCKET_API_URL in plain HTTP to a host that is not loopback (0.0.0.0 reaches this machine): exit 2, no call', async () => {
  const r = await cli(NEW, { BITBUCKET_API_URL: api.url.replace('127.0.0.1', '0.0.0.0') });
  assertOneLineError(r, 2, ['BITBUCKET_API_URL', 'must be https://', 'in clear']);
  assert.equal(api.calls, [], 'the token never left in clear');
});

test('a write answered with a redirect to another host is an error: no ✔, nothing written, nothing trusted from there', async () => {
  api.misbehave('POST', /^\/repositories\/phub\/phub-oidc-check$/, (_req, res) => {
    res.writeHead(302, { location: `${recorder.url}/2.0/repositories/phub/phub-oidc-check` });
    res.end();
  });
  const r = await cli(NEW);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, 'POST /2.0/repositories/phub/phub-oidc-check: answered 302 (a redirect)');
  assert.match(r.stderr, '0 of ');
  assert.not.match(r.stdout, /✔ create/);
  assert.not.ok(existsSync(join(cwd, 'phub-oidc-check')), 'no repository written');
  assert.equal(recorder.requests, [], 'the redirect was not followed');
});

test('a read redirected to another host is not followed (no credentials, no answer taken from there)', async () => {
  api.misbehave('GET', /^\/repositories\/phub\/phub-oidc-check$/, (_req, res) => {
    res.writeHead(307, { location: `${recorder.url}/2.0/repositories/phub/phub-oidc-check` });
    res.end();
  });
  const r = await cli([...NEW, '--dry-run']);
  assertOneLineError(r, 1, ['GET /2.0/repositories/phub/phub-oidc-check', 'another host', recorder.url], {
    quiet: false,
  });
  assert.equal(recorder.requests, []);
});

test('an answer about another repository, or with a UUID that is not {uuid}, is an error, not a trust', async () => {
  const answer = (body: unknown) => (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const path = /^\/repositories\/phub\/phub-oidc-check$/;
  api.misbehave('GET', path, answer({ uuid: OTHER_UUID, slug: 'someone-else', full_name: 'evil/someone-else' }));
  assertOneLineError(await cli([...NEW, '--dry-run']), 1, ['not an answer Bitbucket gives', 'slug'], {
    quiet: false,
  });
  api.misbehave('GET', path, answer({ uuid: 'not-a-uuid', slug: 'phub-oidc-check' }));
  assertOneLineError(await cli([...NEW, '--dry-run']), 1, ['not a {UUID}'], { quiet: false });
  api.misbehave('POST', path, answer({ uuid: OTHER_UUID, slug: 'other' }));
  const r = await cli(NEW);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, 'not an answer Bitbucket gives');
  assert.not.ok(existsSync(join(cwd, 'phub-oidc-check')), 'no trust written');
});

test('an answer that is not JSON (a proxy page) is one line naming the request, exit 1', async () => {
  api.misbehave('GET', /^\/workspaces\/phub$/, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html>Sign in to the Wi-Fi</html>');
  });
  assertOneLineError(await cli([...NEW, '--dry-run']), 1, ['GET /2.0/workspaces/phub', 'not JSON'], {
    quiet: false,
  });
});

test('a clone link with terminal escapes: the push line shows them harmless', async () => {
  cloneLink = (w, s) => `${gitHttp.url}/${w}/${s}\u001b]0;owned\u0007\u202e.git`;
  const r = await cli(NEW);
  assert.match(r.stdout, 'Push main to');
  assert.not.ok(RAW_CONTROL.test(r.stdout), r.stdout);
  assert.not.ok(RAW_CONTROL.test(r.stderr), r.stderr);
});

test.run();
