/**
 * Servers that never answer or answer wrong: `git push` to a remote that accepts and stays silent, and
 * an IAM endpoint that hangs, sends another document, leaves fields out or never stops sending. The
 * built CLI, real git, the real AWS SDK over HTTP on 127.0.0.1.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertOneLineError, runCliAsync, runNew } from '../support/cli-helpers.ts';
import { EXAMPLE_ANSWERS_FILE, exampleFlags, git, tempDir } from '../support/fixtures.ts';
import { isolatedGitEnv } from '../support/git-env.ts';
import { awsEnv, startIamEndpoint, type IamEndpoint } from '../support/iam-endpoint.ts';

const tmp = tempDir('pipelines-oidc-network-');
const repo = join(tmp.path, 'repo');
let iam: IamEndpoint;
let silent: { server: Server; sockets: Set<Socket>; url: string };

/** A TCP server that accepts every connection and never sends a byte. */
async function silentServer() {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, sockets, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function awsCli(args: string[]) {
  const cleared = Object.fromEntries(
    Object.keys(process.env)
      .filter((k) => k.startsWith('AWS_'))
      .map((k) => [k, undefined]),
  );
  return runCliAsync(args, { cwd: tmp.path, env: { ...cleared, ...awsEnv(iam) } });
}

test.before(async () => {
  iam = await startIamEndpoint();
  silent = await silentServer();
  const r = runNew(['--answers', EXAMPLE_ANSWERS_FILE, '--dir', repo, '--yes', '--no-git'], tmp.path);
  assert.is(r.status, 0, r.stderr);
});
test.after(async () => {
  await iam.close();
  for (const s of silent.sockets) s.destroy();
  await new Promise((resolve) => silent.server.close(resolve));
  tmp.cleanup();
});
test.before.each(() => iam.reset());

test('new --push to a remote that never answers gives up after --push-timeout, keeping the local repository', async () => {
  const env = { ...isolatedGitEnv(join(tmp.path, 'home'), true), AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined };
  const r = await runCliAsync(
    ['new', ...exampleFlags(), '--dir', 'pushed', '--push', `${silent.url}/x.git`, '--push-timeout', '2'],
    { cwd: tmp.path, env },
  );
  assertOneLineError(r, 1, ['no answer within 2 s', '--push-timeout', 'local repository and its commit are kept'], {
    quiet: false,
  });
  assert.is(git(join(tmp.path, 'pushed'), ['rev-list', '--count', 'HEAD']), '1');
});

test('workshop pushes to remotes that never answer each fail after --push-timeout; the folders stay', async () => {
  const env = { ...isolatedGitEnv(join(tmp.path, 'home'), true), AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined };
  writeFileSync(join(tmp.path, 'roster.csv'), 'attendee\nana\nbo\n');
  const r = await runCliAsync(
    [
      'workshop',
      '--roster',
      'roster.csv',
      '--out',
      'ws',
      '--answers',
      EXAMPLE_ANSWERS_FILE,
      '--push-template',
      `${silent.url}/{repo}.git`,
      '--push-timeout',
      '2',
      '--json',
    ],
    { cwd: tmp.path, env },
  );
  assert.is(r.status, 1, r.stderr);
  const result = JSON.parse(r.stdout) as { push: Array<{ status: string; reason: string }> };
  assert.is(result.push.length, 2);
  for (const p of result.push) {
    assert.is(p.status, 'failed');
    assert.match(p.reason, 'no answer within 2 s');
  }
  assert.ok(existsSync(join(tmp.path, 'ws')));
});

test('--push-timeout and --timeout take whole seconds from 1 to 3600 (exit 2 otherwise)', async () => {
  assertOneLineError(runNew([...exampleFlags(), '--dir', 'x', '--push-timeout', '0'], tmp.path), 2, [
    '--push-timeout',
    'from 1 to 3600',
  ]);
  assertOneLineError(await awsCli(['doctor', repo, '--timeout', 'soon']), 2, ['--timeout', 'whole number']);
  assert.is(iam.calls.length, 0);
});

for (const command of ['doctor', 'apply'] as const) {
  test(`${command} against an endpoint that never answers gives up after --timeout with one line`, async () => {
    iam.misbehave('*', 'hang');
    const r = await awsCli([command, repo, '--timeout', '1', ...(command === 'apply' ? ['--yes'] : [])]);
    assertOneLineError(r, 1, ['no answer from AWS', '--timeout'], { quiet: false });
  });
}

test('an HTTP 200 that is not the answer to the call: doctor does not call the provider registered', async () => {
  iam.misbehave('GetOpenIDConnectProvider', 'wrong-xml');
  const r = await awsCli(['doctor', repo]);
  assertOneLineError(r, 1, ['iam:GetOpenIDConnectProvider', 'not one AWS gives', 'GetOpenIDConnectProviderResponse']);
});

test('an answer without the fields AWS always sends is an error, not an empty success', async () => {
  iam.misbehave('GetCallerIdentity', 'no-result');
  assertOneLineError(await awsCli(['doctor', repo]), 1, ['sts:GetCallerIdentity', 'no Account']);
  iam.reset();
  iam.misbehave('CreateRole', 'no-result');
  const r = await awsCli(['apply', repo, '--yes']);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, 'iam:CreateRole: the answer has no Role.Arn');
  assert.not.match(r.stdout, /✔.*role/i);
});

test('apply does not print ✔ for writes answered with another document', async () => {
  iam.misbehave('CreateOpenIDConnectProvider', 'wrong-xml');
  const r = await awsCli(['apply', repo, '--yes']);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, 'not one AWS gives');
  assert.match(r.stderr, '0 of 3 changes made');
});

test('an endless answer is given up at the size limit, not read into memory', async () => {
  iam.misbehave('GetRole', 'huge');
  const r = await awsCli(['doctor', repo]);
  assertOneLineError(r, 1, ['iam:GetRole', 'larger than 8 MB']);
  assert.ok(iam.hugeBytesSent() < 64 * 1024 * 1024, `sent ${iam.hugeBytesSent()} bytes`);
});

test.run();
