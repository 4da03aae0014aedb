/** The claims Bitbucket Pipelines puts in a step's OIDC token, for a rehearsal of that step. */
import { audience, issuerUrl } from '../facts/index.js';
import type { TokenClaims } from '../check/index.js';

export interface StepIdentity {
  workspace: string;
  /** Without braces, as in the answers. */
  workspaceUuid: string;
  repoUuid: string;
  /** With braces, as in the token. */
  environmentUuid?: string;
  stepUuid: string;
  pipelineUuid: string;
  branch: string;
  /** Seconds since the epoch. */
  now: number;
}

/** `sub` is `{repo}:{step}`, or `{repo}:{environment}:{step}` for a step with a deployment environment. */
export function stepClaims(id: StepIdentity): TokenClaims {
  const repo = `{${id.repoUuid}}`;
  return {
    iss: issuerUrl(id.workspace),
    aud: audience(id.workspaceUuid),
    sub: id.environmentUuid ? `${repo}:${id.environmentUuid}:${id.stepUuid}` : `${repo}:${id.stepUuid}`,
    workspaceUuid: `{${id.workspaceUuid}}`,
    repositoryUuid: repo,
    pipelineUuid: id.pipelineUuid,
    stepUuid: id.stepUuid,
    branchName: id.branch,
    ...(id.environmentUuid ? { deploymentEnvironmentUuid: id.environmentUuid } : {}),
    iat: id.now,
    exp: id.now + 3600,
  };
}
