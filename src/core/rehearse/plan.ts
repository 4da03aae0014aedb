/**
 * What a rehearsal runs: the `oidc: true` steps of the chosen pipelines with the variables Bitbucket would
 * set, the seed commands that create what the steps expect, and the files they read from the repository.
 */
import { UsageError } from '../../errors.js';
import { environmentParam } from '../environment-answers.js';
import { isObject } from '../json.js';
import type { RepoModel } from '../model.js';
import { PIPELINE_FILE } from '../repository-files.js';
import { shQuote } from '../shell.js';
import { rehearsalFiles, rehearsalSeed } from '../targets/definition.js';
import { parseEnvironments } from '../validate.js';

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
}

export interface RehearsalPlan {
  steps: RehearsalStep[];
  /** Bash lines run with full rights before the steps. */
  seed: string[];
  files: Array<{ path: string; content: string }>;
}

const PIPELINE = /^(custom|branches|tags|bookmarks|pull-requests):(.+)$/;

interface YamlStep {
  name?: unknown;
  oidc?: unknown;
  deployment?: unknown;
  script?: unknown;
}

/** The steps of one pipeline in order, each with the deployment environment it (or its stage) is bound to. */
function stepsOf(items: unknown): Array<{ step: YamlStep; deployment?: string }> {
  if (!Array.isArray(items)) return [];
  return items.flatMap((item): Array<{ step: YamlStep; deployment?: string }> => {
    if (!isObject(item)) return [];
    if (isObject(item['step'])) return [{ step: item['step'] as YamlStep }];
    const stage = item['stage'];
    if (isObject(stage)) {
      const deployment = typeof stage['deployment'] === 'string' ? stage['deployment'] : undefined;
      return stepsOf(stage['steps']).map((s) => ({ ...s, ...(deployment ? { deployment } : {}) }));
    }
    const parallel = item['parallel'];
    return stepsOf(isObject(parallel) ? parallel['steps'] : parallel);
  });
}

/** Every pipeline of the file as `kind:name` (or `default`) with its items. */
function pipelinesOf(doc: unknown): Array<{ id: string; items: unknown }> {
  const pipelines = isObject(doc) && isObject(doc['pipelines']) ? doc['pipelines'] : {};
  return Object.entries(pipelines).flatMap(([kind, value]) =>
    kind === 'default'
      ? [{ id: 'default', items: value }]
      : isObject(value)
        ? Object.entries(value).map(([name, items]) => ({ id: `${kind}:${name}`, items }))
        : [],
  );
}

/** Variables of a step: repository variables, then the deployment variables of its environment. */
function variablesFor(model: RepoModel, environment: string | undefined): Record<string, string> {
  const vars = Object.fromEntries(model.repositoryVariables.map((v) => [v.name, v.value]));
  for (const v of model.deploymentVariables) if (v.environment === environment) vars[v.name] = v.value;
  return vars;
}

export function rehearsalPlan(model: RepoModel, pipelineDoc: unknown, selected: string | undefined): RehearsalPlan {
  if (selected !== undefined && selected !== 'default' && !PIPELINE.test(selected)) {
    throw new UsageError(`--pipeline ${selected}: give custom:<name>, branches:<name> or default`);
  }
  const all = pipelinesOf(pipelineDoc);
  const chosen = selected === undefined ? all : all.filter((p) => p.id === selected);
  if (selected !== undefined && !chosen.length) {
    throw new UsageError(
      `--pipeline ${selected}: ${PIPELINE_FILE} has no such pipeline (it has ${all.map((p) => p.id).join(', ') || 'none'})`,
    );
  }
  const uuids = new Map(parseEnvironments(model.answers.environments).map((e) => [e.name, e.uuid]));
  const steps = chosen.flatMap(({ id, items }) =>
    stepsOf(items)
      .filter(({ step }) => step.oidc === true)
      .map(({ step, deployment }): RehearsalStep => {
        const environment = typeof step.deployment === 'string' ? step.deployment : deployment;
        const uuid = environment ? uuids.get(environment) : undefined;
        return {
          pipeline: id,
          name: typeof step.name === 'string' ? step.name : 'step',
          ...(environment ? { environment } : {}),
          ...(uuid ? { environmentUuid: `{${uuid}}` } : {}),
          script: Array.isArray(step.script) ? step.script.filter((l): l is string => typeof l === 'string') : [],
          variables: variablesFor(model, environment),
        };
      }),
  );
  // each environment's own resources (a per-environment answer), else the shared answer
  const environments = [...new Set(model.roles.map((r) => r.environment))];
  const rawIn = (environment: string | undefined) => (name: string) =>
    (environment && model.values[environmentParam(name, environment)]) || model.values[name] || '';
  const givenIn = (environment: string | undefined) => (name: string) => Boolean(rawIn(environment)(name));
  const files = new Map(
    environments
      .flatMap((e) => model.targets.flatMap((t) => rehearsalFiles(t, givenIn(e), rawIn(e))))
      .map((f) => [f.path, f]),
  );
  const seed = environments.flatMap((e) =>
    model.targets.flatMap((t) => rehearsalSeed(t, givenIn(e), (name) => shQuote(rawIn(e)(name)))),
  );
  return { steps, seed: [...new Set(seed)], files: [...files.values()] };
}
