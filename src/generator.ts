/**
 * The `repo` generator in plop's shape: prompts and `add` actions. plopfile.ts registers it with plop,
 * and `pipelines-oidc new` runs the same actions through its own light renderer (no inquirer load on
 * the non-interactive path).
 */
import { QUESTIONS, type Answers } from './core/answers.js';
import { buildRepoModel, type RepoModel } from './core/model.js';
import { resolveAnswers } from './core/resolve.js';
import { templatePathFor } from './render/files.js';
import { templateContext, type TemplateContext } from './render/view.js';

export const GENERATOR_NAME = 'repo';
export const GENERATOR_DESCRIPTION = 'A Bitbucket Pipelines repository that deploys to AWS with OpenID Connect';

export interface AddAction {
  type: 'add';
  /** Destination path (absolute, or relative to plop's destination). */
  path: string;
  /** Template path, relative to the templates folder. */
  templateFile: string;
  data: TemplateContext;
  abortOnFail: true;
}

/** One `add` action per generated file, all sharing the template context built from the answers. */
export function repoActions(model: RepoModel, destination: string, version: string, templatesDir: string): AddAction[] {
  const data = templateContext(model, version);
  return model.files.map((file) => ({
    type: 'add',
    path: `${destination}/${file}`,
    templateFile: `${templatesDir}/${templatePathFor(file)}`,
    data,
    abortOnFail: true,
  }));
}

/** plop's (inquirer 9) questions, from the same definitions as our flags and prompts. */
export function plopPrompts() {
  return QUESTIONS.map((q) => ({
    type: q.choices ? 'list' : 'input',
    name: q.name,
    message: q.message,
    choices: q.choices?.map((c) => ({ name: `${c.value}: ${c.description}`, value: c.value })),
    default: (earlier: Partial<Answers>) => q.fallback?.(earlier, process.env),
    validate: (raw: string) => {
      if (raw === '' && q.optional) return true;
      const r = q.rule(raw);
      return 'error' in r ? `${q.message} ${r.error}` : true;
    },
  }));
}

/** The generator config for plop: answers from its prompts are normalised by the same rules as ours. */
export function plopGenerator(version: string, templatesDir: string) {
  return {
    description: GENERATOR_DESCRIPTION,
    prompts: plopPrompts(),
    actions: (raw?: Record<string, unknown>) => {
      const flags = Object.fromEntries(Object.entries(raw ?? {}).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
      const answers = resolveAnswers({ flags, env: process.env });
      return repoActions(buildRepoModel(answers), answers.name, version, templatesDir);
    },
  };
}
