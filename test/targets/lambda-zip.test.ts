/**
 * What `lambda-deploy` ships as the function's code: the step's own zip lines, run with bash in a generated
 * repository that also holds code, Terraform state and git, and the archive listed with unzip.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { generatedRepository } from '../support/cli-helpers.ts';
import { runCli } from '../support/fixtures.ts';
import { hasTool } from '../support/tools.ts';

const LAMBDA = ['--target', 'lambda-deploy', '--function-name', 'acme-api'];
const ready = () => hasTool('zip', 'apt-get install zip') && hasTool('unzip', 'apt-get install unzip');

/** The deploy step's lines up to and including the zip (those that build the package). */
function zipLines(dir: string): string[] {
  const pipeline = parse(readFileSync(join(dir, 'bitbucket-pipelines.yml'), 'utf8')) as {
    pipelines: { branches: Record<string, Array<{ step: { name: string; script: string[] } }>> };
  };
  const step = Object.values(pipeline.pipelines.branches)
    .flat()
    .find((s) => s.step.name === 'Deploy the Lambda function')!.step;
  const from = step.script.findIndex((l) => l.startsWith('package='));
  const to = step.script.findIndex((l) => l.includes('zip -q -r'));
  assert.ok(from >= 0 && to > from, step.script.join('\n'));
  return step.script.slice(from, to + 1);
}

/** The repository with code beside the generated files, state and git, as a user's would be. */
function withCodeAndState(dir: string): void {
  mkdirSync(join(dir, 'src/iam'), { recursive: true });
  writeFileSync(join(dir, 'src/index.py'), 'def handler(event, context):\n    return event\n');
  // the function's own folder named like ours: it is code, and stays
  writeFileSync(join(dir, 'src/iam/roles.py'), 'ROLES = []\n');
  writeFileSync(join(dir, 'handler.py'), 'def handler(event, context):\n    return event\n');
  writeFileSync(join(dir, 'terraform/terraform.tfstate'), '{"secrets": "account details"}\n');
  writeFileSync(join(dir, 'local.tfstate'), '{}\n');
  mkdirSync(join(dir, '.git'));
  writeFileSync(join(dir, '.git/config'), '[core]\n');
}

/** The zip lines run as the step runs them (bash, in the repository), and the archive's entries. */
function zipped(dir: string): string[] {
  const r = spawnSync('bash', ['-e', '-c', `${zipLines(dir).join('\n')}\nunzip -Z1 "$package"`], {
    cwd: dir,
    encoding: 'utf8',
  });
  assert.is(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').sort();
}

test('by default the function is the src folder: its contents, and nothing of the repository around it', () => {
  if (!ready()) return;
  const dir = generatedRepository('lam', LAMBDA);
  withCodeAndState(dir);
  assert.equal(zipped(dir), ['iam/', 'iam/roles.py', 'index.py']);
});

test('--function-dir . zips the repository less its pipeline, IAM side, state, git and our files', () => {
  if (!ready()) return;
  const dir = generatedRepository('lam', [...LAMBDA, '--function-dir', '.']);
  withCodeAndState(dir);
  assert.equal(zipped(dir), ['handler.py', 'src/', 'src/iam/', 'src/iam/roles.py', 'src/index.py']);
});

test('a repository whose manifest holds . from before: update keeps . and writes the zip that leaves ours out', () => {
  if (!ready()) return;
  const dir = generatedRepository('lam', [...LAMBDA, '--function-dir', '.']);
  // the pipeline as it was generated before, recorded in the manifest as ours (untouched by the user)
  const pipelineFile = join(dir, 'bitbucket-pipelines.yml');
  const before = readFileSync(pipelineFile, 'utf8').replace(
    /- repository=.*\n(\s+)- .*zip -q -r.*\n/,
    `- (cd . && zip -q -r "$package" . -x '.git/*')\n`,
  );
  assert.match(before, `(cd . && zip -q -r "$package" . -x '.git/*')`);
  writeFileSync(pipelineFile, before);
  const manifestFile = join(dir, '.pipelines-oidc.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
    answers: { targetAnswers: Record<string, string> };
    files: Record<string, string>;
  };
  assert.is(manifest.answers.targetAnswers['functionDir'], '.');
  manifest.files['bitbucket-pipelines.yml'] = createHash('sha256').update(before).digest('hex');
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  withCodeAndState(dir);
  assert.ok(zipped(dir).includes('bitbucket-pipelines.yml'), 'the old zip shipped the pipeline');

  const r = runCli(['update', '--dir', dir, '--yes'], { cwd: dir });
  assert.is(r.status, 0, r.stderr);
  const after = JSON.parse(readFileSync(manifestFile, 'utf8')) as typeof manifest;
  assert.is(after.answers.targetAnswers['functionDir'], '.');
  assert.equal(zipped(dir), ['handler.py', 'src/', 'src/iam/', 'src/iam/roles.py', 'src/index.py']);
});

test.run();
