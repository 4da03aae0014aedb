/**
 * `--answers`, read once at the edge of `new` and `workshop`. A generated repository's manifest is read as
 * every command reads it (migrated, then checked); what identifies that repository — its repository UUID,
 * its environments' UUIDs, its workspace's UUID, its role name — is kept only when the file describes the
 * very repository being made and Bitbucket is not asked, so no run can write a role that trusts another
 * repository's pipelines.
 */
import { parseManifest } from '../core/repo/index.js';
import { assertNesting } from '../core/util/index.js';
import { answersFromFile, type AnswerSources, parseEnvironments } from '../core/answers/index.js';
import { UsageError } from '../errors.js';
import { READ_LIMIT, readFlagFile } from '../io/bounded-read.js';

export type AnswersFile = NonNullable<AnswerSources['file']> & {
  /** Why identity answers of a manifest were left out, to say so once. */
  dropped?: string;
};

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
