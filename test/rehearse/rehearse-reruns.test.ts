/**
 * `rehearse` run twice for one commit, as a push to main without a version bump or a re-run does: the
 * registry keeps what run 1 published and refuses it again as CodeArtifact does, an immutable ECR tag
 * refuses a second image, and the generated release steps pass run 2 by saying they release nothing.
 * `npm ci` needs a lockfile, as real npm does.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse as parseYaml, stringify } from 'yaml';
import { rehearseCli, runNew } from '../support/cli-helpers.ts';
import { CLI, exampleAnswerFlags, tempDir } from '../support/fixtures.ts';
import { hasTool } from '../support/tools.ts';

const RELEASES = [
  '--target',
  'codeartifact-npm,codeartifact-pypi,ecr-push',
  '--codeartifact-domain',
  'acme',
  '--codeartifact-repository',
  'releases',
  '--npm-scope',
  'acme',
  '--npm-package',
  'widgets',
  '--pypi-package',
  'acme-widgets',
  '--ecr-repository',
  'acme/web',
];

interface Step {
  name: string;
  ok: boolean;
  output: string;
  calls: Array<{ action: string; allowed: boolean }>;
}
interface Report {
  ok: boolean;
  runs: Array<{ run: number; steps: Step[] }>;
}

const ready = () => hasTool('moto_server', "pip install 'moto[server]'") && hasTool('aws', 'pip install awscli');

function generate(targets: string[] = RELEASES): string {
  const parent = tempDir().path;
  const dir = join(parent, 'repo');
  const r = runNew(['released', ...exampleAnswerFlags(), '--no-git', '--yes', ...targets, '--dir', dir], parent);
  assert.is(r.status, 0, r.stderr);
  return dir;
}

async function rehearse(dir: string, args: string[]): Promise<Report> {
  const r = await rehearseCli(dir, ['--json', ...args]);
  if (!r.stdout.startsWith('{')) throw new Error(`no report: ${r.stderr}`);
  return JSON.parse(r.stdout) as Report;
}

const step = (report: Report, run: number, name: RegExp) => {
  const found = report.runs[run - 1]?.steps.find((s) => name.test(s.name));
  assert.ok(found, `run ${run} has a step ${name}`);
  return found!;
};
const actions = (s: Step) => s.calls.filter((c) => c.allowed).map((c) => c.action);

/** The pipeline with each release line as it was before the version lookups: publish and push unconditionally. */
function unguarded(dir: string): void {
  const file = join(dir, 'bitbucket-pipelines.yml');
  const text = readFileSync(file, 'utf8')
    .replace(/^(\s+- )'\[ "\$release" = no \] && echo .*\|\| (npm publish|twine upload[^']*)'$/gm, '$1$2')
    .replace(/^(\s+- )'\[ "\$pushed" != 0 \] && echo .*\|\| \{ (docker build .*); \}'$/gm, "$1'$2'");
  assert.match(text, /^\s+- npm publish$/m);
  assert.match(text, /^\s+- twine upload /m);
  assert.not.match(text, /"\$pushed" != 0/);
  writeFileSync(file, text);
}

test('rehearse twice without a version bump: run 2 releases nothing and says so, with the lookups as the only new calls', async () => {
  if (!ready()) return;
  const report = await rehearse(generate(), ['--runs', '2']);
  assert.ok(report.ok, JSON.stringify(report.runs.flatMap((r) => r.steps.filter((s) => !s.ok).map((s) => s.output))));
  const first = step(report, 1, /npm/);
  assert.ok(actions(first).includes('codeartifact:PublishPackageVersion'));
  for (const [name, line] of [
    [/npm/, /Version 1\.0\.0 is published already: nothing to release/],
    [/Python/, /Version 1\.0\.0 is published already: nothing to release/],
    [/ECR/, /The image of this commit is in ECR already: nothing to push/],
  ] as const) {
    const again = step(report, 2, name);
    assert.match(again.output, line);
    assert.not.ok(
      actions(again).some((a) => a === 'codeartifact:PublishPackageVersion' || a === 'ecr:PutImage'),
      `${again.name} run 2 publishes nothing: ${actions(again).join(', ')}`,
    );
  }
  assert.ok(actions(step(report, 2, /npm/)).includes('codeartifact:DescribePackageVersion'));
  assert.ok(actions(step(report, 2, /ECR/)).includes('ecr:BatchGetImage'));
});

test('rehearse twice: publishing the same npm and PyPI version again, or pushing the same immutable tag, fails run 2 as AWS refuses it', async () => {
  if (!ready()) return;
  const dir = generate();
  unguarded(dir);
  const report = await rehearse(dir, ['--runs', '2']);
  for (const name of [/npm/, /Python/, /ECR/]) assert.ok(step(report, 1, name).ok, step(report, 1, name).output);
  assert.not.ok(report.ok);
  const npm = step(report, 2, /npm/);
  assert.not.ok(npm.ok);
  assert.match(npm.output, /E409[\s\S]*You cannot publish over the previously published versions/);
  const pypi = step(report, 2, /Python/);
  assert.not.ok(pypi.ok);
  assert.match(pypi.output, /409[\s\S]*You cannot publish over the previously published versions/);
  const ecr = step(report, 2, /ECR/);
  assert.not.ok(ecr.ok);
  assert.match(ecr.output, /ImageTagAlreadyExistsException/);
});

test('rehearse twice: pushing the same git tag again fails run 2, as the remote refuses it', async () => {
  if (!ready()) return;
  const dir = generate([]);
  const file = join(dir, 'bitbucket-pipelines.yml');
  const doc = parseYaml(readFileSync(file, 'utf8')) as {
    pipelines: { custom: Record<string, Array<{ step: { script: string[] } }>> };
  };
  doc.pipelines.custom['test-aws-oidc']![0]!.step.script.push('git tag v1.0.0', 'git push origin v1.0.0');
  writeFileSync(file, stringify(doc));
  const report = await rehearse(dir, ['--runs', '2']);
  assert.ok(report.runs[0]!.steps[0]!.ok, report.runs[0]!.steps[0]!.output);
  assert.not.ok(report.runs[1]!.steps[0]!.ok);
  assert.match(report.runs[1]!.steps[0]!.output, /\[rejected\]\s+v1\.0\.0 -> v1\.0\.0 \(already exists\)/);
});

test('rehearse: npm ci in a repository with a package.json and no lockfile fails as npm does (EUSAGE)', async () => {
  if (!ready()) return;
  const dir = generate([
    ...['--target', 'codeartifact-npm', '--codeartifact-domain', 'acme', '--codeartifact-repository', 'releases'],
    ...['--npm-scope', 'acme', '--npm-package', 'widgets'],
  ]);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: '@acme/widgets', version: '2.0.0' })}\n`);
  const report = await rehearse(dir, ['--runs', '1']);
  assert.not.ok(report.ok);
  const npm = step(report, 1, /npm/);
  assert.match(npm.output, /EUSAGE[\s\S]*can only install with an existing package-lock\.json/);
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify({ name: '@acme/widgets', lockfileVersion: 3 })}\n`);
  const locked = await rehearse(dir, ['--runs', '1']);
  assert.ok(locked.ok, step(locked, 1, /npm/).output);
  assert.match(step(locked, 1, /npm/).output, /\+ @acme\/widgets@2\.0\.0/);
});

test.run();
