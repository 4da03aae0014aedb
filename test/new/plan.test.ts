/**
 * `new` and `update` as a plan and its application, called as functions: the plan holds every file and
 * what git would do and writes nothing; applying it writes exactly that. And the answers of `new`,
 * `update` and `workshop` are read in one place.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUILT_IN_TARGETS } from '../../src/core/targets/registry.ts';
import { applyNew, planNew, type NewOptions } from '../../src/commands/new.ts';
import { applyUpdate, planRepositoryUpdate, type UpdateOptions } from '../../src/commands/update.ts';
import { openRepository } from '../../src/io/repository.ts';
import { toolVersion } from '../../src/paths.ts';
import { readTree } from '../support/cli-helpers.ts';
import { answers, EXAMPLE, EXAMPLE_ANSWERS_FILE, renderRepo, ROOT, tempDir } from '../support/fixtures.ts';
import { sourceFiles } from '../support/source-scan.ts';

const flags = JSON.parse(readFileSync(EXAMPLE_ANSWERS_FILE, 'utf8')) as Record<string, string>;
const sorted = (files: Map<string, string>) => new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));

function newOptions(cwd: string, out: string[]): NewOptions {
  return {
    cwd,
    env: {},
    flags,
    gallery: BUILT_IN_TARGETS,
    dir: 'repo',
    git: false,
    pushTimeout: 120,
    dryRun: false,
    force: false,
    interactive: false,
    json: false,
    out: (text) => out.push(text),
  };
}

async function inTemp(body: (root: string) => Promise<void>): Promise<void> {
  const tmp = tempDir();
  try {
    await body(tmp.path);
  } finally {
    tmp.cleanup();
  }
}

test('planNew renders every file and says what git would do, writing and printing nothing; applyNew writes exactly that', () =>
  inTemp(async (root) => {
    const out: string[] = [];
    const plan = await planNew(newOptions(root, out));
    assert.equal(readdirSync(root), [], 'nothing written');
    assert.equal(out, [], 'nothing printed');
    const expected = renderRepo(EXAMPLE, toolVersion()).files;
    assert.equal(new Map(plan.files.map((f) => [f.path, f.content])), expected);
    assert.is(plan.dir, join(root, 'repo'));
    assert.is(plan.shownDir, 'repo');
    assert.equal([plan.git, plan.insideRepository, plan.existingRepository], [false, false, false]);

    const result = await applyNew(plan, { json: true, out: (text) => out.push(text) });
    assert.equal(readTree(join(root, 'repo')), sorted(expected));
    assert.equal([result.written, result.git], [true, 'skipped']);
    assert.equal(out, [], '--json: the caller prints the result');
  }));

test('planRepositoryUpdate decides every file, merges included, and writes nothing; applyUpdate writes it', () =>
  inTemp(async (root) => {
    await applyNew(await planNew(newOptions(root, [])), { json: true, out: () => undefined });
    const repo = join(root, 'repo');
    const before = readTree(repo);
    const out: string[] = [];
    const options: UpdateOptions = {
      cwd: root,
      repo: openRepository({ cwd: root, dir: 'repo' }),
      env: {},
      flags: { region: 'us-east-1' },
      diff: false,
      dryRun: false,
      force: false,
      interactive: false,
      json: false,
      out: (text) => out.push(text),
    };
    const plan = await planRepositoryUpdate(options);
    assert.equal(readTree(repo), before, 'nothing written');
    assert.equal(out, [], 'nothing printed');
    assert.ok(plan.changes.some((c) => c.path === 'terraform/terraform.tfvars' && c.outcome === 'update'));

    const result = await applyUpdate(plan, options);
    assert.is(result.written, true);
    assert.equal(readTree(repo), sorted(renderRepo(answers({ region: 'us-east-1' }), toolVersion()).files));
    assert.match(out.join(''), `Changed ${result.changes.length} files in ${repo}`);
  }));

test('the answers are read in one place: no other command module resolves them or opens --answers', () => {
  const readers =
    /\b(resolveAnswers|askAnswers|answersFromFile|checkTargetFlags|readAnswersFile)\(|values\['answers'\]/;
  const commands = join(ROOT, 'src/commands');
  const found = sourceFiles(commands)
    .filter((f) => readers.test(readFileSync(f, 'utf8')))
    .map((f) => relative(commands, f));
  // the command lines hand the path of --answers to readAnswersFile; answers-file.ts holds the rest
  assert.equal(found.sort(), ['answers-file.ts', 'new-cli.ts', 'workshop-cli.ts']);
  for (const cli of ['new-cli.ts', 'workshop-cli.ts']) {
    const text = readFileSync(join(commands, cli), 'utf8');
    assert.not.match(text, /\b(resolveAnswers|askAnswers|answersFromFile|checkTargetFlags)\(/, cli);
  }
});

test.run();
