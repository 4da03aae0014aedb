/**
 * `run`'s pure part: the trigger body for a custom pipeline, the end states, the STS refusal in a step's
 * log, and the claims that step's OIDC token carried, rebuilt from what Bitbucket says about it.
 */
import { UsageError } from '../../errors.js';
import { audience, issuerUrl, PIPELINE_FILE } from '../facts/index.js';
import type { TokenClaims } from '../check/index.js';
import { fieldOf, plainDocument, walkSteps } from '../repo/index.js';

export const DEFAULT_PIPELINE = 'custom:test-aws-oidc';

/** `custom:<name>` → the pipeline_ref_target that runs it on `branch`. */
export function pipelineTarget(branch: string, pipeline: string) {
  const m = /^custom:([^\s]+)$/.exec(pipeline);
  if (!m)
    throw new UsageError(
      `--pipeline ${pipeline}: must be custom:<name>, a custom pipeline of ${PIPELINE_FILE} (e.g. ${DEFAULT_PIPELINE})`,
    );
  return {
    type: 'pipeline_ref_target',
    ref_type: 'branch',
    ref_name: branch,
    selector: { type: 'custom', pattern: m[1]! },
  };
}

/** Bitbucket's state names: PENDING, IN_PROGRESS (RUNNING, PAUSED, …), COMPLETED with a result. */
export function isFinished(state: { name: string }): boolean {
  return state.name === 'COMPLETED';
}

/** SUCCESSFUL, FAILED, ERROR, STOPPED, …; only SUCCESSFUL is a success. */
export function resultOf(state: { name: string; result?: { name: string } }): string {
  return state.result?.name ?? state.name;
}

/** STS's answers when it refuses a web identity, as the AWS CLI prints them. */
const STS_REFUSAL =
  /AssumeRoleWithWebIdentity|InvalidIdentityToken|Incorrect token audience|No OpenIDConnect provider found/;

/** The log line in which STS refused the token, if any. */
export function stsRefusal(log: string): string | undefined {
  return log
    .split('\n')
    .find((l) => STS_REFUSAL.test(l))
    ?.trim();
}

/** The last `n` non-empty lines. */
export function tail(log: string, n: number): string[] {
  return log
    .split('\n')
    .filter((l) => l.trim())
    .slice(-n);
}

export interface StepIdentity {
  workspace: string;
  /** UUIDs without braces, as Bitbucket's API gives them once stripped. */
  workspaceUuid: string;
  repoUuid: string;
  environmentUuid?: string;
  pipelineUuid: string;
  stepUuid: string;
  branch: string;
}

/** The claims of the step's OIDC token: Bitbucket's documented shape, with Bitbucket's own UUIDs. */
export function stepClaims(id: StepIdentity, now: Date): TokenClaims {
  const braced = (u: string) => `{${u}}`;
  const iat = Math.floor(now.getTime() / 1000);
  return {
    iss: issuerUrl(id.workspace),
    aud: audience(id.workspaceUuid),
    sub: [id.repoUuid, ...(id.environmentUuid ? [id.environmentUuid] : []), id.stepUuid].map(braced).join(':'),
    iat,
    exp: iat + 3600,
    workspaceUuid: braced(id.workspaceUuid),
    repositoryUuid: braced(id.repoUuid),
    pipelineUuid: braced(id.pipelineUuid),
    stepUuid: braced(id.stepUuid),
    branchName: id.branch,
    ...(id.environmentUuid ? { deploymentEnvironmentUuid: braced(id.environmentUuid) } : {}),
  };
}

/** Step name → the deployment environment it runs in, for one custom pipeline of a parsed bitbucket-pipelines.yml. */
export function stepEnvironments(pipelinesYml: unknown, custom: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const s of walkSteps(pipelinesYml, plainDocument)) {
    const name = plainDocument.text(fieldOf(plainDocument, s.step, 'name'));
    if (s.pipeline === `custom:${custom}` && name !== undefined && s.deployment) found.set(name, s.deployment);
  }
  return found;
}
