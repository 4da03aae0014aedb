/**
 * What a rehearsal runs: the `oidc: true` steps of the chosen pipelines with the variables Bitbucket would
 * set, the seed commands that create what the steps expect, and the files they read from the repository.
 */
import { UsageError } from '../../errors.js';
import { environmentParam, parseEnvironments } from '../answers/index.js';
import { type RepoModel, PIPELINE_KINDS, plainDocument, stepInputs, walkPipelines } from '../repo/index.js';
import { PIPELINE_FILE } from '../facts/index.js';
import { shQuote } from '../util/index.js';
import { rehearsalSeed } from '../targets/index.js';

export interface RehearsalStep {
  /** `custom:test-aws-oidc`, `branches:main`, `default`. */
  pipeline: string;
  name: string;
  environment?: string;
  /** The environment's UUID with braces, as in the token's `sub`. */
  environmentUuid?: string;
  script: string[];
  /** Repository variables, overridden by the environment's deployment variables. */
  variables: Record<string, string>;
  /** The image Bitbucket runs it in (the step's, else the file's default); a rehearsal uses this machine's tools. */
  image?: string;
  /** The repository paths its target reads (`RehearsalPlan.files`' inputs). */
  inputs: string[];
}

export interface RehearsalPlan {
  steps: RehearsalStep[];
  /** Bash lines run with full rights before the steps. */
  seed: string[];
  /** What the steps read: the path (`input`) and a stand-in file for it, written where the input is missing. */
  files: Array<{ input: string; path: string; content: string; alongside?: string }>;
}

const PIPELINE = new RegExp(`^(${PIPELINE_KINDS.filter((k) => k !== 'default').join('|')}):(.+)$`);

interface YamlStep {
  name?: unknown;
  image?: unknown;
  oidc?: unknown;
  script?: unknown;
}

/** An image as Bitbucket takes it: a name, or `{name: …}` with credentials. */
function imageName(image: unknown): string | undefined {
  if (typeof image === 'string') return image;
  const name = image && typeof image === 'object' ? (image as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : undefined;
}

/** Variables of a step: repository variables, then the deployment variables of its environment. */
function variablesFor(model: RepoModel, environment: string | undefined): Record<string, string> {
  const vars = Object.fromEntries(model.repositoryVariables.map((v) => [v.name, v.value]));
  for (const v of model.deploymentVariables) if (v.environment === environment) vars[v.name] = v.value;
  return vars;
}

export function rehearsalPlan(
  model: RepoModel,
  pipelineDoc: unknown,
  selected: string | undefined,
  /** UUIDs made up for the environments the answers have none of. */
  madeUpEnvironments: Record<string, string> = {},
): RehearsalPlan {
  if (selected !== undefined && selected !== 'default' && !PIPELINE.test(selected)) {
    throw new UsageError(`--pipeline ${selected}: give custom:<name>, branches:<name> or default`);
  }
  const all = walkPipelines(pipelineDoc, plainDocument);
  const chosen = selected === undefined ? all : all.filter((p) => p.id === selected);
  if (selected !== undefined && !chosen.length) {
    throw new UsageError(
      `--pipeline ${selected}: ${PIPELINE_FILE} has no such pipeline (it has ${all.map((p) => p.id).join(', ') || 'none'})`,
    );
  }
  const uuids = new Map(
    parseEnvironments(model.answers.environments).map((e) => [e.name, e.uuid || madeUpEnvironments[e.name]]),
  );
  const inputs = stepInputs(model);
  const defaultImage = imageName((pipelineDoc as { image?: unknown } | null)?.image);
  const steps = chosen.flatMap(({ id, steps }) =>
    steps
      .map(({ step, deployment }) => ({ step: step as YamlStep, environment: deployment }))
      .filter(({ step }) => step.oidc === true)
      .map(({ step, environment }): RehearsalStep => {
        const uuid = environment ? uuids.get(environment) : undefined;
        const name = typeof step.name === 'string' ? step.name : 'step';
        const image = imageName(step.image) ?? defaultImage;
        return {
          pipeline: id,
          name,
          ...(environment ? { environment } : {}),
          ...(uuid ? { environmentUuid: `{${uuid}}` } : {}),
          ...(image ? { image } : {}),
          script: Array.isArray(step.script) ? step.script.filter((l): l is string => typeof l === 'string') : [],
          variables: variablesFor(model, environment),
          inputs: [
            ...new Set(inputs.filter((i) => i.step === name && i.environment === environment).map((i) => i.input)),
          ],
        };
      }),
  );
  // each environment's own resources (a per-environment answer), else the shared answer
  const environments = [...new Set(model.roles.map((r) => r.environment))];
  const rawIn = (environment: string | undefined) => (name: string) =>
    (environment && model.values[environmentParam(name, environment)]) || model.values[name] || '';
  const givenIn = (environment: string | undefined) => (name: string) => Boolean(rawIn(environment)(name));
  const files = new Map(
    inputs.map(({ input, path, content, alongside }) => [
      path,
      { input, path, content, ...(alongside === undefined ? {} : { alongside }) },
    ]),
  );
  const seed = environments.flatMap((e) =>
    model.targets.flatMap((t) => rehearsalSeed(t, givenIn(e), (name) => shQuote(rawIn(e)(name)))),
  );
  return { steps, seed: [...new Set(seed)], files: [...files.values()] };
}
