/** plop runs the same generator as `pipelines-oidc new`: same files, byte for byte, and it fails the same way. */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodePlop from 'node-plop';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GENERATOR_DESCRIPTION, GENERATOR_NAME } from '../../src/generator.ts';
import { readTree, runNew } from '../support/cli-helpers.ts';
import { EXAMPLE_ANSWERS_FILE, ROOT, tempDir } from '../support/fixtures.ts';

const PLOPFILE = join(ROOT, 'dist/plopfile.js');
const PLOP_SCRIPT = join(ROOT, 'scripts/plop.mjs');
/** The example's answers as a user types them (UUIDs with braces): plop's prompts would return these. */
const RAW = JSON.parse(readFileSync(EXAMPLE_ANSWERS_FILE, 'utf8')) as Record<string, string>;
const NAME = RAW['name']!;

function withTemp(body: (root: string) => Promise<void> | void): Promise<void> {
  const tmp = tempDir();
  return Promise.resolve()
    .then(() => body(tmp.path))
    .finally(tmp.cleanup);
}

/** What the CLI writes for the example answers. */
function cliFiles(): Map<string, string> {
  const tmp = tempDir();
  try {
    const r = runNew(['--answers', EXAMPLE_ANSWERS_FILE, '--dir', 'out', '--no-git'], tmp.path);
    assert.is(r.status, 0, r.stderr);
    return readTree(join(tmp.path, 'out'));
  } finally {
    tmp.cleanup();
  }
}

const CLI_FILES = cliFiles();

/** `npm run plop -- …` in `cwd`, answers given on the command line so that nothing is asked. */
function plopScript(cwd: string, args: string[]) {
  return spawnSync(process.execPath, [PLOP_SCRIPT, ...args], {
    cwd,
    encoding: 'utf8',
    input: '',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
  });
}
// environments are not in the example: an empty answer, so plop does not ask
const bypass = () => [
  GENERATOR_NAME,
  '--',
  ...Object.entries({ ...RAW, environments: '' }).flatMap(([k, v]) => [`--${k}`, v]),
];

test("the plopfile registers one generator, the CLI's", async () => {
  const plop = await nodePlop(PLOPFILE, { destBasePath: ROOT, force: false });
  assert.equal(
    plop.getGeneratorList().map((g) => [g.name, g.description]),
    [[GENERATOR_NAME, GENERATOR_DESCRIPTION]],
  );
  const prompts = plop.getGenerator(GENERATOR_NAME).prompts as Array<{ name: string; when?: unknown }>;
  assert.equal(
    prompts
      .filter((p) => p.when === undefined)
      .map((p) => p.name)
      .sort(),
    [...Object.keys(RAW), 'environments'].sort(),
    'one prompt per answer',
  );
});

test("a target's questions are asked when it is chosen, and its answers reach the files", () =>
  withTemp(async (root) => {
    const plop = await nodePlop(PLOPFILE, { destBasePath: root, force: false });
    const generator = plop.getGenerator(GENERATOR_NAME);
    type Prompt = { name: string; when?: (a: Record<string, unknown>) => boolean };
    const siteBucket = (generator.prompts as Prompt[]).find((p) => p.name === 'siteBucket');
    assert.ok(siteBucket?.when, 'the question of s3-static-site is a prompt, asked on a condition');
    assert.is(siteBucket!.when!({ target: ['sts-check', 's3-static-site'] }), true);
    assert.is(siteBucket!.when!({ target: ['sts-check'] }), false);
    const answers = { ...RAW, target: ['sts-check', 's3-static-site'], siteBucket: 'my-site', siteDir: 'public' };
    const { failures } = await generator.runActions(answers);
    assert.equal(failures, []);
    const pipeline = readFileSync(join(root, NAME, 'bitbucket-pipelines.yml'), 'utf8');
    assert.match(pipeline, 's3://my-site');
  }));

test('`npm run plop` writes into the folder it was run from, not the package', () =>
  withTemp((root) => {
    // the script as `npm run plop` runs it (in the package's folder, the caller's named in INIT_CWD), without
    // the build before it: a build would rewrite dist/ under the suites running beside this one
    const r = spawnSync(process.execPath, [PLOP_SCRIPT, ...bypass()], {
      cwd: ROOT,
      encoding: 'utf8',
      input: '',
      env: { ...process.env, npm_lifecycle_event: 'plop', INIT_CWD: root, NO_COLOR: '1', FORCE_COLOR: undefined },
    });
    assert.is(r.status, 0, r.stdout + r.stderr);
    assert.equal(readTree(join(root, NAME)), CLI_FILES);
  }));

test('node-plop writes the same files as the CLI, byte for byte', () =>
  withTemp(async (root) => {
    const plop = await nodePlop(PLOPFILE, { destBasePath: root, force: false });
    const { changes, failures } = await plop.getGenerator(GENERATOR_NAME).runActions({ ...RAW });
    assert.equal(failures, []);
    assert.is(changes.length, CLI_FILES.size);
    assert.equal(readTree(join(root, NAME)), CLI_FILES);
  }));

test('node-plop into a folder where the files exist reports failures and changes nothing', () =>
  withTemp(async (root) => {
    const plop = await nodePlop(PLOPFILE, { destBasePath: root, force: false });
    const generator = plop.getGenerator(GENERATOR_NAME);
    assert.equal((await generator.runActions({ ...RAW })).failures, []);
    writeFileSync(join(root, NAME, 'README.md'), 'edited by hand\n');
    const before = readTree(join(root, NAME));
    const { failures } = await generator.runActions({ ...RAW });
    assert.is(failures.length, CLI_FILES.size, 'the first failure aborts every other action');
    assert.match(String(failures[0]?.error), 'File already exists');
    assert.equal(readTree(join(root, NAME)), before);
  }));

test('node-plop: an invalid answer is rejected by the same rules', () =>
  withTemp(async (root) => {
    const plop = await nodePlop(PLOPFILE, { destBasePath: root, force: false });
    const generator = plop.getGenerator(GENERATOR_NAME);
    const prompt = (generator.prompts as Array<{ name: string; validate: (v: string) => true | string }>).find(
      (p) => p.name === 'account',
    );
    assert.is(prompt?.validate('123456789012'), true);
    assert.match(String(prompt?.validate('12345')), 'must be a 12-digit AWS account ID');
    // answers that bypass the prompts are checked too: the actions are never built
    const outcome = await generator.runActions({ ...RAW, account: '12345' }).then(
      (r) => `${r.failures.length} failures`,
      (e: Error) => e.message,
    );
    assert.match(outcome, '--account: must be a 12-digit AWS account ID');
    assert.equal(readdirSync(root), []);
  }));

test("`npm run plop -- repo -- --answers…` writes the CLI's files and exits 0", () =>
  withTemp((root) => {
    const r = plopScript(root, bypass());
    assert.is(r.status, 0, r.stdout + r.stderr);
    assert.equal(readTree(join(root, NAME)), CLI_FILES);
  }));

test('`npm run plop` into existing files exits non-zero saying so, and changes nothing', () =>
  withTemp((root) => {
    assert.is(plopScript(root, bypass()).status, 0);
    writeFileSync(join(root, NAME, 'README.md'), 'edited by hand\n');
    const before = readTree(join(root, NAME));
    const r = plopScript(root, bypass());
    assert.is(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, 'File already exists');
    assert.equal(readTree(join(root, NAME)), before);
  }));

test('`npm run plop -- --help` exits 0 and names the repo generator', () =>
  withTemp((root) => {
    const r = plopScript(root, ['--help']);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, 'Usage:');
    assert.match(r.stdout, new RegExp(`^  ${GENERATOR_NAME}  ${GENERATOR_DESCRIPTION}$`, 'm'));
  }));

test.run();
