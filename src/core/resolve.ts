/**
 * One rule for every answer: the flag, else the answers file, else a prompt (when one is possible),
 * else a default, else an error that names every missing flag. Pure apart from the injected `ask`.
 */
import { UsageError } from '../errors.js';
import { QUESTIONS, type AnswerName, type Answers, type Question } from './answers.js';

export interface AnswerSources {
  flags: Partial<Record<AnswerName, string>>;
  /** Values read from --answers (a plain object, or a manifest whose `answers` holds them). */
  file?: { path: string; values: Record<string, unknown> };
  env: Readonly<Record<string, string | undefined>>;
}

/** Asks one question; `suggested` is the default to offer. Must return a value the rule accepts. */
export type Ask = (question: Question, suggested: string | undefined, earlier: Partial<Answers>) => Promise<string>;

export const flagLabel = (q: Question) => (q.name === 'name' ? '<name>' : `--${q.flag}`);

const EXAMPLES = Object.fromEntries(QUESTIONS.map((q) => [q.name, q.example]));

function shown(value: string): string {
  const s = JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 57)}…"` : s;
}

function check(q: Question, raw: string, where: string): string {
  const result = q.rule(raw);
  if ('error' in result) throw new UsageError(`${where} ${result.error} (got ${shown(raw)})`);
  return result.value;
}

/** Values from an answers file, checked for unknown keys and non-string values. */
export function answersFromFile(path: string, parsed: unknown): Record<string, unknown> {
  const root = parsed && typeof parsed === 'object' && 'answers' in parsed ? (parsed as { answers: unknown }).answers : parsed;
  if (!root || typeof root !== 'object' || Array.isArray(root)) {
    throw new UsageError(`--answers ${path}: must be a JSON object of answers, e.g. {"workspace": "phub"}`);
  }
  for (const [key, value] of Object.entries(root)) {
    if (!QUESTIONS.some((q) => q.name === key)) {
      const known = QUESTIONS.map((q) => q.name).join(', ');
      throw new UsageError(`--answers ${path}: unknown answer "${key}" (known: ${known})`);
    }
    if (typeof value !== 'string') throw new UsageError(`--answers ${path}: "${key}" must be a string`);
  }
  return root as Record<string, unknown>;
}

/** The flag's value, else the answers file's, validated; undefined when neither gives one. */
function given(q: Question, sources: AnswerSources): string | undefined {
  const flag = sources.flags[q.name];
  const fromFile = sources.file?.values[q.name];
  const [raw, where] =
    flag !== undefined ? [flag, `${flagLabel(q)}:`] : typeof fromFile === 'string' ? [fromFile, `${flagLabel(q)} (from --answers ${sources.file?.path}):`] : [];
  if (raw === undefined || where === undefined) return undefined;
  return raw === '' && q.optional ? '' : check(q, raw, where);
}

/** Without prompts: given values, else defaults; every missing required answer named in one error. */
export function resolveAnswers(sources: AnswerSources): Answers {
  const answers: Partial<Record<AnswerName, string>> = {};
  const missing: string[] = [];
  for (const q of QUESTIONS) {
    const suggested = () => q.fallback?.(answers as Partial<Answers>, sources.env);
    const value = given(q, sources) ?? ifDefined(suggested(), (s) => check(q, s, `${flagLabel(q)} (default):`)) ?? (q.optional ? '' : undefined);
    if (value !== undefined) answers[q.name] = value;
    // a default that only waits for a missing earlier answer (the role name for <name>) is not required itself
    else if (q.fallback?.({ ...EXAMPLES, ...answers } as Partial<Answers>, sources.env) === undefined) missing.push(flagLabel(q));
  }
  if (missing.length) {
    throw new UsageError(
      `missing required answer${missing.length > 1 ? 's' : ''}: ${missing.join(', ')} (give them as flags or in --answers, or run in a terminal without --yes to be asked)`,
    );
  }
  return answers as Answers;
}

/** Interactive: given values are kept, every other question is asked with its default offered. */
export async function askAnswers(sources: AnswerSources, ask: Ask): Promise<Answers> {
  const answers: Partial<Record<AnswerName, string>> = {};
  for (const q of QUESTIONS) {
    answers[q.name] = given(q, sources) ?? (await ask(q, q.fallback?.(answers as Partial<Answers>, sources.env), answers as Partial<Answers>));
  }
  return answers as Answers;
}

const ifDefined = <T, U>(v: T | undefined, f: (v: T) => U): U | undefined => (v === undefined ? undefined : f(v));
