/** The pipeline before OIDC: it signs in with an IAM user's access keys stored as repository variables. */
import { code, joined, md, yamlBlock } from '../../util/index.js';
import { credentialScript, verifyRoleScript } from '../../repo/index.js';
import { PIPELINE_FILE } from '../../facts/index.js';
import type { Exercise } from '../types.js';
import { mapSteps, pipelineFile } from './repository.js';

const KEY_LINES = [
  ': "${AWS_ACCESS_KEY_ID:?Set the repository variable AWS_ACCESS_KEY_ID}"',
  ': "${AWS_SECRET_ACCESS_KEY:?Set the repository variable AWS_SECRET_ACCESS_KEY}"',
];

export const staticKeys: Exercise = {
  id: 'static-keys',
  summary: 'the pipeline signs in with stored access keys (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) instead of OIDC',
  findingId: 'pipeline.static-keys',
  repository(model) {
    const credentials = credentialScript(model.answers.auth, model.guide, model.sessionSeconds);
    // the role's session is checked only once there is one: with keys the caller is an IAM user
    const oidcLines = new Set([...credentials, ...model.roles.flatMap((r) => verifyRoleScript(r.concreteArn))]);
    const broken = pipelineFile(
      mapSteps(model.pipeline, ({ oidc: _oidc, ...step }) => {
        const at = Math.max(
          0,
          step.script.findIndex((line) => oidcLines.has(line)),
        );
        const script = step.script.filter((line) => !oidcLines.has(line));
        return { ...step, script: [...script.slice(0, at), ...KEY_LINES, ...script.slice(at)] };
      }),
    );
    const variables = joined(
      [
        ...model.repositoryVariables.map((v) => md`- repository variable ${code(v.name)}: ${code(v.value)}`),
        ...model.deploymentVariables.map(
          (v) => md`- deployment variable ${code(v.name)} of the environment ${code(v.environment)}: ${code(v.value)}`,
        ),
      ],
      '\n',
    );
    return {
      broken: [broken],
      text: {
        title: 'stored access keys',
        task: md`This pipeline still signs in to AWS with an IAM user's access keys, stored as the repository variables ${code('AWS_ACCESS_KEY_ID')}
and ${code('AWS_SECRET_ACCESS_KEY')}. The role for it exists and trusts this repository's pipelines. Switch
the pipeline to OpenID Connect, so that no key is stored anywhere.`,
        hints: [
          md`
Stored keys live until someone deletes them. A step can instead get a short-lived token from Bitbucket and exchange it for the role's credentials, which last an hour.
          `,
          md`Each step needs two changes: it must ask Bitbucket for the token, and its script must hand the token and the role to the AWS CLI instead of the keys. The role comes from these variables:\n\n${variables}`,
          md`In every step of ${code(PIPELINE_FILE)}: add ${code('oidc: true')}, and replace the two lines that read ${code('AWS_ACCESS_KEY_ID')} and ${code('AWS_SECRET_ACCESS_KEY')} by these:\n\n${yamlBlock(credentials)}\n\nSet the variables above in Bitbucket; then delete the key variables and deactivate the keys in IAM.`,
        ],
      },
    };
  },
};
