/**
 * An ECS service update as ECS would roll it out, where the emulator cannot tell: moto starts no task, so
 * it reports every revision running. What rehearse can know before a task starts is whether ECS could
 * pull each image of this account's ECR; a revision with an image its repository lacks fails to start
 * ("CannotPullContainerError"), and the deployment circuit breaker rolls the service back to the revision
 * it ran. DescribeServices then answers as ECS documents a rolled-back service: one PRIMARY deployment, on
 * the previous revision, whose rollout completed with the circuit breaker's reason. Pure.
 */
import type { Scope } from '../aws/index.js';

/** An image of an ECR repository, as a container definition names it. */
export interface EcrImage {
  image: string;
  account: string;
  region: string;
  repository: string;
  /** `{ imageTag }` or `{ imageDigest }`, as ECR's DescribeImages takes it; no tag is `latest`. */
  id: { imageTag: string } | { imageDigest: string };
}

const ECR_IMAGE =
  /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9][a-z0-9._/-]*?)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/;

/** The ECR image a container names, or undefined for another registry's (Docker Hub, public ECR). */
export function ecrImage(image: string): EcrImage | undefined {
  const m = ECR_IMAGE.exec(image);
  if (!m) return undefined;
  const [, account = '', region = '', repository = '', tag, digest] = m;
  return { image, account, region, repository, id: digest ? { imageDigest: digest } : { imageTag: tag ?? 'latest' } };
}

/** What the rehearsal checks of a revision's images: those it can see, and those it cannot. */
export function imagesToCheck(containers: unknown, scope: Scope): { ecr: EcrImage[]; elsewhere: string[] } {
  const images = (Array.isArray(containers) ? containers : []).flatMap((c: unknown) => {
    const image = c && typeof c === 'object' ? (c as Record<string, unknown>)['image'] : undefined;
    return typeof image === 'string' ? [image] : [];
  });
  const ecr = images.flatMap((i) => {
    const e = ecrImage(i);
    return e && e.account === scope.account && e.region === scope.region ? [e] : [];
  });
  return { ecr, elsewhere: images.filter((i) => !ecr.some((e) => e.image === i)) };
}

/** A service ECS rolled back: the revision it runs again, and the deployments of the failed rollout. */
export interface RolledBack {
  /** The revision the service runs again. */
  previous: string;
  /** The deployment it rolled back to (the last one that completed). */
  previousDeployment: string;
  failedDeployment: string;
  rollbackDeployment: string;
  /** The image ECS could not pull. */
  image: string;
}

/** The key of a service in a request: `<cluster>/<service>`, names taken from ARNs. */
export const serviceKey = (cluster: unknown, service: unknown) =>
  `${(typeof cluster === 'string' ? cluster : 'default').replace(/^arn:.*:cluster\//, '')}/${String(service ?? '')
    .split('/')
    .pop()}`;

/** A DescribeServices answer with each rolled-back service as ECS shows it once the rollback is stable. */
export function rolledBackAnswer(
  answer: unknown,
  cluster: unknown,
  rolledBack: ReadonlyMap<string, RolledBack>,
  nowSeconds: number,
): unknown {
  if (!answer || typeof answer !== 'object' || !Array.isArray((answer as Record<string, unknown>)['services']))
    return answer;
  const services = (answer as { services: Array<Record<string, unknown>> }).services.map((s) => {
    const r = rolledBack.get(serviceKey(cluster, s['serviceName']));
    if (!r) return s;
    const name = String(s['serviceName']);
    const [primary] = Array.isArray(s['deployments']) ? (s['deployments'] as Array<Record<string, unknown>>) : [];
    const event = (n: number, message: string) => ({
      id: `${r.rollbackDeployment.slice(8)}-${n}`,
      createdAt: nowSeconds,
      message,
    });
    return {
      ...s,
      taskDefinition: r.previous,
      deployments: [
        {
          ...primary,
          id: r.rollbackDeployment,
          status: 'PRIMARY',
          taskDefinition: r.previous,
          desiredCount: s['desiredCount'],
          runningCount: s['desiredCount'],
          pendingCount: 0,
          rolloutState: 'COMPLETED',
          rolloutStateReason: `ECS deployment circuit breaker: rolling back to deploymentId ${r.previousDeployment}.`,
        },
      ],
      events: [
        event(3, `(service ${name}) has reached a steady state.`),
        event(2, `(service ${name}) rolling back to deployment ${r.previousDeployment}.`),
        event(1, `(service ${name}) (deployment ${r.failedDeployment}) deployment failed: tasks failed to start.`),
        ...(Array.isArray(s['events']) ? s['events'] : []),
      ],
    };
  });
  return { ...answer, services };
}
