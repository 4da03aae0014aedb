/** Trust with only the audience condition, as many tutorials show: every repository of the workspace gets in. */
import { code, md } from '../../util/index.js';
import type { Exercise } from '../types.js';
import { trustFiles } from './repository.js';
import { stringLikeFix, theRoles, trustFileList } from './trust-text.js';

export const workspaceWideTrust: Exercise = {
  id: 'workspace-wide-trust',
  summary: 'the trust policy tests only the audience: every repository of the workspace can assume the role',
  findingId: 'trust.workspace-wide',
  repository(model) {
    const broken = trustFiles(model, (policy) => {
      for (const s of policy.Statement) delete s.Condition['StringLike'];
    });
    const { workspace, name } = model.answers;
    const several = model.roles.length > 1;
    const environments = model.roles.some((r) => r.environment);
    return {
      broken,
      text: {
        title: 'every repository can deploy',
        task: md`${theRoles(model, true)} ${
          several
            ? md`
are
              `
            : md`
is
              `
        } meant for the pipelines of ${code(`${workspace}/${name}`)} only. A security review found that a
pipeline in any repository of the workspace ${code(workspace)} can assume ${
          several
            ? md`
them
              `
            : md`
it
              `
        }. Change ${trustFileList(model)} so that only this
repository's pipelines get in${
          environments
            ? md`
, each role only from steps of its own deployment environment
              `
            : md``
        }.`,
        hints: [
          md`
Every repository of a workspace gets tokens with the same audience (\`aud\`). What in a token tells one repository from another, and does the trust policy look at it?
          `,
          md`
The token's \`sub\` claim is \`{repositoryUuid}:{stepUuid}\`, or \`{repositoryUuid}:{deploymentEnvironmentUuid}:{stepUuid}\` in a step with a deployment environment. The step UUID is new on every run: compare with \`StringLike\`, and end the pattern with \`*\`.
          `,
          md`Add a ${code('StringLike')} condition on ${code('…:sub')} next to ${code('StringEquals')} in the ${code('Condition')} of each trust policy.\n\n${stringLikeFix(model)}`,
        ],
      },
    };
  },
};
