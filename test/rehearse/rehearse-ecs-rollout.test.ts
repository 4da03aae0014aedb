/**
 * What the rehearsal front decides of an ECS service update without the emulator: which images it can look
 * up (this account's ECR, by tag or digest), and the DescribeServices answer of a service the deployment
 * circuit breaker rolled back, in the shape ECS documents (one PRIMARY deployment on the previous revision).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ecrImage, imagesToCheck, rolledBackAnswer } from '../../src/core/rehearse/ecs-rollout.ts';

const SCOPE = { partition: 'aws', account: '123456789012', region: 'eu-west-1' };
const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const DIGEST = `sha256:${'a'.repeat(64)}`;

test('an ECR image by tag, by digest, or untagged (latest); other registries are none', () => {
  assert.equal(ecrImage(`${HOST}/acme/web:v2`), {
    image: `${HOST}/acme/web:v2`,
    account: '123456789012',
    region: 'eu-west-1',
    repository: 'acme/web',
    id: { imageTag: 'v2' },
  });
  assert.equal(ecrImage(`${HOST}/web@${DIGEST}`)?.id, { imageDigest: DIGEST });
  assert.equal(ecrImage(`${HOST}/web`)?.id, { imageTag: 'latest' });
  assert.is(ecrImage('public.ecr.aws/docker/library/busybox:latest'), undefined);
  assert.is(ecrImage('nginx:1.27'), undefined);
});

test("only this account's and region's ECR images are looked up; the rest are named as not proven", () => {
  const { ecr, elsewhere } = imagesToCheck(
    [
      { name: 'app', image: `${HOST}/acme/web:v2` },
      { name: 'other-account', image: '210987654321.dkr.ecr.eu-west-1.amazonaws.com/web:v2' },
      { name: 'hub', image: 'nginx:1.27' },
      { name: 'no-image' },
    ],
    SCOPE,
  );
  assert.equal(
    ecr.map((e) => e.image),
    [`${HOST}/acme/web:v2`],
  );
  assert.equal(elsewhere, ['210987654321.dkr.ecr.eu-west-1.amazonaws.com/web:v2', 'nginx:1.27']);
});

test('a rolled-back service answers on its previous revision, one PRIMARY deployment whose rollout completed', () => {
  const revision = (n: number) => `arn:aws:ecs:eu-west-1:123456789012:task-definition/web:${n}`;
  const moto = {
    services: [
      {
        serviceName: 'web',
        taskDefinition: revision(2),
        desiredCount: 1,
        deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: revision(1), launchType: 'FARGATE' }],
        events: [],
      },
      { serviceName: 'api', taskDefinition: revision(9), deployments: [] },
    ],
    failures: [],
  };
  const answer = rolledBackAnswer(
    moto,
    'arn:aws:ecs:eu-west-1:123456789012:cluster/production',
    new Map([
      [
        'production/web',
        {
          previous: revision(1),
          previousDeployment: 'ecs-svc/1',
          failedDeployment: 'ecs-svc/2',
          rollbackDeployment: 'ecs-svc/3',
          image: `${HOST}/acme/web:v2`,
        },
      ],
    ]),
    1_700_000_000,
  ) as typeof moto & { services: Array<Record<string, unknown>> };
  const [web, api] = answer.services;
  assert.is(web!['taskDefinition'], revision(1));
  assert.equal(web!['deployments'], [
    {
      id: 'ecs-svc/3',
      status: 'PRIMARY',
      taskDefinition: revision(1),
      launchType: 'FARGATE',
      desiredCount: 1,
      runningCount: 1,
      pendingCount: 0,
      rolloutState: 'COMPLETED',
      rolloutStateReason: 'ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/1.',
    },
  ]);
  assert.match(JSON.stringify(web!['events']), /\(deployment ecs-svc\/2\) deployment failed: tasks failed to start/);
  assert.equal(api, moto.services[1], 'a service not rolled back is as the emulator says');
  assert.equal(answer.failures, []);
});

test.run();
