/**
 * Three-way merge of a generated file the user edited: base (what we generated last time), theirs (the
 * file on disk) and ours (what we generate now), by `git merge-file`, which needs no repository.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { RunError } from '../errors.js';

/** How many commits of a file's history are searched for the version we generated. */
const HISTORY_DEPTH = 50;

const git = (cwd: string, args: string[]) => execa('git', args, { cwd, reject: false, stripFinalNewline: false });

/**
 * What we generated last time, proven by the hash the manifest recorded: the recorded answers rendered
 * by this version (the same templates give the same bytes), else the file's git history (staged, then
 * each commit that touched it). Undefined when neither has it, or no hash was recorded.
 */
export async function findBase(
  dir: string,
  path: string,
  recordedHash: string | null | undefined,
  rendered: string | undefined,
  hash: (text: string) => string,
): Promise<string | undefined> {
  if (!recordedHash) return undefined;
  if (rendered !== undefined && hash(rendered) === recordedHash) return rendered;
  const log = await git(dir, ['log', `--max-count=${HISTORY_DEPTH}`, '--format=%H', '--', path]).catch(() => undefined);
  if (!log || log.exitCode !== 0) return undefined;
  for (const rev of ['', ...log.stdout.split('\n').filter(Boolean)]) {
    const show = await git(dir, ['show', `${rev}:./${path}`]);
    if (show.exitCode === 0 && hash(show.stdout) === recordedHash) return show.stdout;
  }
  return undefined;
}

export interface MergeResult {
  text: string;
  /** Conflict blocks left in `text` for the user to resolve. */
  conflicts: number;
}

/** `git merge-file -p`: the user's changes and ours applied to base; overlapping ones marked as git marks them. */
export async function mergeThreeWay(
  path: string,
  versions: { theirs: string; base: string | undefined; ours: string },
  ourLabel: string,
): Promise<MergeResult> {
  const tmp = await mkdtemp(join(tmpdir(), 'pipelines-oidc-merge-'));
  try {
    const file = (name: string, text: string) => writeFile(join(tmp, name), text).then(() => join(tmp, name));
    const theirs = await file('theirs', versions.theirs);
    const base = await file('base', versions.base ?? '');
    const ours = await file('ours', versions.ours);
    const labels = [`${path} (yours)`, `${path} (generated last time)`, `${path} (${ourLabel})`];
    const r = await git(tmp, ['merge-file', '-p', ...labels.flatMap((l) => ['-L', l]), theirs, base, ours]).catch(
      () => undefined,
    );
    // the exit code is the number of conflicts; git reports its own failures as 255
    if (!r || typeof r.exitCode !== 'number' || r.exitCode >= 128)
      throw new RunError(`git merge-file could not merge ${path}: ${r?.stderr.trim() || 'git was not found'}`);
    return { text: r.stdout, conflicts: r.exitCode };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
