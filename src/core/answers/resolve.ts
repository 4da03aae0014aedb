/**
 * One rule for every answer: the flag, else the answers file, else a prompt (when one is possible),
 * else a default, else an error that names every missing flag. Pure apart from the injected `ask`.
 * First the questions of `new`, then the questions of the chosen targets.
 */
import { UsageError } from '../../errors.js';
import { questionsFor, type Answers, type Question } from './questions.js';
import { didYouMean, isObject, linearPattern } from '../util/index.js';
import {
  BUILT_IN_TARGETS,
  findTarget,
  questionsOf,
  type Gallery,
  type TargetDefinition,
  type TargetQuestion,
} from '../targets/index.js';
import { environmentAnswerKey, environmentFlag, releaseEnvironment } from './environment-answers.js';
import { parseEnvironments, repositoryPath, sessionSeconds, type Environment, type Rule } from './validate.js';
import { TOKEN_FILE_SESSION, sessionText } from '../facts/index.js';

export interface AnswerSources {
  /** Flag values by answer name: the questions of `new` and of the targets alike. */
  flags: Record<string, string | undefined>;
  /**
   * Values read from --answers (a plain object, or a manifest whose `answers` holds them), or from the
   * manifest of the repository being changed; `origin` names where they came from in messages.
   */
  file?: { path: string; values: Record<string, unknown>; origin?: string };
  env: Readonly<Record<string, string | undefined>>;
}

/** Asks one question; `suggested` is the default to offer. Must return a value the rule accepts. */
export type Ask = (
  question: Question,
  suggested: string | undefined,
  earlier: Record<string, string>,
) => Promise<string>;

export const flagLabel = (q: Question) => (q.name === 'name' ? '<name>' : `--${q.flag}`);

function shown(value: string): string {
  const s = JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 57)}…"` : s;
}

function check(q: Question, raw: string, where: string): string {
  const result = q.rule(raw);
  if ('error' in result) throw new UsageError(`${where} ${result.error} (got ${shown(raw)})`);
  return result.value;
}

/** Private-use characters mark parameters inside generated values (params.ts): no answer may carry one. */
const PRIVATE_USE = /[\uE000-\uF8FF]/;

const patternRule = (q: TargetQuestion): Rule => {
  const pattern = linearPattern(q.pattern);
  return (raw) => {
    // a path question's own rule first: its pattern (a gallery's may be loose) cannot weaken it
    const path = q.insideRepository ? repositoryPath(raw) : undefined;
    if (path && 'error' in path) return { error: `${path.error} (${q.description}; e.g. ${q.example})` };
    if (PRIVATE_USE.test(raw)) return { error: 'must not contain private-use characters (U+E000 to U+F8FF)' };
    if (!pattern.test(raw)) return { error: `must match ${q.pattern} (${q.description}; e.g. ${q.example})` };
    return { value: raw };
  };
};

/** A target's question in the shape of ours, so flags, files and prompts treat both alike. */
export function asQuestion(q: TargetQuestion): Question {
  return {
    name: q.name as Question['name'],
    flag: q.flag,
    message: q.description,
    description: q.description,
    example: q.example,
    rule: patternRule(q),
    optional: q.optional,
    fallback: q.default === undefined ? undefined : () => q.default,
  };
}

const EXAMPLES = Object.fromEntries(questionsFor(BUILT_IN_TARGETS).map((q) => [q.name, q.example]));
const BASE_KEYS = new Set(questionsFor(BUILT_IN_TARGETS).map((q) => q.name as string));

/** Values from an answers file, checked for unknown keys and non-string values. */
export function answersFromFile(path: string, parsed: unknown): Record<string, unknown> {
  const root =
    parsed && typeof parsed === 'object' && 'answers' in parsed ? (parsed as { answers: unknown }).answers : parsed;
  if (!isObject(root))
    throw new UsageError(`--answers ${path}: must be a JSON object of answers, e.g. {"workspace": "phub"}`);
  for (const [key, value] of Object.entries(root)) {
    if (key === 'targetAnswers') {
      if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
        throw new UsageError(`--answers ${path}: "targetAnswers" must be an object of strings`);
      }
      continue;
    }
    if (!BASE_KEYS.has(key))
      throw new UsageError(
        `--answers ${path}: unknown answer "${key}"${didYouMean(key, [...BASE_KEYS, 'targetAnswers']) || ` (known: ${[...BASE_KEYS, 'targetAnswers'].join(', ')})`}`,
      );
    if (typeof value !== 'string') throw new UsageError(`--answers ${path}: "${key}" must be a string`);
  }
  return root;
}

/** The flag's value, else the answers file's, validated; undefined when neither gives one. */
function given(
  q: Question,
  sources: AnswerSources,
  fileValues: Record<string, unknown> | undefined,
): string | undefined {
  const flag = sources.flags[q.name];
  const fromFile = fileValues?.[q.name];
  const [raw, where] =
    flag !== undefined
      ? [flag, `${flagLabel(q)}:`]
      : typeof fromFile === 'string'
        ? [fromFile, `${flagLabel(q)} (from ${sources.file?.origin ?? `--answers ${sources.file?.path}`}):`]
        : [];
  if (raw === undefined || where === undefined) return undefined;
  return raw === '' && q.optional ? '' : check(q, raw, where);
}

/** No value and no default. */
const MISSING = Symbol('missing');
/** No value only because an earlier answer it derives from is missing (that one is reported). */
const DERIVED = Symbol('derived');
type Reply = string | typeof MISSING | typeof DERIVED;

/** A question the sources did not answer: the driver answers it (default or prompt), undefined if it cannot. */
interface Pending {
  q: Question;
  earlier: Record<string, string>;
}

/**
 * The resolution as a generator that yields each unanswered question, so one definition serves the
 * synchronous path (defaults; plop needs its actions synchronously) and the interactive one (prompts).
 */
function* resolveList(
  questions: Question[],
  sources: AnswerSources,
  fileValues: Record<string, unknown> | undefined,
): Generator<Pending, Record<string, string>, Reply> {
  const answers: Record<string, string> = {};
  const missing: string[] = [];
  for (const q of questions) {
    const value = given(q, sources, fileValues) ?? (yield { q, earlier: { ...answers } });
    if (typeof value === 'string') answers[q.name] = value;
    else if (value === MISSING) missing.push(flagLabel(q));
  }
  if (missing.length) {
    throw new UsageError(
      `missing required answer${missing.length > 1 ? 's' : ''}: ${missing.join(', ')} (give them as flags or in --answers, or run in a terminal without --yes to be asked)`,
    );
  }
  return answers;
}

/** The closest id when there is one, else every id. */
export function unknownTarget(where: string, id: string, gallery: Gallery): string {
  const ids = gallery.map((g) => g.id);
  return `${where}: unknown target "${id}"${didYouMean(id, ids) || ` (known: ${ids.join(', ')})`}`;
}

function chosenTargets(ids: string, gallery: Gallery): TargetDefinition[] {
  return ids.split(',').map((id) => {
    const t = findTarget(gallery, id);
    if (!t) throw new UsageError(unknownTarget('--target', id, gallery));
    return t;
  });
}

/**
 * The repository's and the environments' UUIDs are each their own: one equal to the workspace's UUID (or
 * to another of them) was pasted from the wrong place, and the trust policy would match no token.
 */
function checkDistinctUuids(answers: Record<string, string>): void {
  const workspace = answers['workspaceUuid'];
  const owners = [
    ...(answers['repoUuid'] ? [['--repo-uuid', answers['repoUuid']] as const] : []),
    ...parseEnvironments(answers['environments'] ?? '')
      .filter((e) => e.uuid)
      .map((e) => [`--environment ${e.name}`, e.uuid] as const),
  ];
  for (const [i, [flag, uuid]] of owners.entries()) {
    if (uuid === workspace)
      throw new UsageError(
        `${flag}: {${uuid}} is the workspace's UUID (--workspace-uuid), not ${flag === '--repo-uuid' ? "the repository's (Repository settings → Repository details)" : "the environment's (Repository settings → Deployments)"}`,
      );
    const same = owners.slice(0, i).find(([, other]) => other === uuid);
    if (same) throw new UsageError(`${flag}: {${uuid}} is the UUID ${same[0]} gives too; each has its own`);
  }
}

/** Role names get `-<environment>` appended: each must still be a valid IAM role name. */
function checkRoleNames(answers: Record<string, string>): void {
  const longest = parseEnvironments(answers['environments'] ?? '').reduce<Environment | undefined>(
    (a, e) => (a && a.name.length >= e.name.length ? a : e),
    undefined,
  );
  if (!longest) return;
  const name = `${answers['roleName']}-${longest.name}`;
  if (name.length > 64) {
    throw new UsageError(
      `--role-name: with --environment ${longest.name} the role name ${name} is ${name.length} characters, more than IAM's 64; choose a --role-name of at most ${63 - longest.name.length} characters`,
    );
  }
}

/** The token file gets the SDK's session, whatever the role allows: a longer one needs the explicit call. */
function checkSessionAuth(answers: Record<string, string>): void {
  const duration = answers['sessionDuration']!;
  if (answers['auth'] === 'token-file' && sessionSeconds(duration) > TOKEN_FILE_SESSION)
    throw new UsageError(
      `--session-duration: ${duration} needs --auth assume-role: with --auth token-file the AWS SDK asks STS for no duration, so every session lasts ${sessionText(TOKEN_FILE_SESSION)} whatever the role allows`,
    );
}

/**
 * A release runs in the last stage only, a build in the first: every other environment needs a deployment
 * of its own.
 */
function checkReleases(targets: TargetDefinition[], environments: Environment[]): void {
  if (environments.length < 2 || targets.some((t) => !t.release && !t.build)) return;
  const release = releaseEnvironment(environments)!;
  const busy = new Map([
    ...(targets.some((t) => t.release) ? [[release, `the last stage (${release.name})`] as const] : []),
    ...(targets.some((t) => t.build)
      ? [[environments[0]!, `the first stage (${environments[0]!.name})`] as const]
      : []),
  ]);
  const idle = environments.filter((e) => !busy.has(e)).map((e) => e.name);
  if (!idle.length) return;
  const where = [...busy.values()].join(' and ');
  throw new UsageError(
    `--target: ${targets.map((t) => t.id).join(', ')} ${targets.length > 1 ? 'are releases or builds that run' : `is a ${targets[0]!.build ? 'build' : 'release'} that runs`} only in ${where}, so --environment ${idle.join(', ')} would deploy nothing; add a deploy target such as sts-check or ecs-deploy, or drop those environments`,
  );
}

/**
 * The questions of the targets: a per-environment one once per environment. A plain value of such a
 * question serves the only environment; with several it is ambiguous, and a value for an environment
 * that does not exist (or for a shared question) is a mistake.
 */
function targetQuestions(
  targets: TargetDefinition[],
  environments: Environment[],
  sources: AnswerSources,
  fileValues: Record<string, unknown> | undefined,
): { questions: Question[]; flags: AnswerSources['flags']; fileValues: Record<string, unknown> | undefined } {
  const flags = { ...sources.flags };
  const file = fileValues && { ...fileValues };
  const all = questionsOf(targets);
  const perEnvironment = environments.length ? all.filter((q) => q.perEnvironment) : [];
  const names = new Set(environments.map((e) => e.name));
  for (const key of [...Object.keys(flags), ...Object.keys(file ?? {})].filter((k) => k.includes('.'))) {
    const [name, environment = ''] = key.split('.');
    const q = all.find((x) => x.name === name);
    if (!q || (flags[key] === undefined && file?.[key] === undefined)) continue;
    if (!q.perEnvironment)
      throw new UsageError(`--${environmentFlag(q.flag, environment)}: --${q.flag} is shared by every environment`);
    if (!names.has(environment))
      throw new UsageError(
        `--${environmentFlag(q.flag, environment)}: ${environment} is not one of the environments (${[...names].join(', ') || 'none given'})`,
      );
  }
  for (const q of perEnvironment) {
    // a plain answer serves the only environment, or each one without its own where the question allows
    if (environments.length === 1 || q.sharedFallback) {
      for (const e of environments) {
        const key = environmentAnswerKey(q.name, e.name);
        flags[key] ??= flags[q.name];
        if (file && file[key] === undefined && file[q.name] !== undefined) file[key] = file[q.name];
      }
    } else if (flags[q.name] !== undefined) {
      throw new UsageError(
        `--${q.flag} names a resource each environment has its own of: give ${environments.map((e) => `--${environmentFlag(q.flag, e.name)}`).join(', ')} instead`,
      );
    }
  }
  const questions = all.flatMap((q) =>
    perEnvironment.includes(q)
      ? environments.map((e) => ({
          ...asQuestion(q),
          name: environmentAnswerKey(q.name, e.name) as Question['name'],
          flag: environmentFlag(q.flag, e.name),
          message: `${q.description} (${e.name} environment)`,
        }))
      : [asQuestion(q)],
  );
  return { questions, flags, fileValues: file };
}

/** An --answers file's `targetAnswers` key no target of the gallery asks: a typo, named with the closest known one. */
function checkTargetAnswerKeys(sources: AnswerSources, gallery: Gallery): void {
  const values = sources.file?.values['targetAnswers'];
  if (!sources.file || sources.file.origin !== undefined || !isObject(values)) return;
  const questions = questionsOf(gallery);
  const known = questions.map((q) => q.name);
  // `<question>.<environment>`: a per-environment answer, whose environment is checked with the others
  const perEnvironment = new Set(questions.filter((q) => q.perEnvironment).map((q) => q.name));
  for (const key of Object.keys(values))
    if (!known.includes(key) && !perEnvironment.has(key.split('.')[0]!))
      throw new UsageError(
        `--answers ${sources.file.path}: unknown answer "${key}" in "targetAnswers"${didYouMean(key, known) || ` (known: ${known.join(', ')})`}`,
      );
}

/**
 * A target answer given as a flag belongs to a chosen target: otherwise it would be silently ignored.
 * For one repository (`new`, `update`, `add`); a workshop's flags serve attendees of different targets.
 */
export function checkTargetFlags(flags: AnswerSources['flags'], answers: Answers, gallery: Gallery): void {
  const targets = chosenTargets(answers.target, gallery);
  const chosen = new Set(questionsOf(targets).map((q) => q.name));
  const base = new Set(questionsFor(gallery).map((q) => q.name as string));
  for (const [key, value] of Object.entries(flags)) {
    // `<question>.<environment>`: a per-environment answer of that question
    const name = key.split('.')[0]!;
    if (value === undefined || base.has(name) || chosen.has(name)) continue;
    const owners = gallery.filter((t) => t.questions.some((q) => q.name === name));
    const flag = owners[0]?.questions.find((q) => q.name === name)?.flag ?? name;
    throw new UsageError(
      `--${flag}: answers a question of ${owners.map((t) => t.id).join(' or ')}, which is not a chosen target: add --target ${owners[0]?.id ?? '<id>'} (targets now: ${targets.map((t) => t.id).join(',')})`,
    );
  }
}

function* resolution(sources: AnswerSources, gallery: Gallery): Generator<Pending, Answers, Reply> {
  checkTargetAnswerKeys(sources, gallery);
  const base = yield* resolveList(questionsFor(gallery), sources, sources.file?.values);
  checkRoleNames(base);
  checkDistinctUuids(base);
  checkSessionAuth(base);
  const targets = chosenTargets(base['target']!, gallery);
  const environments = parseEnvironments(base['environments'] ?? '');
  checkReleases(targets, environments);
  const fileTargetAnswers = sources.file?.values['targetAnswers'] as Record<string, unknown> | undefined;
  const expanded = targetQuestions(targets, environments, sources, fileTargetAnswers);
  const targetAnswers = yield* resolveList(
    expanded.questions,
    { ...sources, flags: expanded.flags },
    expanded.fileValues,
  );
  return { ...(base as unknown as Omit<Answers, 'targetAnswers'>), targetAnswers };
}

/** Without prompts: given values, else defaults; every missing required answer named in one error. */
export function resolveAnswers(sources: AnswerSources, gallery: Gallery = BUILT_IN_TARGETS): Answers {
  const run = resolution(sources, gallery);
  let step = run.next();
  while (!step.done) {
    const { q, earlier } = step.value;
    const suggested = q.fallback?.(earlier, sources.env);
    if (suggested !== undefined) step = run.next(check(q, suggested, `${flagLabel(q)} (default):`));
    else if (q.optional) step = run.next('');
    else step = run.next(q.fallback?.({ ...EXAMPLES, ...earlier }, sources.env) === undefined ? MISSING : DERIVED);
  }
  return step.value;
}

/** Interactive: given values are kept, every other question is asked with its default offered. */
export async function askAnswers(
  sources: AnswerSources,
  ask: Ask,
  gallery: Gallery = BUILT_IN_TARGETS,
): Promise<Answers> {
  const run = resolution(sources, gallery);
  let step = run.next();
  while (!step.done) {
    const { q, earlier } = step.value;
    const suggested = q.fallback?.(earlier, sources.env);
    step = run.next(
      q.flagOnly && suggested !== undefined
        ? check(q, suggested, `${flagLabel(q)} (default):`)
        : await ask(q, suggested, earlier),
    );
  }
  return step.value;
}
