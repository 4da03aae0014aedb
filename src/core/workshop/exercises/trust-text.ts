/** Phrases the trust-policy exercises share: which files, and the pattern each role's sub needs. */
import { WHERE_TO_FIND } from '../../bitbucket.js';
import type { RepoModel, RoleModel } from '../../model.js';
import { claimKey } from './repository.js';
import { code, fenced, md } from './markdown.js';

export const trustFileList = (model: RepoModel) => model.roles.map((r) => code(r.trustFile)).join(', ');

/** `the role …` (`The role …` to start a sentence), or `the roles …, …` with environments. */
export function theRoles(model: RepoModel, start = false): string {
  const text = model.roles.length > 1 ? `roles ${model.roles.map((r) => code(r.concreteArn)).join(', ')}` : `role ${code(model.roles[0]!.concreteArn)}`;
  return `${start ? 'The' : 'the'} ${text}`;
}

/** The sub pattern a role needs, with placeholders the attendee fills in (never the concrete UUIDs). */
export const subPatternFor = (role: RoleModel) => (role.environment ? `{<repository-uuid>}:{<${role.environment}-environment-uuid>}:*` : '{<repository-uuid>}:*');

/** The StringLike block each trust policy needs, as a code block per file, and where the UUIDs come from. */
export function stringLikeFix(model: RepoModel): string {
  const blocks = model.roles.map((r) => [`In ${code(r.trustFile)}:`, '', fenced('json', `"StringLike": ${JSON.stringify({ [claimKey(model, 'sub')]: subPatternFor(r) }, null, 2)}`)].join('\n'));
  const environments = model.roles.some((r) => r.environment)
    ? ` Each environment's UUID is in Repository settings → Deployments (the environment's settings); a role then trusts only the steps of that environment.`
    : '';
  return [
    ...blocks,
    `Write ${code('<repository-uuid>')} as your repository's UUID in lower case, inside the braces: ${md(WHERE_TO_FIND.repoUuid)}.${environments}`,
  ].join('\n\n');
}
