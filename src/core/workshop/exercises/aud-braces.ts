/** The audience with braces around the workspace UUID, as the UUID is often copied: the token's aud has none. */
import { audience, braced } from '../../facts/index.js';
import { code, md } from '../../util/index.js';
import type { Exercise } from '../types.js';
import { trustFilesEquating } from './repository.js';
import { trustFileList } from './trust-text.js';

export const audBraces: Exercise = {
  id: 'aud-braces',
  summary: 'the trust policy writes the audience with braces around the workspace UUID: no token matches',
  findingId: 'trust.aud',
  repository(model) {
    const { key, broken } = trustFilesEquating(model, 'aud', () => audience(braced(model.values.workspaceUuid)));
    return {
      broken,
      text: {
        title: 'access denied',
        task: md`Every run of the pipeline fails at its first AWS call with
\`AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity\`. The identity provider in AWS
is set up correctly and the step has its token: the problem is in ${trustFileList(model)}. Find it and fix it.`,
        hints: [
          md`
The trust policy compares two claims of the token with fixed values. One of the comparisons is right.
          `,
          md`Compare the audience in the ${code('…:aud')} condition, character by character, with the Audience that Repository settings → Pipelines → OpenID Connect shows.`,
          md`The token's ${code('aud')} is ${code('ari:cloud:bitbucket::workspace/<workspace-uuid>')} with the workspace UUID **without** braces (unlike the UUIDs in ${code('sub')}). Remove the ${code('{')} and ${code('}')} around the UUID in the value of ${code(key)}.`,
        ],
      },
    };
  },
};
