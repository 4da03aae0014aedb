/**
 * The `repo` generator in plop's shape: prompts and `add` actions. plopfile.ts registers it with plop,
 * and `pipelines-oidc new` renders the same jobs through its own light renderer (no inquirer load on
 * the non-interactive path).
 */
import { readFileSync } from 'node:fs';
import { QUESTIONS, asQuestion, resolveAnswers } from './core/answers/index.js';
import { buildRepoModel, type RepoModel } from './core/repo/index.js';
import { BUILT_IN_TARGETS, questionsOf, type Gallery } from './core/targets/index.js';
import { compileTemplates } from './render/compile.js';
import { renderRepository, type FileJob } from './render/files.js';

export const GENERATOR_NAME = 'repo';
export const GENERATOR_DESCRIPTION = 'A Bitbucket Pipelines repository that deploys to AWS with OpenID Connect';

export interface AddAction {
  type: 'add';
  /** Destination path (absolute, or relative to plop's destination). */
  path: string;
  templateFile: string;
  data: FileJob['data'];
  abortOnFail: true;
}

/** One `add` action per generated file, each with the data its template is rendered with. */
export function repoActions(model: RepoModel, destination: string, version: string, templatesDir: string): AddAction[] {
  const { jobs } = renderRepository(
    model,
    version,
    compileTemplates((t) => readFileSync(`${templatesDir}/${t}`, 'utf8')),
  );
  return jobs.map((job) => ({
    type: 'add',
    path: `${destination}/${job.path}`,
    templateFile: `${templatesDir}/${job.template}`,
    data: job.data,
    abortOnFail: true,
  }));
}

/** Inquirer's answer for a target list: an array from the checkbox, or a string given on the command line. */
const chosen = (earlier: Record<string, unknown>): string[] => {
  const t = earlier['target'];
  return Array.isArray(t) ? t.map(String) : typeof t === 'string' ? t.split(',') : [];
};

/**
 * plop's (inquirer 9) questions, from the same definitions as our flags and prompts: ours, then each
 * target's, asked only when one of the chosen targets has it.
 */
export function plopPrompts(gallery: Gallery = BUILT_IN_TARGETS) {
  const targetPrompts = questionsOf(gallery).map((tq) => {
    const q = asQuestion(tq);
    const owners = gallery.filter((t) => t.questions.some((x) => x.name === tq.name)).map((t) => t.id);
    return {
      type: 'input',
      name: q.name,
      message: `${q.message}${q.optional ? ' (optional)' : ''}`,
      default: tq.default,
      when: (earlier: Record<string, unknown>) => chosen(earlier).some((id) => owners.includes(id)),
      validate: (raw: string) => {
        if (raw === '' && q.optional) return true;
        const r = q.rule(raw);
        return 'error' in r ? `${q.message} ${r.error}` : true;
      },
    };
  });
  return [...baseQuestions(), ...targetPrompts];
}

function baseQuestions() {
  return QUESTIONS.map((q) => ({
    type: q.multiple ? 'checkbox' : q.choices ? 'list' : 'input',
    name: q.name,
    message: q.message,
    choices: q.choices?.map((c) => ({
      name: `${c.value}: ${c.description}`,
      value: c.value,
      checked: q.multiple && c.value === q.fallback?.({}, {}),
    })),
    default: (earlier: Record<string, string>) => q.fallback?.(earlier, process.env),
    validate: (raw: string | string[]) => {
      const text = Array.isArray(raw) ? raw.join(',') : raw;
      if (text === '' && q.optional) return true;
      const r = q.rule(text);
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
      const flags = Object.fromEntries(
        Object.entries(raw ?? {})
          .map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v])
          .filter(([, v]) => typeof v === 'string'),
      ) as Record<string, string>;
      const answers = resolveAnswers({ flags, env: process.env });
      return repoActions(buildRepoModel(answers), answers.name, version, templatesDir);
    },
  };
}
