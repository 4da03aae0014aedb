/**
 * An exercise repository's files: the normally rendered pipeline, IAM JSON and .gitignore, with the files
 * the exercise breaks serialised in their place, a short README.md and EXERCISE.md from their templates.
 */
import type { RepoModel } from '../core/repo/index.js';
import type { RenderedFile } from '../core/util/index.js';
import { EXERCISE_FILE, GITIGNORE, README_FILE, templateOf } from '../core/facts/index.js';
import { keptPaths, type Exercise, type ExerciseFile, type ExerciseRepository } from '../core/workshop/index.js';
import type { TemplateLookup } from './files.js';
import { toYaml, type YamlValue } from './yaml.js';

/** A broken file as the repository's templates would write it. */
function serialise(file: ExerciseFile): string {
  if ('json' in file) return `${JSON.stringify(file.json, null, 2)}\n`;
  // a header that promises nothing the exercise breaks
  return `# The pipeline of this workshop exercise: see ${EXERCISE_FILE}.\n${toYaml(file.pipeline as YamlValue).trimEnd()}\n`;
}

function exerciseContext(model: RepoModel, exercise: ExerciseRepository) {
  return {
    name: model.answers.name,
    repository: `${model.answers.workspace}/${model.answers.name}`,
    account: model.answers.account,
    roles: model.roles.map((r) => ({
      arn: r.concreteArn,
      environment: r.environment ?? '',
      trustFile: r.trustFile,
      permissionsFile: r.permissionsFile,
    })),
    title: exercise.text.title,
    task: exercise.text.task,
    hints: exercise.text.hints.map((text, i) => ({ number: String(i + 1), text })),
  };
}

/** The exercise repository of `model`: `files` are its normally rendered files. */
export function exerciseFiles(
  exercise: Exercise,
  model: RepoModel,
  files: RenderedFile[],
  template: TemplateLookup,
): RenderedFile[] {
  const built = exercise.repository(model);
  const rendered = new Map(files.map((f) => [f.path, f.content]));
  const replaced = new Map(built.broken.map((f) => [f.path, serialise(f)]));
  const context = exerciseContext(model, built);
  const render = (path: string) => template<typeof context>(`exercise/${templateOf(path)}`)(context);
  const gitignore = rendered.get(GITIGNORE);
  return [
    ...keptPaths(model).flatMap((path) => {
      const content = replaced.get(path) ?? rendered.get(path);
      return content === undefined ? [] : [{ path, content }];
    }),
    { path: README_FILE, content: render(README_FILE) },
    { path: EXERCISE_FILE, content: render(EXERCISE_FILE) },
    ...(gitignore === undefined ? [] : [{ path: GITIGNORE, content: gitignore }]),
  ];
}
