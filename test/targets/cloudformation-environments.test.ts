/**
 * `cloudformation-deploy` with deployment environments: each environment deploys its own template
 * (`--template-file.<environment>`), one `--template-file` still serves them all, a manifest from before
 * keeps its one template, and a rehearsal makes up each environment's missing template as its own input.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { parseManifest } from '../../src/core/repo/manifest.ts';
import { buildRepoModel } from '../../src/core/repo/model.ts';
import { stepInputs } from '../../src/core/repo/step-inputs.ts';
import { runNew } from '../support/cli-helpers.ts';
import { CLI, exampleAnswerFlags, TEST_AND_PRODUCTION, tempDir } from '../support/fixtures.ts';
import { hasTool } from '../support/tools.ts';

const STACKS = [
  ...['--target', 'cloudformation-deploy', '--stack-name.test', 'web-test', '--stack-name.production', 'web'],
  ...['--service-role-name.test', 'web-test-cfn', '--service-role-name.production', 'web-cfn'],
  ...TEST_AND_PRODUCTION,
];
const tmp = tempDir();

function generate(name: string, flags: string[]): string {
  const dir = join(tmp.path, name);
  const r = runNew([name, ...exampleAnswerFlags(), '--no-git', '--yes', ...STACKS, ...flags, '--dir', dir], tmp.path);
  assert.is(r.status, 0, r.stderr);
  return dir;
}

/** Each deployment step's environment and the template its deploy command names. */
function templatesDeployed(dir: string): Record<string, string> {
  const pipeline = parse(readFileSync(join(dir, 'bitbucket-pipelines.yml'), 'utf8')) as {
    pipelines: { branches: Record<string, Array<{ step: { deployment?: string; script: string[] } }>> };
  };
  return Object.fromEntries(
    Object.values(pipeline.pipelines.branches)
      .flat()
      .flatMap(({ step }) =>
        step.script
          .map((l) => / --template-file (\S+)/.exec(l)?.[1])
          .filter((t) => t !== undefined)
          .map((t) => [step.deployment!, t]),
      ),
  );
}

test('each environment deploys the template given for it', () => {
  const dir = generate('own', ['--template-file.test', 'stacks/test.yaml', '--template-file.production', 'prod.yaml']);
  assert.equal(templatesDeployed(dir), { test: 'stacks/test.yaml', production: 'prod.yaml' });
  assert.match(readFileSync(join(dir, 'README.md'), 'utf8'), '`template-file.production`: `prod.yaml`');
});

test('one --template-file serves every environment; an environment given its own keeps it', () => {
  assert.equal(templatesDeployed(generate('shared', ['--template-file', 'stack.yaml'])), {
    test: 'stack.yaml',
    production: 'stack.yaml',
  });
  assert.equal(
    templatesDeployed(generate('mixed', ['--template-file', 'stack.yaml', '--template-file.production', 'prod.yaml'])),
    {
      test: 'stack.yaml',
      production: 'prod.yaml',
    },
  );
});

test('a manifest from before, with one template for its environments, keeps deploying it in each', () => {
  const dir = generate('earlier', []);
  const text = readFileSync(join(dir, '.pipelines-oidc.json'), 'utf8');
  const current = JSON.parse(text) as { answers: { targetAnswers: Record<string, string> } };
  assert.is(current.answers.targetAnswers['templateFile.test'], 'template.yaml');
  const { 'templateFile.test': _, 'templateFile.production': __, ...rest } = current.answers.targetAnswers;
  const before = {
    ...current,
    answers: { ...current.answers, targetAnswers: { ...rest, templateFile: 'stack.yaml' } },
  };
  const migrated = parseManifest(JSON.stringify(before), '.pipelines-oidc.json');
  assert.is(migrated.answers.targetAnswers['templateFile.test'], 'stack.yaml');
  assert.is(migrated.answers.targetAnswers['templateFile.production'], 'stack.yaml');
  const inputs = stepInputs(buildRepoModel(migrated.answers)).map((i) => [i.environment, i.input]);
  assert.equal(inputs, [
    ['test', 'stack.yaml'],
    ['production', 'stack.yaml'],
  ]);
});

test("a rehearsal makes up each environment's missing template as its own input, and only that one", () => {
  if (!hasTool('moto_server', "pip install 'moto[server]'")) return;
  const dir = generate('rehearsed', ['--template-file.test', 'test.yaml', '--template-file.production', 'prod.yaml']);
  writeFileSync(
    join(dir, 'prod.yaml'),
    "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n",
  );
  const r = spawnSync(process.execPath, [CLI, 'rehearse', dir, '--json', '--runs', '1'], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
  });
  const report = JSON.parse(r.stdout) as {
    ok: boolean;
    madeUp: { inputs: Array<{ input: string }> };
    runs: Array<{ steps: Array<{ environment: string; status: string; madeUpInputs: string[] }> }>;
  };
  assert.ok(report.ok, r.stdout + r.stderr);
  assert.equal(
    report.madeUp.inputs.map((i) => i.input),
    ['test.yaml'],
  );
  assert.equal(
    report.runs[0]!.steps.map((s) => [s.environment, s.status, s.madeUpInputs]),
    [
      ['test', 'passed with made-up inputs', ['test.yaml']],
      ['production', 'passed', []],
    ],
  );
});

test.after(() => tmp.cleanup());
test.run();
