/** A condition on branchName: IAM exposes no such key for an OIDC provider, so the condition never matches. */
import { code, md } from '../../util/index.js';
import type { Exercise } from '../types.js';
import { trustFilesEquating } from './repository.js';
import { theRoles, trustFileList } from './trust-text.js';

const BRANCH = 'main';

export const unsupportedClaim: Exercise = {
  id: 'unsupported-claim',
  summary: 'the trust policy tests branchName, a claim IAM does not expose: no token matches',
  findingId: 'trust.unsupported-key',
  repository(model) {
    const { key, broken } = trustFilesEquating(model, 'branchName', () => BRANCH);
    return {
      broken,
      text: {
        title: 'only from main',
        task: md`Someone wanted only the ${code(BRANCH)} branch to deploy, and added a condition to ${trustFileList(model)}.
Since then no pipeline can assume ${theRoles(model)}, not even on ${code(BRANCH)}: every run fails with
\`AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity\`. Make the pipeline work again.`,
        hints: [
          md`
The token carries many claims, but IAM turns only a few of them into condition keys it can test.
          `,
          md`For an OpenID Connect provider IAM knows ${code('aud')}, ${code('sub')}, ${code('amr')}, ${code('email')} and ${code('oaud')}. A condition on any other claim never matches, so nothing gets in.`,
          md`Remove the ${code(key)} entry from ${code('StringEquals')}. To limit deployments to a branch, do it in Bitbucket: give the steps a deployment environment restricted to ${code(BRANCH)} (Repository settings → Deployments), and scope the role to that environment with the ${code('sub')} pattern ${code('{<repository-uuid>}:{<environment-uuid>}:*')}.`,
        ],
      },
    };
  },
};
