/**
 * Where `new`, `update` and `workshop` take their answers from, read once at the edge: `--answers`
 * (`readAnswersFile`), then flags, file, prompts and defaults into one typed value (`answersOf`). A generated repository's manifest is read as
 * every command reads it (migrated, then checked); what identifies that repository — its repository UUID,
 * its environments' UUIDs, its workspace's UUID, its role name — is kept only when the file describes the
 * very repository being made and Bitbucket is not asked, so no run can write a role that trusts another
 * repository's pipelines.
 */
import { parseManifest } from '../core/repo/index.js';
import { assertNesting } from '../core/util/index.js';
import {
  answersFromFile,
  askAnswers,
  checkTargetFlags,
  parseEnvironments,
  resolveAnswers,
  type Answers,
  type AnswerSources,
} from '../core/answers/index.js';
import type { Gallery } from '../core/targets/index.js';
import { UsageError } from '../errors.js';
import { READ_LIMIT, readFlagFile } from '../io/bounded-read.js';

export type AnswersFile = NonNullable<AnswerSources['file']> & {
  /** Why identity answers of a manifest were left out, to say so once. */
  dropped?: string;
};

/** Where a command that writes repositories takes its answers from: flags, an answers file, the environment. */
export interface AnswerInput {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Answers given as flags (and the positional name), by answer name; target answers included. */
  flags: Record<string, string | undefined>;
  /** Built-in targets plus any loaded with --gallery. */
  gallery: Gallery;
  /** The --gallery folder, if any, as given (relative to cwd): recorded in the manifest. */
  galleryDir?: string;
  /** --answers, read once by the command line (`readAnswersFile`). */
  answersFile?: AnswersFile;
}

/** One answer as given (the flag, else the answers file), unchecked: what Bitbucket look-ups need before resolving. */
export function givenAnswer(
  flags: Record<string, string | undefined>,
  file: AnswersFile | undefined,
  name: string,
): string | undefined {
  const fromFile = file?.values[name];
  return flags[name] ?? (typeof fromFile === 'string' ? fromFile : undefined);
}

/**
 * The answers of one repository: flags, else the file, else a prompt (in a terminal), else a default;
 * a target answer given as a flag must belong to a chosen target.
 */
export async function answersOf(sources: AnswerSources, gallery: Gallery, interactive: boolean): Promise<Answers> {
  const answers = interactive
    ? await askAnswers(
        sources,
        async (q, suggested) => (await import('../io/prompt.js')).askQuestion(q, suggested),
        gallery,
      )
    : resolveAnswers(sources, gallery);
  checkTargetFlags(sources.flags, answers, gallery);
  return answers;
}

/** What is being made, to judge whose identity a manifest may give. */
export interface Made {
  /** The repository being made: undefined for the one the file describes, null for many (a workshop's attendees). */
  name: string | undefined | null;
  /** The workspace given by flag, if any. */
  workspace: string | undefined;
  /** Bitbucket is asked: it gives the UUIDs. */
  bitbucket: boolean;
}

const isManifest = (parsed: unknown) =>
  typeof parsed === 'object' &&
  parsed !== null &&
  'answers' in parsed &&
  (parsed as { tool?: unknown }).tool === 'pipelines-oidc';

export function readAnswersFile(cwd: string, path: string, made: Made): AnswersFile {
  // a byte-order mark (Windows editors write one) is not part of the JSON, as for the roster
  const text = readFlagFile(cwd, '--answers', path, READ_LIMIT.inputFile).replace(/^\uFEFF/, '');
  assertNesting(text, `--answers ${path}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--answers ${path}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (!isManifest(parsed)) return { path, values: answersFromFile(path, parsed) };
  const answers = parseManifest(text, `--answers ${path}`).answers;
  const sameWorkspace = made.workspace === undefined || made.workspace === answers.workspace;
  const sameRepository = made.name !== null && (made.name === undefined || made.name === answers.name) && sameWorkspace;
  if (sameRepository && !made.bitbucket) return { path, values: { ...answers } };
  const { repoUuid: _repo, workspaceUuid, roleName, ...shared } = answers;
  const environments = parseEnvironments(answers.environments)
    .map((e) => e.name)
    .join(',');
  const values: Record<string, unknown> = { ...shared, environments };
  // a workspace's UUID is shared by its repositories; Bitbucket gives it when asked
  if (sameWorkspace && !made.bitbucket) values['workspaceUuid'] = workspaceUuid;
  if (sameRepository) values['roleName'] = roleName;
  const dropped = sameRepository
    ? `--answers ${path}: the repository's and its environments' UUIDs are read from Bitbucket, not from the file`
    : `--answers ${path} is the manifest of ${answers.workspace}/${answers.name}: its repository UUID, role name and environment UUIDs are not reused for ${made.name ?? 'the attendees'}`;
  return { path, values, dropped };
}
