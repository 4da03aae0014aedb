/**
 * What every exercise repository is made of. It holds the normally rendered pipeline, each role's IAM
 * JSON and .gitignore (one of them broken by the exercise), a short README and EXERCISE.md, and nothing
 * else: Terraform, CloudFormation and the generated README show the correct policies, and the manifest's
 * answers would make `check` report iac.drift (and `update` repair the broken file).
 */
import { conditionKey, issuerHostPath } from '../../bitbucket.js';
import { concretePolicies, type RepoModel, type RoleModel } from '../../model.js';
import type { PipelineDoc, PipelineStep } from '../../pipeline.js';
import type { PolicyDocument, TrustPolicy } from '../../policy.js';
import type { RenderedFile } from '../../../render/files.js';
import { toYaml, type YamlValue } from '../../../render/yaml.js';
import { exerciseMarkdown, exerciseReadme, type ExerciseText } from './markdown.js';

const EXERCISE_FILE = 'EXERCISE.md';
const PIPELINE_FILE = 'bitbucket-pipelines.yml';

/** The rendered files an exercise repository keeps, in the order they are written. */
const keptPaths = (model: RepoModel) => [PIPELINE_FILE, ...model.roles.flatMap((r) => [r.trustFile, r.permissionsFile])];

/** The exercise repository: the kept files (`broken` in place of those it replaces), README.md, EXERCISE.md, .gitignore. */
export function exerciseRepository(model: RepoModel, files: RenderedFile[], broken: RenderedFile[], text: ExerciseText): RenderedFile[] {
  const rendered = new Map(files.map((f) => [f.path, f.content]));
  const replaced = new Map(broken.map((f) => [f.path, f.content]));
  const content = (path: string) => replaced.get(path) ?? rendered.get(path);
  const gitignore = rendered.get('.gitignore');
  return [
    ...keptPaths(model).flatMap((path) => {
      const text = content(path);
      return text === undefined ? [] : [{ path, content: text }];
    }),
    { path: 'README.md', content: exerciseReadme(model) },
    { path: EXERCISE_FILE, content: exerciseMarkdown(model, text) },
    ...(gitignore === undefined ? [] : [{ path: '.gitignore', content: gitignore }]),
  ];
}

/** A JSON file as the iam/*.json templates write it. */
const jsonFile = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** The condition key of a claim of this workspace's tokens, e.g. `api.bitbucket.org/…/oidc:sub`. */
export const claimKey = (model: RepoModel, claim: string) => conditionKey(issuerHostPath(model.values.workspace), claim);

/** Each role's trust policy file, from a copy of its concrete policy changed by `edit`. */
export function trustFiles(model: RepoModel, edit: (policy: TrustPolicy, role: RoleModel) => void): RenderedFile[] {
  return model.roles.map((role) => {
    const policy = structuredClone(concretePolicies(model, role).trustPolicy) as unknown as TrustPolicy;
    edit(policy, role);
    return { path: role.trustFile, content: jsonFile(policy) };
  });
}

/** Each role's permissions file: the document `make` returns for the role's concrete permissions. */
export function permissionFiles(model: RepoModel, make: (permissions: PolicyDocument, role: RoleModel) => unknown): RenderedFile[] {
  return model.roles.map((role) => ({
    path: role.permissionsFile,
    content: jsonFile(make(concretePolicies(model, role).permissions as unknown as PolicyDocument, role)),
  }));
}

type Step = { [key: string]: YamlValue };
type Item = NonNullable<PipelineDoc['pipelines']['custom']>[string][number];

/** The pipeline with every step replaced by `edit(step)`, stages and pipelines kept as they are. */
export function mapSteps(doc: PipelineDoc, edit: (step: PipelineStep) => Step): YamlValue {
  const item = (i: Item): YamlValue => ('step' in i ? { step: edit(i.step) } : { stage: { ...i.stage, steps: i.stage.steps.map((s) => ({ step: edit(s.step) })) } });
  const group = (g: Record<string, Item[]> | undefined) => g && Object.fromEntries(Object.entries(g).map(([name, items]) => [name, items.map(item)]));
  const { custom, branches } = doc.pipelines;
  return { pipelines: { ...(custom ? { custom: group(custom)! } : {}), ...(branches ? { branches: group(branches)! } : {}) } };
}

/** bitbucket-pipelines.yml as the template writes it, with a header that promises nothing the exercise breaks. */
export function pipelineFile(doc: YamlValue): RenderedFile {
  return { path: PIPELINE_FILE, content: `# The pipeline of this workshop exercise: see EXERCISE.md.\n${toYaml(doc).trimEnd()}\n` };
}

/** Every step of the pipeline, in stages too. */
export function stepsOf(doc: PipelineDoc): PipelineStep[] {
  const items = [...Object.values(doc.pipelines.custom ?? {}), ...Object.values(doc.pipelines.branches ?? {})].flat();
  return items.flatMap((i) => ('step' in i ? [i.step] : i.stage.steps.map((s) => s.step)));
}
