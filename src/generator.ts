/**
 * The `repo` generator in plop's shape: prompts and `add` actions. Its default export registers it with
 * plop (the top-level plopfile.ts loads it built, and so can a user of the package), and `pipelines-oidc
 * new` renders the same jobs through its own light renderer (no inquirer load on the non-interactive path).
 */
import { readFileSync } from 'node:fs';
import type { NodePlopAPI } from 'node-plop';
import { QUESTIONS, askAnswers, resolveAnswers, type Answers, type Question } from './core/answers/index.js';
import { buildRepoModel, type RepoModel } from './core/repo/index.js';
import { BUILT_IN_TARGETS, questionsOf } from './core/targets/index.js';
import { UsageError } from './errors.js';
import { TEMPLATES_DIR, toolVersion } from './paths.js';
import { compileTemplates } from './render/compile.js';
import { renderRepository, type FileJob } from './render/files.js';
import { helpers } from './render/helpers.js';

export const GENERATOR_NAME = 'repo';
export const GENERATOR_DESCRIPTION = 'A Bitbucket Pipelines repository that deploys to AWS with OpenID Connect';
/** The prompt type that asks the chosen targets' questions, once per environment where each has its own. */
export const TARGET_ANSWERS_PROMPT = 'pipelines-oidc-target-answers';
/** The answer that prompt gives: the targets' answers by the resolver's keys (`siteBucket.production`). */
export const TARGET_ANSWERS = 'targetAnswers';

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

/** plop's answers as the resolver's flags: a checkbox gives an array, the targets' prompt an object of them. */
function asFlags(raw: Record<string, unknown>): Record<string, string> {
  const entries = Object.entries(raw).flatMap(([k, v]) =>
    k === TARGET_ANSWERS && v && typeof v === 'object' ? Object.entries(v) : [[k, v]],
  );
  return Object.fromEntries(
    entries.map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]).filter(([, v]) => typeof v === 'string'),
  ) as Record<string, string>;
}

/** A prompt's verdict on what was typed: true, or the rule's error led by the prompt's message. */
function verdict(q: Question, raw: string): true | string {
  if (raw === '' && q.optional) return true;
  const r = q.rule(raw);
  return 'error' in r ? `${q.message} ${r.error}` : true;
}

const ANSWER_NAMES = new Map([...QUESTIONS, ...questionsOf(BUILT_IN_TARGETS)].map((q) => [q.flag, q.name]));

/**
 * The resolver words its errors for the command line; plop's user answered prompts, which plop names by
 * their answer's name (its `-- --roleName …` too): `--site-bucket.test` becomes `siteBucket.test`.
 */
function namingPrompts(e: unknown): unknown {
  if (!(e instanceof UsageError)) return e;
  return new UsageError(
    e.message.replace(/--([a-z0-9-]+)(\.[^\s:,)]+)?/g, (flag, name: string, environment = '') =>
      ANSWER_NAMES.has(name) ? `${ANSWER_NAMES.get(name)}${environment}` : flag,
    ),
  );
}

/** What the resolver needs of the answers so far, from plop's process. */
const sourcesOf = (raw: Record<string, unknown>) => ({ flags: asFlags(raw), env: process.env });

/** An inquirer 9 prompt class (plop's), as `setPrompt` takes it: built on the readline of the prompts before it. */
type PromptClass = new (
  question: Record<string, unknown>,
  rl: unknown,
  answers: Record<string, unknown>,
) => { run(): Promise<unknown> };

/**
 * plop's prompts are a fixed list, but which target questions there are, and how many times each is
 * asked, depends on the answers before: this prompt hands those answers to the resolver, which asks each
 * of its questions (per environment included) through plop's own `input` prompt, with the same rule.
 */
export function targetAnswersPrompt(Input: PromptClass): PromptClass {
  return class TargetAnswers {
    constructor(
      readonly question: Record<string, unknown>,
      readonly rl: unknown,
      readonly answers: Record<string, unknown>,
    ) {}

    async run(): Promise<Answers['targetAnswers']> {
      const ask = async (q: Question, suggested: string | undefined) => {
        const message = `${q.message}${q.optional ? ' (optional)' : ''}`;
        const validate = (raw: string) => verdict(q, raw);
        const raw = String(
          await new Input({ name: q.name, message, default: suggested, validate }, this.rl, this.answers).run(),
        );
        const r = raw === '' && q.optional ? { value: '' } : q.rule(raw);
        return 'value' in r ? r.value : raw;
      };
      try {
        return (await askAnswers(sourcesOf(this.answers), ask)).targetAnswers;
      } catch (e) {
        throw namingPrompts(e);
      }
    }
  };
}

/** plop's (inquirer 9) questions: ours, from the same definitions as our flags, then the targets' prompt. */
export function plopPrompts() {
  const base = QUESTIONS.filter((q) => !q.flagOnly).map((q) => ({
    type: q.multiple ? 'checkbox' : q.choices ? 'list' : 'input',
    name: q.name,
    message: q.message,
    choices: q.choices?.map((c) => ({
      name: `${c.value}: ${c.description}`,
      value: c.value,
      checked: q.multiple && c.value === q.fallback?.({}, {}),
    })),
    default: (earlier: Record<string, string>) => q.fallback?.(earlier, process.env),
    validate: (raw: string | string[]) => verdict(q, Array.isArray(raw) ? raw.join(',') : raw),
  }));
  return [...base, { type: TARGET_ANSWERS_PROMPT, name: TARGET_ANSWERS, message: 'the chosen targets’ questions' }];
}

/** The generator config for plop: answers from its prompts are normalised by the same rules as ours. */
export function plopGenerator(version: string, templatesDir: string) {
  return {
    description: GENERATOR_DESCRIPTION,
    prompts: plopPrompts(),
    actions: (raw?: Record<string, unknown>) => {
      let answers: Answers;
      try {
        answers = resolveAnswers(sourcesOf(raw ?? {}));
      } catch (e) {
        throw namingPrompts(e);
      }
      return repoActions(buildRepoModel(answers), answers.name, version, templatesDir);
    },
  };
}

/** The plopfile's body: the helpers, the targets' prompt and the `repo` generator, registered with plop. */
export default function registerGenerators(plop: NodePlopAPI): void {
  for (const [name, fn] of Object.entries(helpers)) plop.setHelper(name, fn as Parameters<NodePlopAPI['setHelper']>[1]);
  // node-plop passes its inquirer through (untyped): the targets' prompt asks with its `input` prompt
  const { inquirer } = plop as unknown as { inquirer: { prompt: { prompts: Record<string, PromptClass> } } };
  const { prompts } = inquirer.prompt;
  plop.setPrompt(TARGET_ANSWERS_PROMPT, targetAnswersPrompt(prompts['input']!) as never);
  plop.setGenerator(
    GENERATOR_NAME,
    plopGenerator(toolVersion(), TEMPLATES_DIR) as Parameters<NodePlopAPI['setGenerator']>[1],
  );
}
