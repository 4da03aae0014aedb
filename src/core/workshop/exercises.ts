/**
 * Workshop exercises: each one a generated repository broken in one way that `pipelines-oidc check`
 * reports by a finding id, with EXERCISE.md (task, progressive hints, the check as checkpoint).
 * An exercise repository holds bitbucket-pipelines.yml, each role's iam/…/trust-policy.json and
 * inline-policy.json and .gitignore as rendered (but for what the exercise breaks), a short README.md and
 * EXERCISE.md: no Terraform, CloudFormation, generated README or manifest (exercises/repository.ts says why).
 */
import type { Exercise } from './types.js';
import { audBraces } from './exercises/aud-braces.js';
import { broadPolicy } from './exercises/broad-policy.js';
import { missingOidc } from './exercises/missing-oidc.js';
import { staticKeys } from './exercises/static-keys.js';
import { subExact } from './exercises/sub-exact.js';
import { unsupportedClaim } from './exercises/unsupported-claim.js';
import { workspaceWideTrust } from './exercises/workspace-wide-trust.js';

export const EXERCISES: readonly Exercise[] = [
  workspaceWideTrust,
  audBraces,
  subExact,
  unsupportedClaim,
  missingOidc,
  staticKeys,
  broadPolicy,
];

export function findExercise(id: string): Exercise | undefined {
  return EXERCISES.find((e) => e.id === id);
}

/** For `workshop --list-exercises`: one line each, the id, what is broken, and the finding `check` reports. */
export function listExercises(): string {
  const width = Math.max(...EXERCISES.map((e) => e.id.length));
  return `${EXERCISES.map((e) => `${e.id.padEnd(width)}  ${e.summary} (check: ${e.findingId})`).join('\n')}\n`;
}
