/**
 * `new` in a real terminal: every question asked in order with its default, invalid answers refused
 * in place, the summary confirmed before anything is written, and Ctrl-C or "no" writing nothing.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { QUESTIONS, questionFor, type AnswerName, type Answers } from '../../src/core/answers/questions.ts';
import { listFiles } from '../support/cli-helpers.ts';
import { CLI, EXAMPLE_ANSWERS_FILE, EXAMPLE, renderRepo, tempDir } from '../support/fixtures.ts';
import { gitIn, isolatedGitEnv, type Env } from '../support/git-env.ts';
import { hasTmux, withTerminal, type Terminal } from '../support/pty.ts';

const MESSAGE = Object.fromEntries(QUESTIONS.map((q) => [q.name, q.message])) as Record<AnswerName, string>;
const GENERATED = [...renderRepo(EXAMPLE).files.keys()].sort();
const WORKSPACE_UUID = '{7A3E5C1D-2B4F-4E6A-9C8D-1F2E3D4C5B6A}';
const REPO_UUID = '{0B1C2D3E-4F50-4A6B-8C7D-9E0F1A2B3C4D}';

interface Sandbox {
  root: string;
  /** The target folder, `<root>/repo`. */
  repo: string;
  env: Env;
}

/** `pipelines-oidc new --dir repo …args` run in a fresh folder in a terminal, with git cut off from the machine. */
async function inTerminal(args: string[], env: Env, body: (t: Terminal, s: Sandbox) => Promise<void>): Promise<void> {
  const tmp = tempDir();
  try {
    const s: Sandbox = {
      root: tmp.path,
      repo: join(tmp.path, 'repo'),
      env: isolatedGitEnv(join(tmp.path, 'home'), true),
    };
    const fullEnv = { ...s.env, AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, FORCE_COLOR: undefined, ...env };
    await withTerminal([process.execPath, CLI, 'new', '--dir', 'repo', ...args], { cwd: s.root, env: fullEnv }, (t) =>
      body(t, s),
    );
  } finally {
    tmp.cleanup();
  }
}

/** Waits for the open question, then types the answer and Enter (no answer: Enter takes the default). */
async function answer(t: Terminal, name: AnswerName, text?: string): Promise<string> {
  const screen = await t.waitFor(`? ${MESSAGE[name]}`);
  if (text !== undefined) t.type(text);
  t.press('Enter');
  return screen;
}

/** In a select list (cursor on the default), moves down to `value` and takes it. */
async function choose(t: Terminal, name: AnswerName, value: string): Promise<string> {
  const q = questionFor(name)!;
  await t.waitFor(`? ${q.message}`);
  const steps =
    q.choices!.findIndex((c) => c.value === value) - q.choices!.findIndex((c) => c.value === q.fallback?.({}, {}));
  for (let i = 0; i < steps; i++) t.press('Down');
  const screen = await t.waitFor(`❯ ${value}`);
  t.press('Enter');
  return screen;
}

const manifest = (repo: string) =>
  (JSON.parse(readFileSync(join(repo, '.pipelines-oidc.json'), 'utf8')) as { answers: Answers }).answers;

/** Lines where `name` was asked (open or answered), as opposed to the summary's rows. */
const askedLines = (screen: string, name: AnswerName) =>
  screen.split('\n').filter((l) => l.startsWith(`? ${MESSAGE[name]}`) || l.startsWith(`✔ ${MESSAGE[name]}`));

test('every question is asked in order; an invalid answer is refused in place; confirmed answers are written', async () => {
  await inTerminal([], {}, async (t, s) => {
    await answer(t, 'name', 'my-repo');
    await answer(t, 'workspace', 'phub');
    await answer(t, 'workspaceUuid', WORKSPACE_UUID);

    await answer(t, 'account', '123');
    const refused = await t.waitFor('must be a 12-digit AWS account ID');
    assert.ok(refused.includes(`? ${MESSAGE.account} 123`), `the question stays open with the input:\n${refused}`);
    assert.not.ok(refused.includes(MESSAGE.region), `no advance to the next question:\n${refused}`);
    t.press('C-u');
    await answer(t, 'account', '123456789012');

    const region = await answer(t, 'region', 'eu-west-1');
    assert.not.ok(region.includes(`? ${MESSAGE.region} (`), `no region default without AWS_REGION:\n${region}`);
    await answer(t, 'repoUuid', REPO_UUID);
    const role = await answer(t, 'roleName');
    assert.ok(role.includes(`? ${MESSAGE.roleName} (bitbucket-my-repo)`), `the derived default is offered:\n${role}`);

    const iac = await choose(t, 'iac', 'both');
    const both = questionFor('iac')!.choices!.find((c) => c.value === 'both')!;
    assert.ok(iac.includes(both.description), `the highlighted choice is described:\n${iac}`);
    await choose(t, 'auth', 'assume-role');
    const targets = await t.waitFor(`? ${MESSAGE.target}`);
    assert.match(targets, /◉ sts-check/, `the default target is ticked:\n${targets}`);
    t.press('Enter');
    await answer(t, 'environments');

    const summary = await t.waitFor(`? Write ${GENERATED.length} files to repo?`);
    assert.match(summary, /About to write/);
    assert.match(summary, /^ {2}AWS account ID +123456789012$/m);
    assert.match(summary, /^ {2}IAM role name +bitbucket-my-repo$/m);
    assert.match(summary, /^ {2}Git +init and commit$/m);
    assert.not.ok(existsSync(s.repo), 'nothing written before the confirmation');
    t.press('Enter');

    assert.is(await t.exitCode(), 0, t.screen());
    const answered = t
      .screen()
      .split('\n')
      .filter((l) => l.startsWith('✔ '));
    // a flag-only question (the role session) is never asked
    const asked = QUESTIONS.filter((q) => !q.flagOnly);
    assert.equal(
      asked.map((q) => answered.findIndex((l) => l === `✔ ${q.message}` || l.startsWith(`✔ ${q.message} `))),
      asked.map((_, i) => i),
      `each question answered once, in order:\n${answered.join('\n')}`,
    );
    assert.equal(manifest(s.repo), {
      name: 'my-repo',
      workspace: 'phub',
      workspaceUuid: '7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a',
      account: '123456789012',
      region: 'eu-west-1',
      repoUuid: '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d',
      roleName: 'bitbucket-my-repo',
      iac: 'both',
      auth: 'assume-role',
      target: 'sts-check',
      environments: '',
      targetAnswers: {},
    });
    assert.equal(
      listFiles(s.repo).filter((p) => !p.startsWith('.git/')),
      GENERATED,
    );
    assert.is(gitIn(s.repo, ['rev-list', '--count', 'HEAD'], s.env), '1');
    assert.match(t.screen(), `Wrote ${GENERATED.length} files to repo`);
  });
});

test('the region defaults to $AWS_REGION (over $AWS_DEFAULT_REGION); an empty repository UUID is allowed', async () => {
  const flags = [
    'my-repo',
    '--workspace',
    'phub',
    '--workspace-uuid',
    WORKSPACE_UUID,
    '--account',
    '123456789012',
    '--iac',
    'none',
    '--auth',
    'token-file',
    '--target',
    'sts-check',
    '--environment',
    '',
    '--role-name',
    'r1',
  ];
  await inTerminal(flags, { AWS_REGION: 'us-east-2', AWS_DEFAULT_REGION: 'ca-central-1' }, async (t, s) => {
    const region = await answer(t, 'region');
    assert.ok(region.includes(`? ${MESSAGE.region} (us-east-2)`), region);
    await answer(t, 'repoUuid');
    await t.waitFor('? Write ');
    t.press('Enter');
    assert.is(await t.exitCode(), 0, t.screen());
    const written = manifest(s.repo);
    assert.is(written.region, 'us-east-2');
    assert.is(written.repoUuid, '');
  });
});

test('answers given as flags are not asked again', async () => {
  const flags = [
    'my-repo',
    '--workspace',
    'phub',
    '--workspace-uuid',
    WORKSPACE_UUID,
    '--region',
    'eu-north-1',
    '--repo-uuid',
    REPO_UUID,
    '--role-name',
    'deployer',
    '--auth',
    'assume-role',
    '--target',
    'sts-check',
    '--environment',
    '',
  ];
  await inTerminal(flags, {}, async (t, s) => {
    await answer(t, 'account', '210987654321');
    await choose(t, 'iac', 'cloudformation');
    const screen = await t.waitFor('? Write ');
    for (const q of QUESTIONS) {
      const expected = q.name === 'account' || q.name === 'iac' ? 1 : 0;
      assert.is(askedLines(screen, q.name).length, expected, `${q.name} asked ${expected} time(s):\n${screen}`);
    }
    t.press('Enter');
    assert.is(await t.exitCode(), 0, t.screen());
    const written = manifest(s.repo);
    assert.is(written.account, '210987654321');
    assert.is(written.iac, 'cloudformation');
    assert.is(written.region, 'eu-north-1');
    assert.is(written.roleName, 'deployer');
    assert.is(written.auth, 'assume-role');
  });
});

test('Ctrl-C at a question exits 130 and writes nothing', async () => {
  await inTerminal([], {}, async (t, s) => {
    await answer(t, 'name', 'my-repo');
    await t.waitFor(`? ${MESSAGE.workspace}`);
    t.press('C-c');
    assert.is(await t.exitCode(), 130, t.screen());
    assert.match(t.screen(), 'pipelines-oidc: Cancelled: nothing was written.');
    assert.not.ok(existsSync(s.repo), 'no target folder');
    assert.equal(
      listFiles(s.root).filter((p) => !p.startsWith('home/')),
      [],
      'no staging folder left',
    );
  });
});

test('Ctrl-C in a select list exits 130 and writes nothing', async () => {
  const flags = [
    'my-repo',
    '--workspace',
    'phub',
    '--workspace-uuid',
    WORKSPACE_UUID,
    '--account',
    '123456789012',
    '--region',
    'eu-west-1',
    '--repo-uuid',
    '',
  ];
  await inTerminal(flags, {}, async (t, s) => {
    await answer(t, 'roleName');
    await t.waitFor(`? ${MESSAGE.iac}`);
    t.press('Down');
    await t.waitFor('❯ cloudformation');
    t.press('C-c');
    assert.is(await t.exitCode(), 130, t.screen());
    assert.not.ok(existsSync(s.repo), 'no target folder');
  });
});

test('declining the confirmation exits 130 and writes nothing', async () => {
  // the example names no environments: given empty here, so that nothing at all is asked
  await inTerminal(['--answers', EXAMPLE_ANSWERS_FILE, '--environment', ''], {}, async (t, s) => {
    const screen = await t.waitFor(`? Write ${GENERATED.length} files to repo? (Y/n)`);
    for (const q of QUESTIONS) assert.equal(askedLines(screen, q.name), [], `${q.name} comes from --answers`);
    t.type('n');
    t.press('Enter');
    assert.is(await t.exitCode(), 130, t.screen());
    assert.match(t.screen(), 'Cancelled: nothing was written.');
    assert.not.ok(existsSync(s.repo), 'no target folder');
  });
});

test('a folder that is not empty is named before any question, and another one is asked for', async () => {
  const tmp = tempDir();
  try {
    const env = isolatedGitEnv(join(tmp.path, 'home'), true);
    mkdirSync(join(tmp.path, 'repo'));
    writeFileSync(join(tmp.path, 'repo', 'app.js'), 'mine\n');
    const fullEnv = { ...env, AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, FORCE_COLOR: undefined };
    const argv = [process.execPath, CLI, 'new', 'my-repo', '--dir', 'repo', '--workspace', 'phub'];
    await withTerminal(argv, { cwd: tmp.path, env: fullEnv }, async (t) => {
      const screen = await t.waitFor('? Folder to write the repository to');
      assert.match(screen, 'repo is not empty (app.js');
      assert.equal(askedLines(screen, 'workspaceUuid'), [], 'no question before the folder is settled');
      t.type('repo');
      t.press('Enter');
      await t.waitFor('repo is not empty (app.js…): choose another folder');
      t.press('C-u');
      t.type('fresh');
      t.press('Enter');
      await answer(t, 'workspaceUuid', WORKSPACE_UUID);
      t.press('C-c');
      assert.is(await t.exitCode(), 130, t.screen());
    });
    assert.equal(readdirSync(join(tmp.path, 'repo')), ['app.js'], 'the full folder is untouched');
  } finally {
    tmp.cleanup();
  }
});

if (hasTmux()) test.run();
else console.log('  prompts.test.ts skipped: tmux is not installed');
