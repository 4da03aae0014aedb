/**
 * The role a step assumes, read from the repository's files: the inline policy of its deployment
 * environment (`iam/<environment>/inline-policy.json`), else the repository's, and the trust policy beside
 * it; and whether that role can change what it reaches.
 */
import { inlinePolicyPath, trustPolicyPath } from '../facts/index.js';
import { changesResources } from '../repo/index.js';
import type { RepositorySource } from './drift.js';
import { actionStatements } from '../iam-eval/index.js';

export interface RolePolicy {
  file: string;
  policy: unknown;
  /** The role's trust policy, when the repository holds it. */
  trust?: unknown;
}

/** The inline policy of the role a step assumes: its environment's, else the repository's. */
export function rolePolicyOf(repo: RepositorySource, environment: string | undefined): RolePolicy | undefined {
  const generated = repo.model?.roles.find((r) => r.environment === environment);
  const file =
    generated?.permissionsFile ??
    [environment && inlinePolicyPath(environment), inlinePolicyPath()].find((f) => f && repo.read(f) !== undefined);
  const policy = file ? repo.read(file) : undefined;
  if (!file || policy === undefined) return undefined;
  const trustFile =
    generated?.trustFile ??
    (environment && file === inlinePolicyPath(environment) ? trustPolicyPath(environment) : trustPolicyPath());
  const trust = repo.read(trustFile);
  return { file, policy, ...(trust === undefined ? {} : { trust }) };
}

/** Whether a policy lets its role change resources: an Allow names a write action, or grants by NotAction. */
export const canChangeResources = (policy: unknown): boolean =>
  actionStatements(policy).some((s) => s.effect === 'Allow' && (s.notAction || changesResources(s.actions)));
