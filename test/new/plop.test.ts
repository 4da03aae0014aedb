/** plop runs the same generator as `pipelines-oidc new`: same files, byte for byte, and it fails the same way. */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodePlop from 'node-plop';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  GENERATOR_DESCRIPTION,
  GENERATOR_NAME,
  TARGET_ANSWERS,
  TARGET_ANSWERS_PROMPT,
  targetAnswersPrompt,
} from '../../src/generator.ts';
import { readTree, runNew } from '../support/cli-helpers.ts';
import { EXAMPLE_ANSWERS_FILE, ROOT, tempDir } from '../support/fixtures.ts';

const PLOPFILE = join(ROOT, 'plopfile.ts');
/** The built generators, the plopfile's body: what node-plop loads here (the plopfile needs a TypeScript loader). */
const GENERATORS = join(ROOT, 'dist/generator.js');
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
  const plop = await nodePlop(GENERATORS, { destBasePath: ROOT, force: false });
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
    [...Object.keys(RAW), 'environments', TARGET_ANSWERS].sort(),
    "one prompt per answer, and one for the chosen targets' questions",
  );
});

/**
 * The targets' prompt with plop's `input` prompt replaced by a script of answers by message, each tried in
 * turn until the prompt's own validation takes it: what it asked, and what validation said.
 */
async function askTargets(earlier: Record<string, unknown>, script: Record<string, string[]>) {
  const asked: string[] = [];
  const refusals: string[] = [];
  class ScriptedInput {
    constructor(readonly q: { message: string; default?: string; validate: (raw: string) => true | string }) {}
    async run() {
      asked.push(this.q.message);
      for (const typed of script[this.q.message] ?? []) {
        const answer = typed === '' ? (this.q.default ?? '') : typed;
        const verdict = this.q.validate(answer);
        if (verdict === true) return answer;
        refusals.push(verdict);
      }
      throw new Error(`no accepted answer for "${this.q.message}"`);
    }
  }
  const TargetAnswers = targetAnswersPrompt(ScriptedInput as never);
  const answers = await new TargetAnswers({}, undefined, earlier).run();
  return { asked, refusals, answers };
}

const TWO_STAGES = { ...RAW, target: ['sts-check', 's3-static-site'], environments: 'test,production' };
const SITE_PROMPTS = {
  'S3 bucket that holds the site (test environment)': ['Not_A_Bucket', 'test-site'],
  'S3 bucket that holds the site (production environment)': ['prod-site'],
  'Folder of the repository to publish (built files, if a build step before this one creates them)': [''],
  'ID of the CloudFront distribution serving the bucket (leave empty without CloudFront) (test environment) (optional)':
    [''],
  'ID of the CloudFront distribution serving the bucket (leave empty without CloudFront) (production environment) (optional)':
    ['E2QWRUHAPOMQZL'],
  "ARN of the customer managed KMS key of the bucket's default encryption (SSE-KMS); leave empty for SSE-S3 or the AWS managed key (test environment) (optional)":
    [''],
  "ARN of the customer managed KMS key of the bucket's default encryption (SSE-KMS); leave empty for SSE-S3 or the AWS managed key (production environment) (optional)":
    [''],
};
const SITE_ANSWERS = {
  'siteBucket.test': 'test-site',
  'siteBucket.production': 'prod-site',
  siteDir: 'public',
  'distributionId.test': '',
  'distributionId.production': 'E2QWRUHAPOMQZL',
  'siteKmsKey.test': '',
  'siteKmsKey.production': '',
};
/** What `new` writes for the same answers given as flags. */
function cliSiteFiles(): Map<string, string> {
  const tmp = tempDir();
  try {
    const flags = ['--target', 'sts-check,s3-static-site', '--environment', 'test,production'];
    const siteFlags = ['--site-bucket.test', 'test-site', '--site-bucket.production', 'prod-site'];
    const cdn = ['--distribution-id.production', 'E2QWRUHAPOMQZL'];
    const r = runNew(
      ['--answers', EXAMPLE_ANSWERS_FILE, ...flags, ...siteFlags, ...cdn, '--dir', 'out', '--no-git'],
      tmp.path,
    );
    assert.is(r.status, 0, r.stderr);
    return readTree(join(tmp.path, 'out'));
  } finally {
    tmp.cleanup();
  }
}

test("the plopfile registers the prompt that asks the chosen targets' questions", async () => {
  const plop = await nodePlop(GENERATORS, { destBasePath: ROOT, force: false });
  const last = (plop.getGenerator(GENERATOR_NAME).prompts as Array<{ name: string; type: string }>).at(-1);
  assert.equal([last?.type, last?.name], [TARGET_ANSWERS_PROMPT, TARGET_ANSWERS]);
  // node-plop passes its inquirer through, untyped: the prompt type is registered there
  const { inquirer } = plop as unknown as { inquirer: { prompt: { prompts: Record<string, unknown> } } };
  assert.ok(inquirer.prompt.prompts[TARGET_ANSWERS_PROMPT]);
});

test('no target question is asked when no chosen target has one', async () => {
  const { asked, answers } = await askTargets({ ...RAW, target: ['sts-check'], environments: 'test,production' }, {});
  assert.equal(asked, []);
  assert.equal(answers, {});
});

test('with two environments, a per-environment question is asked for each, with the same rule, and the answers reach the files', () =>
  withTemp(async (root) => {
    const { asked, refusals, answers } = await askTargets(TWO_STAGES, SITE_PROMPTS);
    assert.equal(asked, Object.keys(SITE_PROMPTS));
    assert.equal(refusals, [
      'S3 bucket that holds the site (test environment) must match ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ (S3 bucket that holds the site; e.g. www.example.com)',
    ]);
    assert.equal(answers, SITE_ANSWERS);
    const plop = await nodePlop(GENERATORS, { destBasePath: root, force: false });
    const { failures } = await plop
      .getGenerator(GENERATOR_NAME)
      .runActions({ ...TWO_STAGES, [TARGET_ANSWERS]: answers });
    assert.equal(failures, []);
    assert.equal(readTree(join(root, NAME)), cliSiteFiles());
  }));

test("an error of the answers together names plop's prompts, not flags", async () => {
  const outcome = await askTargets({ ...RAW, roleName: 'r'.repeat(60), environments: 'test,production' }, {}).then(
    () => 'asked',
    (e: Error) => e.message,
  );
  assert.match(outcome, /^roleName: with environments production the role name r+-production is 71 characters/);
  assert.match(outcome, 'choose a roleName of at most 53 characters');
  assert.not.match(outcome, '--');
});

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
    const plop = await nodePlop(GENERATORS, { destBasePath: root, force: false });
    const { changes, failures } = await plop.getGenerator(GENERATOR_NAME).runActions({ ...RAW });
    assert.equal(failures, []);
    assert.is(changes.length, CLI_FILES.size);
    assert.equal(readTree(join(root, NAME)), CLI_FILES);
  }));

test('node-plop into a folder where the files exist reports failures and changes nothing', () =>
  withTemp(async (root) => {
    const plop = await nodePlop(GENERATORS, { destBasePath: root, force: false });
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
    const plop = await nodePlop(GENERATORS, { destBasePath: root, force: false });
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
    assert.match(outcome, 'account: must be a 12-digit AWS account ID');
    assert.not.match(outcome, '--account');
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

/**
 * `npm run plop -- repo -- <answers>` in `cwd`, answering the remaining prompts as they appear, in `script`'s
 * order (a message, then what is typed). A prompt out of turn ends plop.
 */
function plopConversation(cwd: string, args: string[], script: Array<[string, string]>) {
  // its own process group, so that plop (a child of the script) ends with it
  const child = spawn(process.execPath, [PLOP_SCRIPT, ...args], {
    cwd,
    detached: true,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
  });
  const asked: string[] = [];
  let output = '';
  let screen = '';
  child.stderr.on('data', (d: Buffer) => (output += d));
  child.stdout.on('data', (d: Buffer) => {
    output += d;
    screen += d;
    // inquirer redraws its prompt (`? <message> <typed>`) on every key, wrapped at 80 columns, each time in
    // one write (a pipe never splits one that small): the last is showing
    const prompts = screen.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').split('? ');
    if (prompts.length < 2) return;
    const showing = prompts.at(-1)!.replace(/\s+/g, ' ');
    const next = script[asked.length];
    if (asked.length && showing.startsWith(asked.at(-1)!)) return;
    if (next && showing.startsWith(next[0])) {
      asked.push(next[0]);
      child.stdin.write(`${next[1]}\n`);
    } else if (/^\S/.test(showing) && !asked.at(-1)?.startsWith('out of turn')) {
      asked.push(`out of turn: ${showing}`);
      process.kill(-child.pid!);
    }
  });
  return new Promise<{ status: number | null; asked: string[]; output: string }>((done) =>
    child.on('close', (status) => done({ status, asked, output })),
  );
}

test("`npm run plop` with two environments asks for each one's site bucket and writes the CLI's files", () =>
  withTemp(async (root) => {
    const base = { ...RAW, target: 'sts-check,s3-static-site', environments: 'test,production' };
    const args = [GENERATOR_NAME, '--', ...Object.entries(base).flatMap(([k, v]) => [`--${k}`, v])];
    const script = Object.entries(SITE_PROMPTS).map(([message, typed]): [string, string] => [message, typed.at(-1)!]);
    const r = await plopConversation(root, args, script);
    assert.equal(r.asked, Object.keys(SITE_PROMPTS), r.output);
    assert.is(r.status, 0, r.output);
    assert.equal(readTree(join(root, NAME)), cliSiteFiles());
  }));

test('`npm run plop -- --help` exits 0 and names the repo generator', () =>
  withTemp((root) => {
    const r = plopScript(root, ['--help']);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, 'Usage:');
    assert.match(r.stdout, new RegExp(`^  ${GENERATOR_NAME}  ${GENERATOR_DESCRIPTION}$`, 'm'));
  }));

test.run();
