/**
 * A newcomer's whole path, following only what the README and the tool print: clone, install as the
 * README says (offline: npm's cache only), `new` answered in a terminal, then every printed next step
 * that has a command is run as printed (placeholders filled in) in a terminal, against a bare git
 * repository standing in for Bitbucket and the local IAM endpoint standing in for AWS; a target added;
 * a hand edit followed by an update; `check` clean at the end.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT, tempDir } from '../support/fixtures.ts';
import { gitIn, isolatedGitEnv, type Env } from '../support/git-env.ts';
import { awsEnv, startIamEndpoint } from '../support/iam-endpoint.ts';
import { answer, asking, choose } from '../support/prompting.ts';
import { hasTmux, withTerminal } from '../support/pty.ts';

const WORKSPACE_UUID = '{7A3E5C1D-2B4F-4E6A-9C8D-1F2E3D4C5B6A}';
const REPO_UUID = '{0B1C2D3E-4F50-4A6B-8C7D-9E0F1A2B3C4D}';
const ACCOUNT = '123456789012';
const NAME = 'journey-app';
/** What Bitbucket's UI and a person's copy-paste fill in for the placeholders of a printed command. */
const FILL: Array<[string, string]> = [[`'{REPOSITORY-UUID}'`, `'${REPO_UUID}'`]];

/** The README's fenced `sh` block that contains `marker`, as its lines. */
function readmeBlock(marker: string): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes(marker));
  assert.ok(block, `README.md has a sh block with ${marker}`);
  return block!.split('\n').filter((l) => l.trim() !== '');
}

/** The numbered steps after the last "Next steps" heading of a screen. */
function printedSteps(screen: string): string[] {
  const at = screen.lastIndexOf('Next steps');
  if (at < 0) return [];
  return screen
    .slice(at)
    .split('\n')
    .flatMap((l) => /^ {2}\d+\. (.*)$/.exec(l)?.[1] ?? []);
}

const commandOf = (step: string) => /run: (.+)$/.exec(step)?.[1];

/**
 * The newcomer's hand edit before the last update: a line in bitbucket-pipelines.yml, a file the update
 * then rewrites too (the site folder changes), so the update has to merge the two.
 */
function handEditBeforeUpdate(repo: string): { file: string; line: string } {
  const file = join(repo, 'bitbucket-pipelines.yml');
  const line = '# kept by hand: the site deploys only after the check passes';
  const before = readFileSync(file, 'utf8');
  assert.match(before, /\npipelines:\n/);
  writeFileSync(file, before.replace(/\npipelines:\n/, `\n${line}\npipelines:\n`));
  return { file: 'bitbucket-pipelines.yml', line };
}

if (hasTmux())
  test('a newcomer goes from a clone to a checked repository by following what is printed', async () => {
    const tmp = tempDir('pipelines-oidc-journey-');
    const iam = await startIamEndpoint({ account: ACCOUNT });
    try {
      const home = join(tmp.path, 'home');
      const gitEnv = isolatedGitEnv(home, true);
      const remotes = join(tmp.path, 'bitbucket');
      mkdirSync(remotes);
      // Bitbucket's remote URLs reach bare repositories on disk
      execFileSync('git', [
        'config',
        '--file',
        gitEnv['GIT_CONFIG_GLOBAL']!,
        `url.${remotes}/.insteadOf`,
        'git@bitbucket.org:phub/',
      ]);
      execFileSync('git', ['init', '-q', '--bare', '-b', 'main', join(remotes, `${NAME}.git`)]);
      const prefix = join(tmp.path, 'prefix');
      const npmCache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
      const env: Env = {
        ...gitEnv,
        ...awsEnv(iam),
        PATH: `${join(prefix, 'bin')}:${process.env['PATH']}`,
        // the install takes every package from npm's cache: nothing is fetched
        npm_config_cache: npmCache,
        npm_config_offline: 'true',
        npm_config_prefix: prefix,
        npm_config_audit: 'false',
        npm_config_fund: 'false',
        npm_config_update_notifier: 'false',
        PIPELINES_OIDC_SCHEMA_URL: 'http://127.0.0.1:9/unreachable',
        AWS_REGION: undefined,
        AWS_DEFAULT_REGION: undefined,
        FORCE_COLOR: undefined,
        NO_COLOR: '1',
      };
      const sh = (cwd: string, script: string) =>
        execFileSync('sh', ['-c', script], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', stdio: 'pipe' });

      // clone and install exactly as the README's install block says (the clone's URL is this checkout)
      const install = readmeBlock('npm install -g .');
      const clone = install[0]!.replace('<this repository>', ROOT).replace(/\s+#.*$/, '');
      sh(tmp.path, clone);
      const checkout = join(tmp.path, 'pipelines-oidc');
      for (const line of install.slice(1)) sh(checkout, line.replace(/\s+#.*$/, ''));

      const work = join(tmp.path, 'work');
      mkdirSync(work);
      const executed: string[] = [];
      const manual: string[] = [];

      /** Runs a command as printed, in a terminal; confirms a question if asked; follows the steps it prints. */
      async function follow(command: string): Promise<string> {
        executed.push(command);
        const filled = FILL.reduce((c, [from, to]) => c.replaceAll(from, to), command);
        const screen = await withTerminal(['sh', '-c', filled], { cwd: work, env }, async (t) => {
          const deadline = Date.now() + 20_000;
          let confirmed = false;
          while (t.ended() === undefined && Date.now() < deadline) {
            if (!confirmed && /\((Y\/n|y\/N)\)\s*$/.test(t.screen())) {
              t.type('y');
              t.press('Enter');
              confirmed = true;
            }
            await new Promise((r) => setTimeout(r, 50));
          }
          assert.is(await t.exitCode(), 0, `${command}\n${t.screen()}`);
          return t.screen();
        });
        for (const step of printedSteps(screen)) {
          const next = commandOf(step);
          if (next === undefined) manual.push(step);
          else await follow(next);
        }
        return screen;
      }

      // `new` in a terminal, as the README's two-minute example runs it
      const [newCommand] = readmeBlock('pipelines-oidc new my-service')
        .map((l) => l.replace(/\s+#.*$/, ''))
        .map((l) => l.replace('my-service', NAME));
      const newScreen = await withTerminal(['sh', '-c', newCommand!], { cwd: work, env }, async (t) => {
        await answer(t, 'workspace', 'phub');
        await answer(t, 'workspaceUuid', WORKSPACE_UUID);
        await answer(t, 'account', ACCOUNT);
        await answer(t, 'region', 'eu-west-1');
        await answer(t, 'repoUuid');
        await answer(t, 'roleName');
        await choose(t, 'iac', 'none');
        await choose(t, 'auth', 'token-file');
        await t.waitFor(asking('target'));
        t.press('Enter');
        await answer(t, 'environments');
        await t.waitFor('? Write ');
        t.press('Enter');
        assert.is(await t.exitCode(), 0, t.screen());
        return t.screen();
      });
      const steps = printedSteps(newScreen);
      assert.ok(steps.length > 3, newScreen);
      for (const step of steps) {
        const command = commandOf(step);
        if (command === undefined) manual.push(step);
        else await follow(command);
      }

      const repo = join(work, NAME);
      // the README's add command, for this repository
      await follow(
        `pipelines-oidc add s3-static-site --dir ${NAME} --site-bucket journey-site --site-dir public --yes`,
      );
      const edit = handEditBeforeUpdate(repo);
      const merged = await follow(`pipelines-oidc update --dir ${NAME} --site-dir dist`);
      assert.match(merged, 'bitbucket-pipelines.yml (your edits and our changes merged)');
      assert.match(readFileSync(join(repo, edit.file), 'utf8'), 'aws s3 sync dist s3://journey-site');

      const final = await follow(`pipelines-oidc check ${NAME}`);
      assert.match(final, '✔ no errors');
      assert.match(readFileSync(join(repo, edit.file), 'utf8'), edit.line, 'the hand edit is kept');

      // every kind of printed command ran, and what was left to do is clicks in Bitbucket
      for (const kind of [
        'git push -u origin main',
        'pipelines-oidc update --dir journey-app --repo-uuid',
        'pipelines-oidc apply journey-app',
        'pipelines-oidc doctor journey-app',
        "git commit -m 'Update the AWS OpenID Connect setup' && git push",
        'pipelines-oidc check journey-app',
      ])
        assert.ok(
          executed.some((c) => c.includes(kind)),
          `ran ${kind}:\n${executed.join('\n')}`,
        );
      for (const step of manual) assert.match(step, /Bitbucket|Repository settings|Pipelines|Push to main/, step);
      // Bitbucket has what the newcomer has, and AWS what the repository describes
      assert.is(
        gitIn(join(remotes, `${NAME}.git`), ['rev-parse', 'main'], gitEnv),
        gitIn(repo, ['rev-parse', 'HEAD'], gitEnv),
      );
      assert.is(gitIn(repo, ['status', '--porcelain'], gitEnv), '');
      const role = iam.state.roles.get(`bitbucket-${NAME}`);
      assert.ok(role, 'the role exists');
      const inline = role!.inlinePolicies.values().next().value as unknown;
      const stored = typeof inline === 'string' ? (JSON.parse(inline) as unknown) : inline;
      assert.equal(stored, JSON.parse(readFileSync(join(repo, 'iam/inline-policy.json'), 'utf8')));
    } finally {
      await iam.close();
      tmp.cleanup();
    }
  });
else console.log('  newcomer.test.ts skipped: tmux is not installed');

test.run();
