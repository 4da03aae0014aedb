/**
 * ecr-push with ecs-deploy, rehearsed against one moto_server this suite starts: the service ends up on a
 * task definition running the image the pipeline pushed (built in the first stage, before any deployment),
 * a privileged task definition is refused, and a deployment ECS rolled back (an image ECR lacks) fails the
 * step instead of passing as stable.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startMoto, type Emulator } from '../../src/io/rehearse/moto.ts';
import { rehearseCli, runNew } from '../support/cli-helpers.ts';
import { CLI, exampleAnswerFlags, TEST_AND_PRODUCTION, tempDir } from '../support/fixtures.ts';
import { hasTool } from '../support/tools.ts';

const ACCOUNT = '123456789012';
const ready = () => hasTool('moto_server', "pip install 'moto[server]'") && hasTool('aws', 'pip install awscli');

let moto: Emulator | undefined;
test.before(async () => {
  if (ready()) moto = await startMoto(ACCOUNT);
});
test.after(async () => moto?.stop());

/** Full rights against the emulator, to read what the rehearsal left there. */
function aws(args: string[]): string {
  const r = spawnSync('aws', ['--endpoint-url', moto!.url, '--region', 'eu-central-1', '--output', 'json', ...args], {
    encoding: 'utf8',
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_PROFILE: undefined },
  });
  assert.is(r.status, 0, r.stderr);
  return r.stdout;
}

function generate(flags: string[]): string {
  const parent = tempDir().path;
  const r = runNew(
    [
      'rehearsed',
      ...exampleAnswerFlags({ iac: 'both', account: ACCOUNT, region: 'eu-central-1' }),
      '--no-git',
      '--yes',
      ...flags,
      '--dir',
      join(parent, 'repo'),
    ],
    parent,
  );
  assert.is(r.status, 0, r.stderr);
  return join(parent, 'repo');
}

const rehearse = (dir: string) => rehearseCli(dir, ['--json', '--runs', '1', '--endpoint', moto!.url]);

interface Report {
  ok: boolean;
  madeUp: { inputs: Array<{ input: string; path: string }> };
  runs: Array<{
    steps: Array<{
      name: string;
      ok: boolean;
      output: string;
      calls: Array<{ action: string; allowed: boolean; reason: string; rollout?: string; unproven?: string[] }>;
    }>;
  }>;
}

const failures = (report: Report) =>
  report.runs
    .flatMap((r) => r.steps.filter((s) => !s.ok).map((s) => `${s.name}:\n${s.output.split('\n').slice(-8).join('\n')}`))
    .join('\n');

test('ecr-push + ecs-deploy: each environment’s service runs the image pushed with this commit', async () => {
  if (!moto) return;
  // listed deployment first: the build's step still comes before it
  const dir = generate([
    '--target',
    'ecs-deploy,ecr-push',
    '--ecr-repository',
    'acme/web',
    ...['test', 'production'].flatMap((e) => [
      `--ecs-cluster.${e}`,
      `${e}-cluster`,
      `--ecs-service.${e}`,
      `${e}-web`,
      `--task-family.${e}`,
      `${e}-web`,
    ]),
    // production its own task definition file, test the default: each is its own step's input
    '--task-definition-file.production',
    'ecs/production.json',
    ...TEST_AND_PRODUCTION,
  ]);
  const r = await rehearse(dir);
  assert.ok(r.stdout.startsWith('{'), r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  assert.ok(report.ok, failures(report));
  assert.equal(
    report.madeUp.inputs
      .map((i) => i.input)
      .filter((i) => i.startsWith('ecs/'))
      .sort(),
    ['ecs/production.json', 'ecs/task-definition.json'],
    'each environment’s file is made up for its own step',
  );
  const names = report.runs[0]!.steps.map((s) => s.name);
  assert.ok(
    names.indexOf('Push the image to ECR (test)') < names.indexOf('Deploy the ECS service (test)'),
    names.join(', '),
  );
  assert.not.ok(names.includes('Push the image to ECR (production)'), 'the image is built once');
  for (const step of report.runs[0]!.steps.filter((s) => s.name.startsWith('Deploy the ECS service'))) {
    const update = step.calls.find((c) => c.action === 'ecs:UpdateService')!;
    assert.not.ok(update.rollout, `${step.name}: the pushed image is there, nothing rolls back`);
    assert.match(update.unproven?.join('\n') ?? '', /that the tasks start and stay up/, step.name);
  }

  const tags = JSON.parse(aws(['ecr', 'list-images', '--repository-name', 'acme/web'])) as {
    imageIds: Array<{ imageTag: string }>;
  };
  const pushed = tags.imageIds.map((i) => i.imageTag);
  assert.is(pushed.length, 1, `one image pushed: ${pushed.join(', ')}`);
  const uri = (
    JSON.parse(aws(['ecr', 'describe-repositories', '--repository-names', 'acme/web'])) as {
      repositories: Array<{ repositoryUri: string }>;
    }
  ).repositories[0]!.repositoryUri;
  for (const e of ['test', 'production']) {
    const service = JSON.parse(aws(['ecs', 'describe-services', '--cluster', `${e}-cluster`, '--services', `${e}-web`]))
      .services[0] as { taskDefinition: string; desiredCount: number };
    assert.is(service.desiredCount, 1, `${e}: the seeded service wants a task`);
    const definition = JSON.parse(aws(['ecs', 'describe-task-definition', '--task-definition', service.taskDefinition]))
      .taskDefinition as { containerDefinitions: Array<{ name: string; image: string }> };
    const images = Object.fromEntries(definition.containerDefinitions.map((c) => [c.name, c.image]));
    assert.equal(
      images,
      { app: `${uri}:${pushed[0]}`, sidecar: 'public.ecr.aws/docker/library/busybox:latest' },
      `${e}: the service's task definition runs the pushed image`,
    );
  }
});

test('ecs-deploy: a task definition with tags needs ecs:TagResource, and a privileged one is refused: the rehearsal fails', async () => {
  if (!moto) return;
  const dir = generate([
    '--target',
    'ecs-deploy',
    '--ecs-cluster',
    'tagged-cluster',
    '--ecs-service',
    'tagged-web',
    '--task-family',
    'tagged-web',
  ]);
  mkdirSync(join(dir, 'ecs'), { recursive: true });
  writeFileSync(
    join(dir, 'ecs/task-definition.json'),
    JSON.stringify({
      family: 'tagged-web',
      containerDefinitions: [
        { name: 'app', image: 'public.ecr.aws/docker/library/busybox:latest', memory: 128, privileged: true },
      ],
      tags: [{ key: 'team', value: 'web' }],
    }),
  );
  const r = await rehearse(dir);
  assert.ok(r.stdout.startsWith('{'), r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  assert.not.ok(report.ok, 'registering a tagged, privileged task definition must fail');
  const denied = report.runs.flatMap((run) => run.steps.flatMap((s) => s.calls.filter((c) => !c.allowed)));
  assert.equal(
    denied.map((c) => c.action),
    ['ecs:RegisterTaskDefinition', 'ecs:TagResource'],
  );
  assert.match(denied[0]!.reason, /only under its condition, which this call fails: StringNotEquals ecs:privileged/);
  const output = report.runs[0]!.steps[0]!.output;
  assert.match(
    output,
    /RegisterTaskDefinition operation: User: .* is not authorized to perform: ecs:RegisterTaskDefinition/,
  );
});

test('ecs-deploy: a revision whose image ECR lacks is rolled back by the circuit breaker, and the step says so', async () => {
  if (!moto) return;
  const dir = generate([
    '--target',
    'ecs-deploy',
    '--ecs-cluster',
    'rollback-cluster',
    '--ecs-service',
    'rollback-web',
    '--task-family',
    'rollback-web',
  ]);
  // the repository exists, the tag does not: the real service could not pull it
  aws(['ecr', 'create-repository', '--repository-name', 'acme/api']);
  const image = `${ACCOUNT}.dkr.ecr.eu-central-1.amazonaws.com/acme/api:v2`;
  mkdirSync(join(dir, 'ecs'), { recursive: true });
  writeFileSync(
    join(dir, 'ecs/task-definition.json'),
    JSON.stringify({ family: 'rollback-web', containerDefinitions: [{ name: 'app', image, memory: 128 }] }),
  );
  const r = await rehearse(dir);
  assert.ok(r.stdout.startsWith('{'), r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  assert.not.ok(report.ok, 'a rolled-back deployment must fail the step');
  const step = report.runs[0]!.steps[0]!;
  const update = step.calls.find((c) => c.action === 'ecs:UpdateService')!;
  assert.ok(update.allowed, 'the update itself is allowed');
  assert.match(
    update.rollout ?? '',
    new RegExp(
      `cannot pull ${image.replace(/[.]/g, '\\.')}.*rolls the service back to arn:aws:ecs:eu-central-1:${ACCOUNT}:task-definition/rollback-web:1`,
    ),
  );
  assert.match(
    step.output,
    /ECS rolled the deployment back: the service runs arn:aws:ecs:eu-central-1:\d+:task-definition\/rollback-web:1, not arn:aws:ecs:eu-central-1:\d+:task-definition\/rollback-web:2 \(ECS deployment circuit breaker: rolling back to deploymentId ecs-svc\/\d+\./,
  );
});

test.run();
