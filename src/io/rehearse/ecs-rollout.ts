/**
 * The front's view of ECS rollouts (core/rehearse/ecs-rollout.ts says why): before an authorized
 * UpdateService reaches the emulator, the front asks the emulator which revision the service runs and
 * whether ECR holds each image of the new revision; DescribeServices of a service ECS would have rolled
 * back is answered as after the rollback. Its own calls are signed as the step's (moto checks no signature).
 */
import { randomInt } from 'node:crypto';
import type { Scope } from '../../core/aws/index.js';
import { imagesToCheck, rolledBackAnswer, serviceKey, type RolledBack } from '../../core/rehearse/index.js';

const ECS = 'AmazonEC2ContainerServiceV20141113';
const ECR = 'AmazonEC2ContainerRegistry_V20150921';

/** What a rehearsed deployment does not prove, on every UpdateService the front lets roll out. */
export const TASKS_NOT_PROVEN =
  'that the tasks start and stay up: the emulator starts none, so health checks, application crashes, secrets, CPU and memory are not proven (only that ECR holds each image of this account)';

export interface EcsRollout {
  /** What the report says of an authorized UpdateService, decided before it goes to the emulator. */
  update(body: Record<string, unknown>, authorization: string): Promise<{ rollout?: string; unproven: string[] }>;
  /** A rewrite of a DescribeServices answer, or undefined when none of its services was rolled back. */
  describe(body: Record<string, unknown>): ((text: string) => string) | undefined;
}

export function ecsRollout(moto: string, scope: Scope, now: () => Date): EcsRollout {
  const rolledBack = new Map<string, RolledBack>();
  const deployment = () => `ecs-svc/${randomInt(2 ** 47)}${randomInt(1e6)}`;

  async function call(authorization: string, service: 'ecs' | 'ecr', target: string, body: unknown) {
    const res = await fetch(moto, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': target,
        // the emulator picks the service from the credential scope
        authorization: authorization.replace(/\/ecs\/aws4_request/, `/${service}/aws4_request`),
      },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    try {
      return { ok: res.ok, json: JSON.parse(text) as Record<string, unknown> };
    } catch {
      return { ok: false, json: {} };
    }
  }

  return {
    async update(body, authorization) {
      const key = serviceKey(body['cluster'], body['service']);
      const revision = body['taskDefinition'];
      if (typeof revision !== 'string') return { unproven: [] };
      const cluster = body['cluster'] ?? 'default';
      const before = await call(authorization, 'ecs', `${ECS}.DescribeServices`, {
        cluster,
        services: [body['service']],
      });
      const service = (before.json['services'] as Array<Record<string, unknown>> | undefined)?.[0];
      const previous = rolledBack.get(key)?.previous ?? (service?.['taskDefinition'] as string | undefined);
      const deployments = service?.['deployments'] as Array<Record<string, unknown>> | undefined;
      const described = await call(authorization, 'ecs', `${ECS}.DescribeTaskDefinition`, { taskDefinition: revision });
      const definition = described.json['taskDefinition'] as Record<string, unknown> | undefined;
      const { ecr, elsewhere } = imagesToCheck(definition?.['containerDefinitions'], scope);
      for (const image of ecr) {
        const found = await call(authorization, 'ecr', `${ECR}.DescribeImages`, {
          registryId: image.account,
          repositoryName: image.repository,
          imageIds: [image.id],
        });
        if (found.ok || !previous || previous === definition?.['taskDefinitionArn']) continue;
        rolledBack.set(key, {
          previous,
          previousDeployment: String(deployments?.[0]?.['id'] ?? deployment()),
          failedDeployment: deployment(),
          rollbackDeployment: deployment(),
          image: image.image,
        });
        return {
          rollout: `ECS cannot pull ${image.image} (ECR repository ${image.repository} holds no such image): the tasks fail to start, and the deployment circuit breaker rolls the service back to ${previous}`,
          unproven: [],
        };
      }
      rolledBack.delete(key);
      const other = elsewhere.length
        ? [`that ECS can pull ${elsewhere.join(', ')}: not an image of this account's ECR`]
        : [];
      return { unproven: [TASKS_NOT_PROVEN, ...other] };
    },
    describe(body) {
      const cluster = body['cluster'] ?? 'default';
      const services = Array.isArray(body['services']) ? body['services'] : [];
      if (!services.some((s) => rolledBack.has(serviceKey(cluster, s)))) return undefined;
      const seconds = Math.floor(now().getTime() / 1000);
      return (text) => JSON.stringify(rolledBackAnswer(JSON.parse(text), cluster, rolledBack, seconds));
    },
  };
}
