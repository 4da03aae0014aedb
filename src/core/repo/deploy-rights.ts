/**
 * Whether a role can change what it reaches, and the advice when every step of a repository can assume
 * such a role. AWS conditions only on `aud` and `sub` of Bitbucket's tokens, so no trust policy can name
 * a branch: a deployment environment in the `sub` plus Bitbucket's deployment permissions is the only way.
 */
import { environmentTypeOf, type EnvironmentType } from '../answers/index.js';
import type { RepoModel } from './model.js';

/** Actions that only read: their names start with one of these verbs (`s3:GetObject`, `ecs:DescribeServices`). */
const READ_ONLY = /^[a-z0-9-]+:(Get|List|Describe|BatchGet|Read|View|Search|Lookup)[A-Za-z]*$/;

/** True when one of the actions may change a resource (a wildcard counts: it covers writes too). */
export function changesResources(actions: readonly string[]): boolean {
  return actions.some((a) => !READ_ONLY.test(a));
}

export const ANY_BRANCH_ADVICE = {
  message:
    'every step of the repository, on any branch, can assume this role, and its inline policy can change resources',
  fix: "Give the deploy its deployment environment (--environment <name>=<uuid>): the role then trusts only that environment's steps; in Bitbucket restrict the environment to its branch and to admins (Repository settings → Deployments, Premium).",
} as const;

/** A repository whose one role deploys and is trusted by every step: what `new` warns about. */
export function deploysFromAnyBranch(model: RepoModel): boolean {
  return model.roles.some(
    (r) =>
      !r.environment &&
      changesResources(r.permissions.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action].flat())),
  );
}

/** A deployment environment of type production: its recorded type, else the type its name says. */
export const isProductionEnvironment = (name: string, type?: EnvironmentType): boolean =>
  (type ?? environmentTypeOf(name)) === 'production';
