/**
 * `new` run in process (its exit codes and output as the CLI gives them): what it writes, refuses to
 * overwrite, reports, and never leaves behind. Committing runs the built CLI, whose git gets the test's HOME.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toolVersion } from '../../src/paths.ts';
import { assertOneLineError, listFiles, onlyJson, readTree, runNew, stagingLeftovers } from '../support/cli-helpers.ts';
import { EXAMPLE, exampleFlags, renderRepo, tempDir } from '../support/fixtures.ts';
import { newInProcess, runInProcess } from '../support/in-process.ts';
import { isolatedGitEnv } from '../support/git-env.ts';

const EXPECTED = renderRepo(EXAMPLE, toolVersion()).files;
const EXPECTED_PATHS = [...EXPECTED.keys()].sort();
const sorted = (files: Map<string, string>) => new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));

/** A temp folder to run in; `out` inside it is the target. */
async function withTemp(body: (root: string, out: string) => Promise<void>): Promise<void> {
  const tmp = tempDir();
  try {
    await body(tmp.path, join(tmp.path, 'out'));
  } finally {
    tmp.cleanup();
  }
}

const newInto = (root: string, extra: string[] = [], flags = exampleFlags()) =>
  newInProcess([...flags, '--dir', 'out', '--no-git', ...extra], root);

interface JsonResult {
  dir: string;
  files: string[];
  roleArn: string;
  next: string[];
}

test('a fresh run writes exactly the rendered files, byte for byte', async () => {
  await withTemp(async (root, out) => {
    const r = await newInto(root);
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stderr, '');
    assert.equal(readTree(out), sorted(EXPECTED));
    assert.equal(readdirSync(root), ['out']);
  });
});

test('a repository we did not generate that has one of our files is refused (exit 1) naming it, and nothing changes', async () => {
  await withTemp(async (root, out) => {
    mkdirSync(join(out, 'iam'), { recursive: true });
    writeFileSync(join(out, 'README.md'), 'my notes\n');
    writeFileSync(join(out, 'iam/trust-policy.json'), '{}\n');
    writeFileSync(join(out, 'notes.txt'), 'keep me\n');
    const before = readTree(out);
    const r = await newInto(root);
    assertOneLineError(r, 1, ['already has iam/trust-policy.json', 'never replaces a file it did not write']);
    assert.equal(readTree(out), before);
    assert.equal(stagingLeftovers(root), []);
  });
});

test('a target holding only other files gets our files beside them, our README as OIDC-SETUP.md', async () => {
  await withTemp(async (root, out) => {
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'keep me\n');
    const r = await newInto(root);
    assert.is(r.status, 0, r.stderr);
    const after = readTree(out);
    assert.is(after.get('notes.txt'), 'keep me\n');
    const beside = renderRepo(EXAMPLE, toolVersion(), { existingRepository: true }).files;
    assert.is(after.get('OIDC-SETUP.md'), beside.get('OIDC-SETUP.md'));
    assert.not.ok(after.has('README.md'));
    // the steps point to OIDC-SETUP.md: a README.md of the folder's owner may come later
    assert.is(after.get('bitbucket-pipelines.yml'), beside.get('bitbucket-pipelines.yml'));
    assert.match(after.get('bitbucket-pipelines.yml')!, '(see OIDC-SETUP.md)');
  });
});

test('a target that is a file is refused', async () => {
  await withTemp(async (root, out) => {
    writeFileSync(out, 'a file\n');
    const r = await newInto(root);
    assert.is(r.status, 1, r.stderr);
    assert.is(readFileSync(out, 'utf8'), 'a file\n');
    assert.equal(stagingLeftovers(root), []);
  });
});

test('an empty target folder is used without --force', async () => {
  await withTemp(async (root, out) => {
    mkdirSync(out);
    const r = await newInto(root);
    assert.is(r.status, 0, r.stderr);
    assert.equal(listFiles(out), EXPECTED_PATHS);
  });
});

test('--force never replaces a file of a repository we did not generate', async () => {
  await withTemp(async (root, out) => {
    mkdirSync(join(out, 'terraform'), { recursive: true });
    writeFileSync(join(out, 'README.md'), 'old readme\n');
    writeFileSync(join(out, 'terraform/main.tf'), '# old\n');
    writeFileSync(join(out, 'terraform/backend.tf'), 'terraform {}\n');
    writeFileSync(join(out, 'notes.txt'), 'keep me\n');
    const before = readTree(out);
    assertOneLineError(await newInto(root, ['--force']), 1, ['terraform/main.tf', 'Nothing was written']);
    assert.equal(readTree(out), before);
    assert.equal(stagingLeftovers(root), []);
  });
});

test('running twice into the same folder: refused without --force, done with it', async () => {
  await withTemp(async (root, out) => {
    assert.is((await newInto(root)).status, 0);
    const first = readTree(out);
    assertOneLineError(await newInto(root), 1, ['is not empty', '--force']);
    assert.equal(readTree(out), first);
    const forced = await newInto(root, ['--force']);
    assert.is(forced.status, 0, forced.stderr);
    assert.equal(readTree(out), first);
    assert.equal(readdirSync(root), ['out']);
  });
});

test('--dry-run lists every file and writes nothing', async () => {
  await withTemp(async (root, out) => {
    const r = await newInto(root, ['--dry-run']);
    assert.is(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes('dry run, nothing written'), r.stdout);
    const listed = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('  '))
      .map((l) => l.trim());
    assert.equal(listed.sort(), EXPECTED_PATHS);
    assert.not.ok(existsSync(out));
    assert.equal(readdirSync(root), []);
  });
});

test('--dry-run into an existing repository says what a real run would write, and writes nothing', async () => {
  await withTemp(async (root, out) => {
    mkdirSync(out);
    writeFileSync(join(out, 'README.md'), 'mine\n');
    const r = await newInto(root, ['--dry-run']);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, '  OIDC-SETUP.md');
    assert.equal(readTree(out), new Map([['README.md', 'mine\n']]));
  });
});

test('--json prints one JSON object (dir, files, roleArn, next) and nothing else', async () => {
  await withTemp(async (root, out) => {
    const r = await newInto(root, ['--json']);
    const result = onlyJson(r) as JsonResult;
    assert.equal(Object.keys(result).sort(), ['dir', 'files', 'next', 'roleArn']);
    assert.is(result.dir, out);
    assert.equal([...result.files].sort(), listFiles(out));
    assert.equal([...result.files].sort(), EXPECTED_PATHS);
    assert.is(result.roleArn, `arn:aws:iam::${EXAMPLE.account}:role/${EXAMPLE.roleName}`);
    assert.ok(Array.isArray(result.next) && result.next.length > 0);
    for (const step of result.next) assert.type(step, 'string');
    assert.is(r.stderr, '');
  });
});

test('--json with --dry-run reports the same files and writes nothing', async () => {
  await withTemp(async (root, out) => {
    const result = onlyJson(await newInto(root, ['--json', '--dry-run'])) as JsonResult;
    assert.equal([...result.files].sort(), EXPECTED_PATHS);
    assert.not.ok(existsSync(out));
  });
});

test('--json with git prints nothing but the JSON (git stays quiet)', async () => {
  await withTemp(async (root, out) => {
    const env = isolatedGitEnv(join(root, 'home'), true);
    const r = runNew([...exampleFlags(), '--dir', 'out', '--json'], root, env);
    const result = onlyJson(r) as JsonResult;
    assert.is(result.dir, out);
    assert.ok(existsSync(join(out, '.git')));
  });
});

test('a write that fails midway leaves no staging folder behind', async () => {
  await withTemp(async (root, out) => {
    // a folder where a generated file must go: moving the file into place fails
    mkdirSync(join(out, '.gitignore'), { recursive: true });
    writeFileSync(join(out, '.gitignore', 'inside.txt'), 'x\n');
    const r = await newInto(root, ['--force']);
    assert.is(r.status, 1, r.stderr);
    assert.ok(r.stderr.startsWith('pipelines-oidc: '), r.stderr);
    assert.equal(stagingLeftovers(root), []);
    assert.is(readFileSync(join(out, '.gitignore', 'inside.txt'), 'utf8'), 'x\n');
  });
});

test('without --repo-uuid: the output says the role trusts no pipeline yet, and the re-run command follows the creation of the repository', async () => {
  await withTemp(async (root, out) => {
    const flags = exampleFlags().filter((a, i, all) => a !== '--repo-uuid' && all[i - 1] !== '--repo-uuid');
    const text = await newInto(root, [], flags);
    assert.is(text.status, 0, text.stderr);
    assert.ok(text.stdout.includes('the role trusts no pipeline'), text.stdout);
    assert.ok(
      JSON.parse(readFileSync(join(out, 'iam/trust-policy.json'), 'utf8')),
      'the trust policy is still valid JSON',
    );

    const json = onlyJson(await newInto(root, ['--json', '--force'], flags)) as JsonResult;
    const at = json.next.findIndex((s) => s.includes('--repo-uuid'));
    assert.ok(at > json.next.findIndex((s) => s.startsWith('Create the empty repository')), json.next.join('\n'));
    assert.ok(at >= 0 && at < json.next.findIndex((s) => s.startsWith('Set the repository variable')));
    const rerun = /run: pipelines-oidc (update .*)$/.exec(json.next[at] ?? '')?.[1];
    assert.ok(rerun, `the step: ${json.next[at]}`);
    assert.ok(text.stdout.includes(rerun), 'the printed steps hold the same command');

    // the command works as printed, once the placeholder is replaced by the real UUID
    const args = rerun
      .split(' ')
      .map((a) => (a === `'{REPOSITORY-UUID}'` ? '{0B1C2D3E-4F50-4A6B-8C7D-9E0F1A2B3C4D}' : a));
    assert.ok(args.includes('{0B1C2D3E-4F50-4A6B-8C7D-9E0F1A2B3C4D}'), rerun);
    assert.is(args[0], 'update');
    const again = await runInProcess(args, { cwd: root });
    assert.is(again.status, 0, again.stderr);
    assert.not.ok(again.stdout.includes('trusts no pipeline'), again.stdout);
    // the manifest carried every other answer: the result is the example, repository UUID included
    assert.equal(readTree(out), sorted(EXPECTED));
  });
});

test('with --repo-uuid there is no such warning nor re-run step', async () => {
  await withTemp(async (root) => {
    const r = await newInto(root, ['--json']);
    const result = onlyJson(r) as JsonResult;
    assert.not.ok(
      result.next.some((s) => s.includes('--repo-uuid')),
      result.next.join('\n'),
    );
  });
});

test.run();
