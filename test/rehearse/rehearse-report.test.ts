/**
 * What a rehearsal's report says it could not see: the inputs it made up because the repository lacks them
 * (a site folder), a repository UUID made up before the repository exists, and the tools it ran with
 * instead of the steps' images. A step that passed only with something made up says so, and fails with
 * --strict; `rehearse --help` says which pipelines run by default.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rehearseCli, runNew } from '../support/cli-helpers.ts';
import { CLI, ENVIRONMENT_UUIDS, exampleAnswerFlags, runCli, tempDir } from '../support/fixtures.ts';
import { hasTool } from '../support/tools.ts';

interface Step {
  name: string;
  environment?: string;
  ok: boolean;
  status: string;
  madeUpInputs: string[];
  image: { name: string | null; used: boolean; ranWith: string };
  output: string;
}
interface Report {
  ok: boolean;
  tools: { aws: string | null; images: string };
  madeUp: {
    repoUuid?: string;
    environmentUuids?: Record<string, string>;
    inputs: Array<{ input: string; path: string }>;
    notes: string[];
  };
  runs: Array<{ run: number; steps: Step[] }>;
}

const ready = () => hasTool('moto_server', "pip install 'moto[server]'") && hasTool('aws', 'pip install awscli');
const SITE = ['--target', 's3-static-site', '--site-bucket', 'www.example.com', '--site-dir', 'public'];
const DEPLOY = ['--pipeline', 'branches:main', '--runs', '1'];

/** A freshly generated static-site repository, as `new` leaves it: no site folder yet. */
function generate(extra: string[] = [], overrides: Record<string, string | undefined> = {}, site = SITE): string {
  const parent = tempDir().path;
  const dir = join(parent, 'repo');
  const r = runNew(
    [
      'site',
      ...exampleAnswerFlags({ iac: 'none', ...overrides }),
      ...site,
      ...extra,
      '--no-git',
      '--yes',
      '--dir',
      dir,
    ],
    parent,
  );
  assert.is(r.status, 0, r.stderr);
  return dir;
}

const rehearse = (dir: string, args: string[]) => rehearseCli(dir, args);

async function rehearseJson(dir: string, args: string[]): Promise<{ code: number; report: Report }> {
  const r = await rehearse(dir, ['--json', ...args]);
  assert.ok(r.stdout.startsWith('{'), `rehearse printed no report: ${r.stderr}`);
  return { code: r.code, report: JSON.parse(r.stdout) as Report };
}

const steps = (r: Report) => r.runs.flatMap((run) => run.steps);

test('rehearse: a site folder the repository lacks is made up, listed, and its step marked; --strict fails it', async () => {
  if (!ready()) return;
  const dir = generate();
  const { code, report } = await rehearseJson(dir, DEPLOY);
  const [step] = steps(report);
  assert.is(code, 0, step?.output);
  assert.equal(report.madeUp.inputs, [{ input: 'public', path: 'public/index.html' }]);
  assert.is(report.madeUp.repoUuid, undefined);
  assert.match(report.madeUp.notes.join('\n'), /^public \(a stand-in public\/index\.html\): not in the repository/m);
  assert.is(step!.status, 'passed with made-up inputs');
  assert.equal(step!.madeUpInputs, ['public']);

  const strict = await rehearseJson(dir, [...DEPLOY, '--strict']);
  assert.is(strict.code, 1);
  assert.is(strict.report.ok, false);
  assert.is(steps(strict.report)[0]!.status, 'failed (--strict): passed only with made-up inputs');

  const text = await rehearse(dir, DEPLOY);
  assert.match(text.stdout, /passed with made-up inputs: public/);
  assert.match(text.stdout, /Made up for this rehearsal, as the repository lacks it[^\n]*\n {2}- public /);
  assert.match(text.stdout, /1 step runs passed, 1 of them with made-up inputs/);
});

test('rehearse: with the site folder in the repository nothing is made up, and --strict passes', async () => {
  if (!ready()) return;
  const dir = generate();
  mkdirSync(join(dir, 'public'));
  writeFileSync(join(dir, 'public/about.html'), '<title>about</title>\n');
  const { code, report } = await rehearseJson(dir, [...DEPLOY, '--strict']);
  const [step] = steps(report);
  assert.is(code, 0, step?.output);
  assert.equal(report.madeUp.inputs, []);
  assert.is(step!.status, 'passed');
  assert.equal(step!.madeUpInputs, []);
});

test('rehearse: before the repository exists (no repository UUID) it rehearses with a made-up one and says so', async () => {
  if (!ready()) return;
  const dir = generate([], { repoUuid: undefined });
  mkdirSync(join(dir, 'public'));
  writeFileSync(join(dir, 'public/index.html'), '<title>home</title>\n');
  const { code, report } = await rehearseJson(dir, DEPLOY);
  const [step] = steps(report);
  assert.is(code, 0, step?.output);
  assert.match(report.madeUp.repoUuid ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.match(report.madeUp.notes[0]!, /^repository UUID \{[0-9a-f-]{36}\}: \.pipelines-oidc\.json has none/);
  assert.is(step!.status, 'passed with made-up inputs');
  assert.equal(step!.madeUpInputs, ['repository UUID']);
  const strict = await rehearse(dir, [...DEPLOY, '--strict']);
  assert.is(strict.code, 1);
  assert.match(strict.stdout, /- repository UUID \{[0-9a-f-]{36}\}/);
});

test('rehearse: before a deployment environment exists (no UUID) its steps rehearse with a made-up one and say so', async () => {
  if (!ready()) return;
  // staging is not created on Bitbucket yet; production is
  const environments = ['--environment', 'staging', '--environment', `production=${ENVIRONMENT_UUIDS.production}`];
  const buckets = ['--site-bucket.staging', 'staging.example.com', '--site-bucket.production', 'www.example.com'];
  const dir = generate(environments, {}, ['--target', 's3-static-site', '--site-dir', 'public', ...buckets]);
  mkdirSync(join(dir, 'public'));
  writeFileSync(join(dir, 'public/index.html'), '<title>home</title>\n');
  const { code, report } = await rehearseJson(dir, DEPLOY);
  const byEnvironment = new Map(steps(report).map((s) => [s.environment, s]));
  assert.is(
    code,
    0,
    steps(report)
      .map((s) => s.output)
      .join('\n'),
  );
  assert.equal(Object.keys(report.madeUp.environmentUuids ?? {}), ['staging']);
  assert.match(report.madeUp.notes[0]!, /^staging environment UUID \{[0-9a-f-]{36}\}: \.pipelines-oidc\.json has none/);
  assert.is(byEnvironment.get('staging')!.status, 'passed with made-up inputs');
  assert.equal(byEnvironment.get('staging')!.madeUpInputs, ['staging environment UUID']);
  assert.is(byEnvironment.get('production')!.status, 'passed');
  const strict = await rehearse(dir, [...DEPLOY, '--strict']);
  assert.is(strict.code, 1);
  assert.match(strict.stdout, /update --environment staging=<uuid>/);
});

test('rehearse: the report names the AWS CLI that ran and the step image it stood in for', async () => {
  if (!ready()) return;
  const dir = generate();
  const { report } = await rehearseJson(dir, DEPLOY);
  assert.match(report.tools.aws ?? '', /^aws-cli\/\d+\.\d+\.\d+$/);
  assert.match(report.tools.images, /^not used/);
  const [step] = steps(report);
  assert.match(step!.image.name ?? '', /^amazon\/aws-cli:/);
  assert.is(step!.image.used, false);
  assert.is(step!.image.ranWith, `ran with ${report.tools.aws} on this machine, not in its image ${step!.image.name}`);
  const text = await rehearse(dir, DEPLOY);
  assert.match(text.stdout, /ran with aws-cli\/\S+ on this machine, not in its image amazon\/aws-cli:/);
  assert.match(text.stdout, /Tools: aws-cli\/\S+ on this machine; no step image was used/);
});

test('rehearse --help: --pipeline says every pipeline runs by default', () => {
  const r = runCli(['rehearse', '--help']);
  assert.is(r.status, 0, r.stderr);
  const help = r.stdout.replace(/\s+/g, ' ');
  assert.match(help, /--pipeline \S+ only the oidc steps of this pipeline \(default: every pipeline with oidc steps\)/);
  assert.not.match(help, /handshake check/);
});

test('rehearse --endpoint: only plain HTTP to a port of this machine, each other URL exit 2 naming the flag', () => {
  const dir = generate();
  for (const url of [
    'https://127.0.0.1:5000',
    'http://10.0.0.1:5000',
    'http://127.0.0.1',
    'http://127.0.0.1:5000/prefix',
    'http://user:secret@127.0.0.1:5000',
    'http://127.0.0.1:5000/?x=1',
    'not a url',
  ]) {
    const r = runCli(['rehearse', dir, '--endpoint', url]);
    assert.is(r.status, 2, url);
    assert.match(r.stderr, '--endpoint: the URL of a local AWS emulator');
  }
});

test.run();
