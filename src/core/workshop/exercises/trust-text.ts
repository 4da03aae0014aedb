/** Phrases the trust-policy exercises share: which files, and the pattern each role's sub needs. */
import { WHERE_TO_FIND } from '../../facts/index.js';
import { code, codeList, fenced, joined, md, type Markdown } from '../../util/index.js';
import type { RepoModel, RoleModel } from '../../repo/index.js';
import { claimKey } from './repository.js';

export const trustFileList = (model: RepoModel) => codeList(model.roles.map((r) => r.trustFile));

/** `the role …` (`The role …` to start a sentence), or `the roles …, …` with environments. */
export function theRoles(model: RepoModel, start = false): Markdown {
  const article = start
    ? md`
The
      `
    : md`
the
      `;
  return model.roles.length > 1
    ? md`${article} roles ${codeList(model.roles.map((r) => r.concreteArn))}`
    : md`${article} role ${code(model.roles[0]!.concreteArn)}`;
}

/** The sub pattern a role needs, with placeholders the attendee fills in (never the concrete UUIDs). */
export const subPatternFor = (role: RoleModel) =>
  role.environment ? `{<repository-uuid>}:{<${role.environment}-environment-uuid>}:*` : '{<repository-uuid>}:*';

/** The StringLike block each trust policy needs, as a code block per file, and where the UUIDs come from. */
export function stringLikeFix(model: RepoModel): Markdown {
  const blocks = model.roles.map(
    (r) =>
      md`In ${code(r.trustFile)}:\n\n${fenced('json', `"StringLike": ${JSON.stringify({ [claimKey(model, 'sub')]: subPatternFor(r) }, null, 2)}`)}`,
  );
  const environments = model.roles.some((r) => r.environment)
    ? md`
        Each environment's UUID is in Repository settings → Deployments (the environment's settings); a role then trusts only the steps of that environment.
      `
    : md``;
  return joined(
    [
      ...blocks,
      md`Write ${code('<repository-uuid>')} as your repository's UUID in lower case, inside the braces: ${WHERE_TO_FIND.repoUuid}.${environments}`,
    ],
    '\n\n',
  );
}
