/**
 * `.pipelines-oidc.json`, the one record of a generated repository: the answers, the gallery folder the
 * targets came from, the tool version and a hash of every generated file. Every command that opens a
 * repository reads it through `parseManifest`, which brings older manifests up to date first. Pure.
 */
import { UsageError } from '../../errors.js';
import {
  QUESTIONS,
  type Answers,
  resolveAnswers,
  type AnswerSources,
  environmentAnswerKey,
  parseEnvironments,
} from '../answers/index.js';
import { isObject, assertNesting } from '../util/index.js';
import { buildRepoModel, type RepoModel } from './model.js';
import { BUILT_IN_TARGETS, questionsOf, type Gallery } from '../targets/index.js';

export interface Manifest {
  tool: 'pipelines-oidc';
  /** The version that wrote it. */
  version: string;
  answers: Answers;
  /** The --gallery folder the targets came from, relative to the repository (later commands load it too). */
  gallery?: string;
  /**
   * Written into a repository that existed before: our pipelines were added to its own
   * `bitbucket-pipelines.yml`, and our README is `OIDC-SETUP.md`.
   */
  existingRepository?: true;
  /**
   * SHA-256 of every other generated file as last written; null for a file an early version recorded
   * without a hash (whether it was edited since cannot be told).
   */
  files: Record<string, string | null>;
}

type Json = Record<string, unknown>;

/** The questions never asked: at their default they are not recorded (see `recordedAnswers`). */
const FLAG_ONLY = QUESTIONS.filter((q) => q.flagOnly);

/** The manifest as written: a flag-only answer at its default is left out. */
export type ManifestRecord = Omit<Manifest, 'answers'> & { answers: Partial<Answers> };

/**
 * The answers as the manifest records them: a flag-only answer at its default is left out, so a repository
 * generated before that answer existed and one generated now with the same answers have the same manifest.
 */
export function recordedAnswers(answers: Answers): Partial<Answers> {
  const recorded: Partial<Answers> = { ...answers };
  for (const q of FLAG_ONLY) if (answers[q.name] === q.fallback?.({}, {})) delete recorded[q.name];
  return recorded;
}

/** A flag-only answer the manifest does not record is at its default. */
function flagOnlyDefaults(m: Json): Json {
  const answers = m['answers'];
  if (!isObject(answers)) return m;
  const defaults = FLAG_ONLY.filter((q) => !(q.name in answers)).map((q) => [q.name, q.fallback?.({}, {})]);
  return defaults.length ? { ...m, answers: { ...answers, ...Object.fromEntries(defaults) } } : m;
}

/**
 * Each step brings one older shape up to the next; they run in order on the parsed JSON, before it is
 * validated. Early manifests listed the generated files without hashes and had neither environments
 * nor target answers; later ones shared every target answer between environments.
 */
const MIGRATIONS: ReadonlyArray<(m: Json) => Json> = [
  (m) =>
    Array.isArray(m['files']) && m['files'].every((f) => typeof f === 'string')
      ? { ...m, files: Object.fromEntries(m['files'].map((f: string) => [f, null])) }
      : m,
  (m) =>
    isObject(m['answers']) && !('environments' in m['answers'])
      ? { ...m, answers: { ...m['answers'], environments: '' } }
      : m,
  (m) =>
    isObject(m['answers']) && !('targetAnswers' in m['answers'])
      ? { ...m, answers: { ...m['answers'], targetAnswers: {} } }
      : m,
  perEnvironmentAnswers,
  flagOnlyDefaults,
];

/** Built-in questions that name a resource of each environment. */
const PER_ENVIRONMENT = new Set(questionsOf(BUILT_IN_TARGETS).flatMap((q) => (q.perEnvironment ? [q.name] : [])));

/**
 * Manifests from before per-environment answers gave every environment the same bucket, function or
 * stack: that answer becomes each environment's own, so the repository renders as it did until changed.
 */
function perEnvironmentAnswers(m: Json): Json {
  const answers = m['answers'];
  if (!isObject(answers) || typeof answers['environments'] !== 'string' || !isObject(answers['targetAnswers']))
    return m;
  const environments = parseEnvironments(answers['environments']).map((e) => e.name);
  if (!environments.length) return m;
  const targetAnswers = Object.fromEntries(
    Object.entries(answers['targetAnswers']).flatMap(([name, value]) =>
      PER_ENVIRONMENT.has(name) ? environments.map((e) => [environmentAnswerKey(name, e), value]) : [[name, value]],
    ),
  );
  return { ...m, answers: { ...answers, targetAnswers } };
}

const ANSWER_NAMES: readonly string[] = QUESTIONS.map((q) => q.name);

/**
 * The manifest in `text`, migrated and checked field by field; `source` (the file as the user knows it)
 * starts the one-line error that names the first field it cannot read.
 */
export function parseManifest(text: string, source: string): Manifest {
  const invalid = (field: string, rule: string) => new UsageError(`${source}: "${field}" ${rule}`);
  assertNesting(text, source);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(
      `${source}: not valid JSON (${(e as Error).message.split('\n')[0]}); restore it from version control`,
    );
  }
  if (!isObject(parsed)) throw new UsageError(`${source}: must be a JSON object (a pipelines-oidc manifest)`);
  if (parsed['tool'] !== 'pipelines-oidc') throw invalid('tool', 'must be "pipelines-oidc"');
  const m = MIGRATIONS.reduce((acc, migrate) => migrate(acc), parsed);

  if (typeof m['version'] !== 'string') throw invalid('version', 'must be a string (the version that wrote it)');
  if (m['gallery'] !== undefined && (typeof m['gallery'] !== 'string' || m['gallery'] === ''))
    throw invalid('gallery', 'must be a string (a folder path)');
  if (m['existingRepository'] !== undefined && m['existingRepository'] !== true)
    throw invalid('existingRepository', 'must be true when present');
  const files = m['files'];
  if (!isObject(files)) throw invalid('files', 'must be an object of file path → SHA-256');
  for (const [path, hash] of Object.entries(files)) {
    if (hash !== null && (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)))
      throw invalid(`files.${path}`, 'must be a SHA-256 (64 hexadecimal characters)');
  }
  return {
    tool: 'pipelines-oidc',
    version: m['version'],
    answers: manifestAnswers(m['answers'], invalid),
    ...(m['gallery'] === undefined ? {} : { gallery: m['gallery'] }),
    ...(m['existingRepository'] === true ? { existingRepository: true as const } : {}),
    files: files as Manifest['files'],
  };
}

/** Every answer present and a string (their rules are checked when the answers are resolved). */
function manifestAnswers(answers: unknown, invalid: (field: string, rule: string) => UsageError): Answers {
  if (!isObject(answers)) throw invalid('answers', 'must be an object of answers');
  for (const key of Object.keys(answers)) {
    if (key !== 'targetAnswers' && !ANSWER_NAMES.includes(key))
      throw invalid(`answers.${key}`, `is not an answer (known: ${[...ANSWER_NAMES, 'targetAnswers'].join(', ')})`);
  }
  for (const name of ANSWER_NAMES) {
    if (!(name in answers)) throw invalid(`answers.${name}`, 'is missing');
    if (typeof answers[name] !== 'string') throw invalid(`answers.${name}`, 'must be a string');
  }
  const targetAnswers = answers['targetAnswers'];
  if (!isObject(targetAnswers)) throw invalid('answers.targetAnswers', 'must be an object of strings');
  for (const [name, value] of Object.entries(targetAnswers))
    if (typeof value !== 'string') throw invalid(`answers.targetAnswers.${name}`, 'must be a string');
  return answers as unknown as Answers;
}

/** The manifest's answers as the source `update` merges flags over; messages name the manifest. */
export function manifestSource(manifest: Manifest, source: string): NonNullable<AnswerSources['file']> {
  return { path: source, values: { ...manifest.answers }, origin: source };
}

/** What the repository's answers give now: each answer checked by its rule, the model built from them. */
export function manifestModel(manifest: Manifest, source: string, gallery: Gallery): RepoModel {
  return buildRepoModel(
    resolveAnswers({ flags: {}, file: manifestSource(manifest, source), env: {} }, gallery),
    gallery,
    { existingRepository: manifest.existingRepository === true },
  );
}
