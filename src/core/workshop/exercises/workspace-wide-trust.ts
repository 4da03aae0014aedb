/** Trust with only the audience condition, as many tutorials show: every repository of the workspace gets in. */
import type { Exercise } from '../types.js';
import { exerciseRepository, trustFiles } from './repository.js';
import { code } from './markdown.js';
import { stringLikeFix, theRoles, trustFileList } from './trust-text.js';

export const workspaceWideTrust: Exercise = {
  id: 'workspace-wide-trust',
  summary: 'the trust policy tests only the audience: every repository of the workspace can assume the role',
  findingId: 'trust.workspace-wide',
  repository(model, files) {
    const broken = trustFiles(model, (policy) => {
      for (const s of policy.Statement) delete s.Condition['StringLike'];
    });
    const { workspace, name } = model.answers;
    const environments = model.roles.some((r) => r.environment);
    return exerciseRepository(model, files, broken, {
      title: 'every repository can deploy',
      task: [
        `${theRoles(model, true)} ${model.roles.length > 1 ? 'are' : 'is'} meant for the pipelines of ${code(`${workspace}/${name}`)} only. A security review found that a`,
        `pipeline in any repository of the workspace ${code(workspace)} can assume ${model.roles.length > 1 ? 'them' : 'it'}. Change ${trustFileList(model)} so that only this`,
        `repository's pipelines get in${environments ? ', each role only from steps of its own deployment environment' : ''}.`,
      ].join('\n'),
      hints: [
        'Every repository of a workspace gets tokens with the same audience (`aud`). What in a token tells one repository from another, and does the trust policy look at it?',
        'The token\'s `sub` claim is `{repositoryUuid}:{stepUuid}`, or `{repositoryUuid}:{deploymentEnvironmentUuid}:{stepUuid}` in a step with a deployment environment. The step UUID is new on every run: compare with `StringLike`, and end the pattern with `*`.',
        `Add a ${code('StringLike')} condition on ${code('…:sub')} next to ${code('StringEquals')} in the ${code('Condition')} of each trust policy.\n\n${stringLikeFix(model)}`,
      ],
    });
  },
};
