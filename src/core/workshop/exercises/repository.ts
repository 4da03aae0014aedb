/**
 * What every exercise repository is made of. It holds the normally rendered pipeline, each role's IAM
 * JSON and .gitignore (one of them broken by the exercise), a short README and EXERCISE.md, and nothing
 * else: Terraform, CloudFormation and the generated README show the correct policies, and the manifest's
 * answers would make `check` report iac.drift (and `update` repair the broken file).
 */
import {
  conditionKey,
  issuerHostPath,
  type PolicyDocument,
  type TrustPolicy,
  PIPELINE_FILE,
} from '../../facts/index.js';
import {
  concretePolicies,
  type RepoModel,
  type RoleModel,
  type PipelineDoc,
  type PipelineStep,
  plainDocument,
  walkSteps,
} from '../../repo/index.js';
import type { Json } from '../../util/index.js';
import type { ExerciseFile } from '../types.js';

/** The rendered files an exercise repository keeps (but for those it breaks), in the order they are written. */
export const keptPaths = (model: RepoModel) => [
  PIPELINE_FILE,
  ...model.roles.flatMap((r) => [r.trustFile, r.permissionsFile]),
];

/** The condition key of a claim of this workspace's tokens, e.g. `api.bitbucket.org/…/oidc:sub`. */
export const claimKey = (model: RepoModel, claim: string) =>
  conditionKey(issuerHostPath(model.values.workspace), claim);

/** Each role's trust policy file, from a copy of its concrete policy changed by `edit`. */
export function trustFiles(model: RepoModel, edit: (policy: TrustPolicy, role: RoleModel) => void): ExerciseFile[] {
  return model.roles.map((role) => {
    const policy = structuredClone(concretePolicies(model, role).trustPolicy) as unknown as TrustPolicy;
    edit(policy, role);
    return { path: role.trustFile, json: policy as unknown as Json };
  });
}

/**
 * Each role's trust file with `StringEquals` on `claim` set to the role's `value` in every statement (a
 * `StringLike` block dropped first with `dropLike`): the shape of the mistakes made in the audience or sub.
 */
export function trustFilesEquating(
  model: RepoModel,
  claim: string,
  value: (role: RoleModel) => string,
  { dropLike = false } = {},
): { key: string; broken: ExerciseFile[] } {
  const key = claimKey(model, claim);
  const broken = trustFiles(model, (policy, role) => {
    for (const s of policy.Statement) {
      if (dropLike) delete s.Condition['StringLike'];
      s.Condition['StringEquals'] = { ...s.Condition['StringEquals'], [key]: value(role) };
    }
  });
  return { key, broken };
}

/** Each role's permissions file: the document `make` returns for the role's concrete permissions. */
export function permissionFiles(
  model: RepoModel,
  make: (permissions: PolicyDocument, role: RoleModel) => Json,
): ExerciseFile[] {
  return model.roles.map((role) => ({
    path: role.permissionsFile,
    json: make(concretePolicies(model, role).permissions as unknown as PolicyDocument, role),
  }));
}

type Step = { [key: string]: Json };
type Item = NonNullable<PipelineDoc['pipelines']['custom']>[string][number];

/** The pipeline with every step replaced by `edit(step)`, stages and pipelines kept as they are. */
export function mapSteps(doc: PipelineDoc, edit: (step: PipelineStep) => Step): Json {
  const item = (i: Item): Json =>
    'step' in i
      ? { step: edit(i.step) }
      : { stage: { ...(i.stage as unknown as Step), steps: i.stage.steps.map((s) => ({ step: edit(s.step) })) } };
  const group = (g: Record<string, Item[]> | undefined) =>
    g && Object.fromEntries(Object.entries(g).map(([name, items]) => [name, items.map(item)]));
  const { custom, branches } = doc.pipelines;
  return {
    pipelines: { ...(custom ? { custom: group(custom)! } : {}), ...(branches ? { branches: group(branches)! } : {}) },
  };
}

/** The exercise's bitbucket-pipelines.yml. */
export const pipelineFile = (doc: Json): ExerciseFile => ({ path: PIPELINE_FILE, pipeline: doc });

/** Every step of the pipeline, in stages too. */
export const stepsOf = (doc: PipelineDoc): PipelineStep[] =>
  walkSteps(doc, plainDocument).map((s) => s.step as PipelineStep);
