/** StringEquals on sub, copied from one run's token: the step UUID at its end is new on every run. */
import { subClaim } from '../../facts/index.js';
import { code, md } from '../../util/index.js';
import { environmentUuidParam } from '../../repo/index.js';
import type { Exercise } from '../types.js';
import { trustFilesEquating } from './repository.js';
import { theRoles, trustFileList } from './trust-text.js';

/** The step of the one run whose token the exercise's trust policy was copied from. */
const PAST_STEP = '5f0c1e2d-8a7b-4c3d-9e2f-1a0b9c8d7e6f';

export const subExact: Exercise = {
  id: 'sub-exact',
  summary: 'the trust policy compares sub with StringEquals: only the run it was copied from matches',
  findingId: 'trust.sub-exact',
  repository(model) {
    const { key, broken } = trustFilesEquating(
      model,
      'sub',
      (role) =>
        subClaim(
          model.values.repoUuid,
          PAST_STEP,
          role.environment ? model.values[environmentUuidParam(role.environment)] : undefined,
        ),
      { dropLike: true },
    );
    return {
      broken,
      text: {
        title: 'it worked once',
        task: md`${theRoles(model, true)} let the pipeline in once, on the run the trust policy was written from, and never
again: every later run fails with \`AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity\`.
Change ${trustFileList(model)} so that every run of this repository's pipelines gets in, and nothing more.`,
        hints: [
          md`Look at what the ${code('…:sub')} condition compares the token's ${code('sub')} with, and think about which part of ${code('sub')} changes between runs.`,
          md`A token's ${code('sub')} is ${code('{repositoryUuid}:{stepUuid}')} (with ${code('{deploymentEnvironmentUuid}:')} in between for a step with a deployment environment), and the step UUID is new on every run. ${code('StringEquals')} can only ever match the one run the value was copied from.`,
          md`Move the ${code(key)} entry out of ${code('StringEquals')} into a new ${code('StringLike')} block next to it, and replace the step UUID at the end of its value (the last ${code('{…}')}) by ${code('*')}: keep the UUIDs before it. For example ${code('"StringLike": { "…:sub": "{<repository-uuid>}:*" }')}.`,
        ],
      },
    };
  },
};
