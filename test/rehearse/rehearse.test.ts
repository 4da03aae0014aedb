/**
 * `pipelines-oidc rehearse`: generated repositories' steps run with bash, the real AWS CLI and moto_server,
 * every call authorized against the role's inline policy. Proves each target's permissions are enough
 * (every target alone and all together, twice: first deploy and redeploy) and no more than needed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse as parseYaml } from 'yaml';
import { CLI_PERMISSIONS, cliPermissionsOf } from '../../src/core/check/cli-permissions.ts';
import { authorize } from '../../src/core/rehearse/authorize.ts';
import { BUILT_IN_TARGETS } from '../../src/core/targets/registry.ts';
import { rehearseCli, runNew } from '../support/cli-helpers.ts';
import { CLI, exampleAnswerFlags, TEST_AND_PRODUCTION, tempDir } from '../support/fixtures.ts';
import { hasTool } from '../support/tools.ts';
import { mapPool } from '../../src/io/pool.ts';

const MOTO = "pip install 'moto[server]'";
const BASE = [...exampleAnswerFlags({ iac: 'both' }), '--no-git', '--yes'];

interface Call {
  action: string;
  resource: string;
  allowed: boolean;
  context?: Record<string, string>;
}
interface Report {
  ok: boolean;
  runs: Array<{ run: number; steps: Array<{ name: string; ok: boolean; calls: Call[]; output: string }> }>;
}

/** An environment's own value of a per-environment question: the example marked with the environment. */
function inEnvironment(q: { example: string; pattern: string }, environment: string): string {
  const marked = [
    `${environment}-${q.example}`,
    `${environment.slice(0, 4).toUpperCase()}${q.example.slice(4)}`,
    // an ARN or ID ending in hex digits (a KMS key): the environment's name in hex at its end
    `${q.example.slice(0, -4)}${Buffer.from(environment).toString('hex').slice(0, 4)}`,
  ];
  const value = marked.find((v) => new RegExp(q.pattern).test(v));
  if (value === undefined) throw new Error(`no ${environment} value for ${q.example}`);
  return value;
}

/**
 * Every answer of the targets, optional ones included: the conditional statements are rehearsed too.
 * With several environments a per-environment resource is answered once per environment, each its own.
 */
function answerFlags(ids: string[], environments: string[] = []): string[] {
  const seen = new Set<string>();
  return BUILT_IN_TARGETS.filter((t) => ids.includes(t.id)).flatMap((t) =>
    t.questions
      // ecs-deploy deploys the image ecr-push pushed with this commit: alone, there is none
      .filter((q) => q.name !== 'ecrRepository' || ids.includes('ecr-push'))
      .filter((q) => !seen.has(q.flag) && seen.add(q.flag))
      .flatMap((q) =>
        q.perEnvironment && environments.length > 1
          ? environments.flatMap((e) => [`--${q.flag}.${e}`, inEnvironment(q, e)])
          : [`--${q.flag}`, q.example],
      ),
  );
}

function generate(ids: string[], extra: string[] = []): string {
  const parent = tempDir().path;
  const r = runNew(
    [
      'rehearsed',
      ...BASE,
      '--target',
      ids.join(','),
      ...answerFlags(
        ids,
        extra.flatMap((a, i) => (extra[i - 1] === '--environment' ? [a.split('=')[0]!] : [])),
      ),
      ...extra,
      '--dir',
      join(parent, 'repo'),
    ],
    parent,
  );
  assert.is(r.status, 0, r.stderr);
  return join(parent, 'repo');
}

const rehearse = (dir: string, args: string[] = [], env: Record<string, string> = {}) => rehearseCli(dir, args, env);

async function rehearseJson(dir: string, args: string[] = []): Promise<Report> {
  const r = await rehearse(dir, ['--json', ...args]);
  assert.ok(r.stdout.startsWith('{'), `rehearse printed no report: ${r.stderr}`);
  return JSON.parse(r.stdout) as Report;
}

function failures(report: Report): string {
  return report.runs
    .flatMap((r) =>
      r.steps
        .filter((s) => !s.ok)
        .map(
          (s) =>
            `run ${r.run}, ${s.name}:\n${s.output.split('\n').slice(-12).join('\n')}\n${s.calls
              .filter((c) => !c.allowed)
              .map((c) => `denied ${c.action} on ${c.resource}`)
              .join('\n')}`,
        ),
    )
    .join('\n\n');
}

const calls = new Map<string, Report>();
let pipelineDir = '';

/** Every step of a pipeline file by name, with its script. */
function scriptsByName(doc: unknown): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o['name'] === 'string' && Array.isArray(o['script'])) found.set(o['name'], o['script'] as string[]);
      Object.values(o).forEach(walk);
    }
  };
  walk(doc);
  return found;
}

test('rehearse: the example repository passes twice (moto started and stopped by rehearse), each call with its action', async () => {
  if (!hasTool('moto_server', MOTO) || !hasTool('aws', 'pip install awscli')) return;
  const r = await rehearse('examples/phub-oidc-check');
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /✔ Check the AWS OIDC role \(run 2, custom:test-aws-oidc\)/);
  assert.match(r.stdout, /allow iam:GetRole arn:aws:iam::123456789012:role\/bitbucket-pipeline-oidc-role/);
  assert.match(r.stdout, /✔ 2 step runs passed/);
});

test('rehearse: all targets together in test and production with assume-role pass on the first deploy and the redeploy, each environment with its own role and resources', async () => {
  if (!hasTool('moto_server', MOTO)) return;
  const dir = generate(
    BUILT_IN_TARGETS.map((t) => t.id),
    [...TEST_AND_PRODUCTION, '--auth', 'assume-role'],
  );
  const report = await rehearseJson(dir);
  assert.ok(report.ok, failures(report));
  assert.is(report.runs.length, 2);
  for (const run of report.runs) {
    const names = run.steps.map((s) => s.name);
    for (const t of BUILT_IN_TARGETS) {
      const production = names.indexOf(`${t.step.name} (production)`);
      const test = names.indexOf(`${t.step.name} (test)`);
      // a build is built once, in the first stage, before any deployment
      if (t.build) {
        assert.is(production, -1, `${t.id} is built in test only`);
        assert.ok(test >= 0, `${t.id} runs in test: ${names.join(', ')}`);
        continue;
      }
      assert.ok(production >= 0, `${t.id} runs in production (run ${run.run}): ${names.join(', ')}`);
      // a release is published once, from the last stage; a deployment goes to test first
      if (t.release) assert.is(test, -1, `${t.id} is released from production only`);
      else assert.ok(test >= 0 && test < production, `${t.id} runs in test before production: ${names.join(', ')}`);
    }
  }
  // each environment's steps sign in as its own role and touch its own resources, never the other's
  const perEnvironment = BUILT_IN_TARGETS.flatMap((t) => t.questions.filter((q) => q.perEnvironment));
  for (const step of report.runs[1]!.steps) {
    const environment = /\((test|production)\)$/.exec(step.name)![1]!;
    const other = environment === 'test' ? 'production' : 'test';
    assert.match(step.output, `assumed-role/bitbucket-rehearsed-${environment}/`, step.name);
    const touched = step.calls.map((c) => c.resource).join('\n');
    for (const name of [`role/bitbucket-rehearsed-${other}`, ...perEnvironment.map((q) => inEnvironment(q, other))])
      assert.not.ok(touched.includes(name), `${step.name} touched ${name}:\n${touched}`);
  }
  calls.set('environments', report);
});

test('rehearse: all targets together without environments, token file, pass twice', async () => {
  if (!hasTool('moto_server', MOTO)) return;
  const dir = generate(BUILT_IN_TARGETS.map((t) => t.id));
  const report = await rehearseJson(dir);
  assert.ok(report.ok, failures(report));
  calls.set('pipeline', report);
  pipelineDir = dir;
});

test('rehearse: every target alone passes twice', async () => {
  if (!hasTool('moto_server', MOTO)) return;
  const alone = BUILT_IN_TARGETS.filter((t) => t.id !== 'sts-check');
  // two at a time: much of a rehearsal is waiting (moto, the CLI's waiters)
  const results = await mapPool(alone, 2, async (target) => {
    const pipeline = `${target.pipeline.trigger === 'custom' ? 'custom' : 'branches'}:${target.pipeline.name}`;
    return { target, report: await rehearseJson(generate([target.id]), ['--pipeline', pipeline]) };
  });
  for (const { target, report } of results) {
    assert.ok(report.ok, `${target.id}:\n${failures(report)}`);
    assert.ok(
      report.runs.every((r) => r.steps.length === 1 && r.steps[0]!.calls.length > 2),
      target.id,
    );
  }
});

test('rehearse: minimal — without any one action of a target, some recorded call of the rehearsals is denied', () => {
  const report = calls.get('pipeline');
  if (!report) return;
  const recorded = report.runs
    .flatMap((r) => r.steps.flatMap((s) => s.calls))
    .filter((c) => c.allowed && c.action !== 'sts:AssumeRoleWithWebIdentity' && c.action !== 'sts:GetCallerIdentity');
  const dir = generate(BUILT_IN_TARGETS.map((t) => t.id));
  const policy = JSON.parse(readFileSync(join(dir, 'iam/inline-policy.json'), 'utf8')) as {
    Statement: Array<{ Sid: string; Action: string | string[] }>;
  };
  const unneeded: string[] = [];
  for (const statement of policy.Statement) {
    for (const action of [statement.Action].flat()) {
      const without = {
        ...policy,
        Statement: policy.Statement.map((s) =>
          s === statement ? { ...s, Action: [s.Action].flat().filter((a) => a !== action) } : s,
        ).filter((s) => [s.Action].flat().length),
      };
      const needed = recorded.some(
        (c) =>
          c.action === action &&
          !authorize([without], { action: c.action, resource: c.resource, context: c.context ?? {} }).allowed,
      );
      const conditional = BUILT_IN_TARGETS.some((t) => t.rehearsal?.conditional?.[action]);
      if (!needed && !conditional) unneeded.push(`${statement.Sid}: ${action}`);
    }
  }
  assert.equal(unneeded, [], 'actions no rehearsal needs');
});

test("rehearse proves check's table: each AWS CLI command a step runs calls the actions the table lists, and every entry is used", () => {
  const report = calls.get('pipeline');
  if (!report) return;
  const scripts = scriptsByName(parseYaml(readFileSync(join(pipelineDir, 'bitbucket-pipelines.yml'), 'utf8')));
  const used = new Set<string>();
  for (const name of scripts.keys()) {
    const called = new Set(
      report.runs.flatMap((r) =>
        r.steps.filter((s) => s.name === name).flatMap((s) => s.calls.filter((c) => c.allowed).map((c) => c.action)),
      ),
    );
    for (const entry of scripts.get(name)!.flatMap(cliPermissionsOf)) {
      used.add(entry.command);
      assert.equal(
        entry.actions.filter((a) => !called.has(a)),
        [],
        `${name}: ${entry.command} lists actions the rehearsals never saw it call`,
      );
    }
  }
  assert.equal(
    [...used].sort(),
    CLI_PERMISSIONS.map((e) => `aws ${e.command}`).sort(),
    'every entry is proven by a step',
  );
});

test('rehearse: an action missing from the inline policy fails the step that calls it, naming action, resource and the missing statement', async () => {
  if (!hasTool('moto_server', MOTO)) return;
  const dir = generate(['cloudformation-deploy']);
  const file = join(dir, 'iam/inline-policy.json');
  const policy = JSON.parse(readFileSync(file, 'utf8')) as { Statement: Array<{ Action: string | string[] }> };
  for (const s of policy.Statement)
    s.Action = [s.Action].flat().filter((a) => a !== 'cloudformation:GetTemplateSummary');
  writeFileSync(file, JSON.stringify(policy, null, 2));
  const r = await rehearse(dir, ['--pipeline', 'branches:main']);
  assert.is(r.code, 1, r.stdout + r.stderr);
  // the first deploy creates the stack and passes (with the template made up: the repository has none);
  // the redeploy summarises the existing stack first
  assert.match(r.stdout, /! Deploy the CloudFormation stack \(run 1/);
  assert.match(r.stdout, /✖ Deploy the CloudFormation stack \(run 2/);
  assert.match(
    r.stdout,
    /deny  cloudformation:GetTemplateSummary arn:aws:cloudformation:eu-west-1:123456789012:stack\/acme-web\/\*/,
  );
  assert.match(r.stdout, /missing statement: \{"Effect":"Allow","Action":"cloudformation:GetTemplateSummary"/);
});

test('rehearse: a token the trust policy refuses is denied as STS denies it, with the failing condition', async () => {
  if (!hasTool('moto_server', MOTO)) return;
  const dir = generate(['sts-check']);
  const file = join(dir, 'iam/trust-policy.json');
  writeFileSync(
    file,
    readFileSync(file, 'utf8').replace('0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d', '99999999-4f50-4a6b-8c7d-9e0f1a2b3c4d'),
  );
  const report = await rehearseJson(dir, ['--runs', '1']);
  assert.is(report.ok, false);
  const step = report.runs[0]!.steps[0]!;
  assert.match(step.output, /AccessDenied/);
  const call = step.calls.find((c) => c.action === 'sts:AssumeRoleWithWebIdentity') as Call & { reason: string };
  assert.is(call.allowed, false);
  assert.match(call.reason, /sub/);
});

test('rehearse: without moto_server it exits 2 naming the install command', () => {
  const r = spawnSync(process.execPath, [CLI, 'rehearse', 'examples/phub-oidc-check'], {
    encoding: 'utf8',
    env: { ...process.env, PATH: '/nonexistent' },
  });
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, /pip install 'moto\[server\]'/);
});

test.run();
