/** Steps without `oidc: true`: Bitbucket gives them no token, so they cannot assume the role. */
import { code, joined, md } from '../../util/index.js';
import { PIPELINE_FILE } from '../../facts/index.js';
import type { Exercise } from '../types.js';
import { mapSteps, pipelineFile, stepsOf } from './repository.js';

/** The generated guard names the fix in its message; the exercise's guard states only the symptom. */
const GUARD = ': "${BITBUCKET_STEP_OIDC_TOKEN:?No OIDC token in this step}"';

export const missingOidc: Exercise = {
  id: 'missing-oidc',
  summary: "the pipeline's steps lack oidc: true, so Bitbucket gives them no token",
  findingId: 'pipeline.oidc-missing',
  repository(model) {
    const broken = pipelineFile(
      mapSteps(model.pipeline, ({ oidc: _oidc, ...step }) => ({
        ...step,
        script: step.script.map((line) => (/oidc: true/.test(line) ? GUARD : line)),
      })),
    );
    const steps = stepsOf(model.pipeline).map((s) => code(s.name));
    return {
      broken: [broken],
      text: {
        title: 'no token',
        task: md`The pipeline stops before the first AWS call of ${
          steps.length > 1
            ? md`
each step
              `
            : md`
its step
              `
        } with ${code('No OIDC token in this step')}.
The role and its trust policy are correct. Make the pipeline get its credentials.`,
        hints: [
          md`
Bitbucket does not hand an OpenID Connect token to every step.
          `,
          md`A step gets ${code('$BITBUCKET_STEP_OIDC_TOKEN')} only when it asks for one, with a key of the step itself (next to ${code('name')}, ${code('image')} and ${code('script')}).`,
          md`Add ${code('oidc: true')} to every step that talks to AWS, here: ${joined(steps, ', ')}, in ${code(PIPELINE_FILE)}.`,
        ],
      },
    };
  },
};
