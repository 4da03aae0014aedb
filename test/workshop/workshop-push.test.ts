/**
 * `workshop --push-template`: real git, bare repositories on disk, one remote missing and one refusing
 * in a pre-receive hook; the re-run that finishes the job; and the promise pool it pushes with.
 */
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mapPool } from '../../src/io/pool.ts';
import { listFiles } from '../support/cli-helpers.ts';
import { GIT_IDENTITY, runCli, tempDir, WORKSHOP_FLAGS } from '../support/fixtures.ts';
import { gitIn, isolatedGitEnv, type Env } from '../support/git-env.ts';

const BASE = WORKSHOP_FLAGS;
const REPOS = ['ana', 'bo', 'cy', 'di', 'eve'];
/** `cy`'s remote does not exist; `di`'s refuses every push. */
const MISSING = 'cy';
const REFUSING = 'di';

interface PushResult {
  repo: string;
  remote: string;
  status: string;
  reason?: string;
}

interface Sandbox {
  root: string;
  env: Env;
  git: (cwd: string, args: string[]) => string;
  remote: (repo: string) => string;
  workshop: (extra?: string[]) => ReturnType<typeof runCli>;
}

function sandbox(body: (s: Sandbox) => void, identity = true): void {
  const tmp = tempDir();
  try {
    const root = tmp.path;
    const env = {
      ...isolatedGitEnv(join(root, 'home'), identity),
      FORCE_COLOR: undefined,
      AWS_REGION: undefined,
      AWS_DEFAULT_REGION: undefined,
    };
    writeFileSync(join(root, 'roster.csv'), ['attendee', ...REPOS].join('\n'));
    const s: Sandbox = {
      root,
      env,
      git: (cwd, args) => gitIn(cwd, args, env),
      remote: (repo) => join(root, 'remotes', `${repo}.git`),
      workshop: (extra = []) =>
        runCli(
          [
            'workshop',
            '--roster',
            'roster.csv',
            '--out',
            'out',
            ...BASE,
            '--push-template',
            join(root, 'remotes', '{repo}.git'),
            ...extra,
          ],
          { cwd: root, env },
        ),
    };
    mkdirSync(join(root, 'remotes'));
    for (const repo of REPOS.filter((r) => r !== MISSING)) s.git(root, ['init', '-q', '--bare', s.remote(repo)]);
    const hook = join(s.remote(REFUSING), 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho "pushes are closed" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    body(s);
  } finally {
    tmp.cleanup();
  }
}

const head = (s: Sandbox, repo: string) => s.git(join(s.root, 'out', repo), ['rev-parse', 'HEAD']);
const remoteMain = (s: Sandbox, repo: string) =>
  s.git(s.root, ['--git-dir', s.remote(repo), 'rev-parse', 'refs/heads/main']);
const pushResults = (stdout: string) => (JSON.parse(stdout) as { push: PushResult[] }).push;

test("pushes every repository; the failures are reported with git's reason, the others still pushed, exit 1", () =>
  sandbox((s) => {
    const r = s.workshop(['--concurrency', '2']);
    assert.is(r.status, 1, r.stderr);
    assert.is(
      r.stderr,
      `pipelines-oidc: 2 of 5 pushes failed (${MISSING}, ${REFUSING}); the local repositories are kept: fix the remotes and run the same command again\n`,
    );
    // progress: one plain line per repository as it finishes, counted 1..5
    const progress = r.stdout.split('\n').filter((l) => /^\[\d\/5\] /.test(l));
    assert.equal(
      progress.map((l) => l.slice(0, 5)),
      ['[1/5]', '[2/5]', '[3/5]', '[4/5]', '[5/5]'],
    );
    assert.equal(progress.map((l) => /^\[\d\/5\] ([a-z]+):/.exec(l)![1]).sort(), [...REPOS].sort());
    assert.not.match(r.stdout, '\u001b', 'no terminal control sequences without a terminal');
    // the repositories are on their remotes: the attendees no longer create and push them
    assert.match(r.stdout, "Each attendee's repository is pushed: they enable Pipelines");
    // the results, one per attendee in roster order
    const results = r.stdout.slice(r.stdout.indexOf('Push results\n')).split('\n');
    assert.is(results[1], '  ✔ ana  pushed');
    assert.is(results[3], `  ✖ cy   failed: fatal: '${s.remote(MISSING)}' does not appear to be a git repository`);
    assert.is(results[4], '  ✖ di   failed: ! [remote rejected] main -> main (pre-receive hook declined)');
    assert.is(results[6], '3 pushed, 0 already pushed, 2 failed');
    for (const repo of ['ana', 'bo', 'eve']) assert.is(remoteMain(s, repo), head(s, repo), `${repo} is on its remote`);
    for (const repo of REPOS) {
      const dir = join(s.root, 'out', repo);
      assert.is(s.git(dir, ['rev-list', '--count', 'HEAD']), '1', `${repo}: one commit, kept when the push failed`);
      assert.is(s.git(dir, ['symbolic-ref', '--short', 'HEAD']), 'main');
      assert.is(
        s.git(dir, ['log', '-1', '--format=%an <%ae>']),
        `${GIT_IDENTITY.GIT_AUTHOR_NAME} <${GIT_IDENTITY.GIT_AUTHOR_EMAIL}>`,
      );
      assert.is(s.git(dir, ['status', '--porcelain']), '', `${repo}: everything committed`);
    }
    assert.not.ok(existsSync(join(s.root, 'out/facilitator/.git')), "the facilitator's folder is no repository");
  }));

test('a re-run after fixing the remotes pushes what failed, reports the rest as already pushed, writes nothing', () =>
  sandbox((s) => {
    assert.is(s.workshop().status, 1);
    s.git(s.root, ['init', '-q', '--bare', s.remote(MISSING)]);
    rmSync(join(s.remote(REFUSING), 'hooks', 'pre-receive'));
    const again = s.workshop(['--json']);
    assert.is(again.status, 0, again.stderr);
    const results = pushResults(again.stdout);
    assert.equal(
      results.map((p) => [p.repo, p.status]),
      [
        ['ana', 'already-pushed'],
        ['bo', 'already-pushed'],
        ['cy', 'pushed'],
        ['di', 'pushed'],
        ['eve', 'already-pushed'],
      ],
    );
    assert.equal(
      results.map((p) => p.remote),
      REPOS.map(s.remote),
    );
    assert.ok(
      (JSON.parse(again.stdout) as { attendees: Array<{ status: string }> }).attendees.every(
        (a) => a.status === 'unchanged',
      ),
    );
    for (const repo of REPOS) assert.is(remoteMain(s, repo), head(s, repo));

    // already pushed means local refs only: with every remote gone, nothing is attempted
    renameSync(join(s.root, 'remotes'), join(s.root, 'gone'));
    const third = s.workshop();
    assert.is(third.status, 0, third.stderr);
    assert.ok(third.stdout.includes('0 pushed, 5 already pushed, 0 failed'), third.stdout);
  }));

test('a forced change after a push is committed on top and pushed', () =>
  sandbox((s) => {
    s.git(s.root, ['init', '-q', '--bare', s.remote(MISSING)]);
    rmSync(join(s.remote(REFUSING), 'hooks', 'pre-receive'));
    assert.is(s.workshop().status, 0);
    const r = s.workshop(['--region', 'us-east-1', '--force', '--json']);
    assert.is(r.status, 0, r.stderr);
    assert.ok(pushResults(r.stdout).every((p) => p.status === 'pushed'));
    for (const repo of REPOS) {
      assert.is(s.git(join(s.root, 'out', repo), ['rev-list', '--count', 'HEAD']), '2');
      assert.is(remoteMain(s, repo), head(s, repo));
    }
  }));

test('--dry-run makes no repository; without a git identity nothing is written at all', () => {
  sandbox((s) => {
    const r = s.workshop(['--dry-run']);
    assert.is(r.status, 0, r.stderr);
    assert.not.ok(existsSync(join(s.root, 'out')));
  });
  sandbox((s) => {
    const r = s.workshop();
    assert.is(r.status, 1);
    assert.match(r.stderr, /^pipelines-oidc: git has no identity to commit with/);
    assert.not.ok(existsSync(join(s.root, 'out')));
    assert.equal(listFiles(join(s.root, 'remotes', 'ana.git', 'refs')), []);
  }, false);
});

test('pool: results in item order, never more than the limit at once, every item once', async () => {
  let running = 0;
  let peak = 0;
  const seen: number[] = [];
  const results = await mapPool([30, 5, 20, 1, 10, 0, 15], 3, async (ms, i) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, ms));
    seen.push(i);
    running--;
    return ms * 2;
  });
  assert.equal(results, [60, 10, 40, 2, 20, 0, 30]);
  assert.is(peak, 3);
  assert.equal([...seen].sort(), [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(await mapPool([], 4, async () => 1), []);
});

test('pool: a failure stops new work, waits for the running work, and is thrown', async () => {
  const started: number[] = [];
  let settled = 0;
  const run = mapPool([0, 1, 2, 3, 4, 5], 2, async (i) => {
    started.push(i);
    await new Promise((r) => setTimeout(r, i === 1 ? 1 : 20));
    settled++;
    if (i === 1) throw new Error('boom');
    return i;
  });
  await run.catch((e: Error) => assert.is(e.message, 'boom'));
  assert.is(settled, started.length, 'nothing still running after the rejection');
  assert.ok(started.length < 6, `work stopped after the failure: ${started.join()}`);
  for (const bad of [0, 1.5, Number.NaN])
    await mapPool([1], bad, async () => 1).then(
      () => assert.unreachable('refused'),
      (e: Error) => assert.instance(e, RangeError),
    );
});

test.run();
