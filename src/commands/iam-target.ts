/**
 * What `apply` and `doctor` share: the repository's desired IAM state from its manifest and IAM files,
 * and a session with the account, read concurrently.
 */
import { desiredState, type DesiredState, type ObservedState } from '../core/iam/index.js';
import { TIMEOUTS, timeoutSeconds } from '../core/util/index.js';
import { connect, type AwsSession } from '../io/aws.js';
import { readObserved } from '../io/iam-state.js';
import { openRepository, type Repository } from '../io/repository.js';
import type { Parsed } from './args.js';

/** The repository `[dir]` names (relative to `cwd`), with the --gallery given, if any. */
export function openArgRepository(cwd: string, args: Parsed<'apply' | 'doctor' | 'rehearse' | 'why'>): Repository {
  const { gallery } = args.options;
  return openRepository({ cwd, dir: args.positionals[0] ?? '.', ...(gallery === undefined ? {} : { gallery }) });
}

export function desiredOf(repo: Repository, command: string, thumbprint?: string): DesiredState {
  return desiredState(repo.model(), repo.read, { command, ...(thumbprint ? { thumbprint } : {}) });
}

export interface AwsOptions {
  profile?: string;
  region?: string;
  /** --timeout as given. */
  timeout?: string;
}

/** Connects and reads the live state; the session stays open for `apply`'s writes. */
export async function observe(
  desired: DesiredState,
  options: AwsOptions,
): Promise<{ aws: AwsSession; observed: ObservedState }> {
  const aws = await connect({
    partition: desired.partition,
    region: options.region ?? desired.region,
    ...(options.profile ? { profile: options.profile } : {}),
    timeoutSeconds: timeoutSeconds(options.timeout, 'timeout', TIMEOUTS.aws),
  });
  try {
    return { aws, observed: await readObserved(aws, desired) };
  } catch (e) {
    aws.close();
    throw e;
  }
}

/** The lines that tell the user what to set in Bitbucket once the roles exist. */
export function variableLines(desired: DesiredState): string[] {
  return [
    ...desired.repositoryVariables.map((v) => `Repository variable ${v.name} = ${v.value}`),
    ...desired.deploymentVariables.map(
      (v) => `Deployment variable ${v.name} = ${v.value} (environment ${v.environment})`,
    ),
  ];
}
