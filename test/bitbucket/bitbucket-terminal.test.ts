/**
 * The Bitbucket commands in a real terminal (tmux): `new --bitbucket` and `workshop --bitbucket` ask
 * before changing Bitbucket and a "no" changes nothing; `run --follow` redraws one status line while it waits.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runNew } from '../support/cli-helpers.ts';
import { CLI, EXAMPLE, EXAMPLE_ANSWERS_FILE, tempDir } from '../support/fixtures.ts';
import { accessTokenEnv, type BitbucketApi, onlyWorkspace, startBitbucketApi } from '../support/bitbucket-api.ts';
import { isolatedGitEnv } from '../support/git-env.ts';
import { hasTmux, withTerminal } from '../support/pty.ts';
import { awsEnv, startIamEndpoint } from '../support/iam-endpoint.ts';

const TOKEN = 'terminal-test-access-token';
const tmp = tempDir('pipelines-oidc-bitbucket-tty-');
let api: BitbucketApi;
const env = () => ({
  ...isolatedGitEnv(join(tmp.path, 'home'), true),
  NO_COLOR: '1',
  AWS_REGION: undefined,
  ...accessTokenEnv(api, TOKEN),
});

test.before(async () => {
  api = await startBitbucketApi({ credential: { accessToken: TOKEN } });
  mkdirSync(tmp.path, { recursive: true });
});
test.after(async () => {
  await api.close();
  tmp.cleanup();
});
test.before.each(() => onlyWorkspace(api, 'phub', EXAMPLE.workspaceUuid));

test('new --bitbucket on a terminal asks first: no changes nothing, yes makes the plan', async () => {
  if (!hasTmux()) {
    console.log('  (skipped: tmux is not installed)');
    return;
  }
  const argv = [
    process.execPath,
    CLI,
    'new',
    'phub-oidc-check',
    '--workspace',
    'phub',
    '--account',
    '123456789012',
    '--region',
    'eu-west-1',
    '--bitbucket',
    '--no-git',
  ];
  const declined = await withTerminal(argv, { cwd: tmp.path, env: env() }, async (t) => {
    await t.waitFor(/Make 4 changes in Bitbucket, then write phub-oidc-check\?/);
    t.type('n');
    t.press('Enter');
    return t.exitCode();
  });
  assert.is(declined, 130);
  assert.equal(api.writes(), []);
  const accepted = await withTerminal(argv, { cwd: tmp.path, env: env() }, async (t) => {
    await t.waitFor(/Make 4 changes in Bitbucket/);
    t.press('Enter');
    await t.waitFor('Next steps');
    return t.exitCode();
  });
  assert.is(accepted, 0);
  assert.is(api.writes().length, 4);
});

test('new <name> with a token exported, in a terminal: the workspace is asked first, then Bitbucket is read', async () => {
  if (!hasTmux()) {
    console.log('  (skipped: tmux is not installed)');
    return;
  }
  const argv = [process.execPath, CLI, 'new', 'looky', '--no-git'];
  const code = await withTerminal(argv, { cwd: tmp.path, env: env() }, async (t) => {
    await t.waitFor(/Bitbucket workspace slug/);
    t.type('phub');
    t.press('Enter');
    // the workspace UUID came from Bitbucket: the next question is the account's
    const screen = await t.waitFor(/AWS account ID/);
    assert.match(screen, 'Read phub/looky in Bitbucket');
    assert.not.match(screen, /Workspace UUID/);
    t.press('C-c');
    return t.exitCode();
  });
  assert.is(code, 130);
  assert.equal(api.writes(), []);
  // without a terminal nothing can be asked: the answers missing are named as without a token
  const r = runNew(['looky', '--yes', '--no-git'], tmp.path, env());
  assert.is(r.status, 2);
  assert.match(r.stderr, 'missing required answers: --workspace');
  assert.not.match(r.stderr, 'look-ups');
});

test('new --bitbucket --apply on a terminal asks once, for Bitbucket and IAM alike, and then makes both', async () => {
  if (!hasTmux()) {
    console.log('  (skipped: tmux is not installed)');
    return;
  }
  const iam = await startIamEndpoint();
  try {
    const argv = [process.execPath, CLI, 'new', 'phub-oidc-check', '--workspace', 'phub', '--account', '123456789012'];
    const flags = ['--region', 'eu-west-1', '--bitbucket', '--apply', '--no-git', '--dir', 'asked-once'];
    const screen = await withTerminal(
      [...argv, ...flags],
      { cwd: tmp.path, env: { ...env(), ...awsEnv(iam) } },
      async (t) => {
        await t.waitFor(/Make 4 changes in Bitbucket/);
        t.press('Enter');
        // the end, or a second question (apply's own) where the one answer should have been enough
        const end = await t.waitFor(/Next steps|in account \d+\?/);
        if (end.includes('Next steps')) assert.is(await t.exitCode(), 0);
        return t.screen();
      },
    );
    const questions = screen.split('\n').filter((l) => /^[?✔] .*\?/.test(l));
    assert.is(questions.length, 1, `one question, got:\n${questions.join('\n')}`);
    assert.match(questions[0]!, 'Make 4 changes in Bitbucket, then write asked-once and apply the IAM side?');
    assert.is(api.writes().length, 4);
    assert.ok(iam.state.roles.has('bitbucket-phub-oidc-check'), 'the role was made');
  } finally {
    await iam.close();
  }
});

test('workshop --bitbucket on a terminal asks once for every attendee: no changes nothing and writes nothing', async () => {
  if (!hasTmux()) {
    console.log('  (skipped: tmux is not installed)');
    return;
  }
  const dir = join(tmp.path, 'room');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'roster.csv'), 'attendee\nAna\nBen\n');
  const argv = [process.execPath, CLI, 'workshop', '--roster', 'roster.csv', '--out', 'w', '--workspace', 'phub'];
  const answers = ['--account', '123456789012', '--region', 'eu-west-1', '--bitbucket'];
  const declined = await withTerminal([...argv, ...answers], { cwd: dir, env: env() }, async (t) => {
    // two repositories to create, each with Pipelines and two variables
    await t.waitFor(/Make 8 Bitbucket changes, then write and push the workshop\?/);
    assert.match(t.screen(), '+ create private repository phub/ana');
    assert.match(t.screen(), '+ create private repository phub/ben');
    t.type('n');
    t.press('Enter');
    return t.exitCode();
  });
  assert.is(declined, 130);
  assert.equal(api.writes(), []);
  assert.not.ok(existsSync(join(dir, 'w')), 'nothing written');
});

test('run --follow on a terminal redraws one status line, then prints the result', async () => {
  if (!hasTmux()) {
    console.log('  (skipped: tmux is not installed)');
    return;
  }
  const repo = join(tmp.path, 'generated');
  assert.is(
    runNew(['phub-oidc-check', '--answers', EXAMPLE_ANSWERS_FILE, '--dir', repo, '--yes', '--no-git'], tmp.path).status,
    0,
  );
  api.addRepository('phub', 'phub-oidc-check', `{${EXAMPLE.repoUuid}}`, { pipelinesEnabled: true });
  const screen = await withTerminal(
    [process.execPath, CLI, 'run', repo, '--follow'],
    { cwd: tmp.path, env: env() },
    async (t) => {
      await t.waitFor('succeeded');
      assert.is(await t.exitCode(), 0);
      return t.screen();
    },
  );
  assert.match(screen, 'pipeline #1 succeeded');
  assert.not.match(screen, /pipeline #1: PENDING\npipeline #1: IN_PROGRESS/, 'no plain state lines on a terminal');
});

test.run();
