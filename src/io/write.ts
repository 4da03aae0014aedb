/**
 * Writing a generated repository: never over existing files without `force`, never outside its folder,
 * never half-written. Every file is written into a staging folder beside the target first; then a new
 * folder is moved into place whole, or each file of an existing one is renamed over the old, which is
 * kept aside until the last rename succeeds and put back if any fails.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CliError, RunError } from '../errors.js';
import type { RenderedFile } from '../render/files.js';
import { assertStaysInside, lockTarget, removeStaleStaging, resolveTarget, stagingPrefix } from './write-guard.js';

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code;

async function entries(dir: string): Promise<string[] | undefined> {
  try {
    return await readdir(dir);
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    if (errno(e) === 'ENOTDIR') throw new RunError(`${dir} exists and is a file, not a folder: choose another folder`);
    throw e;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** What writing would do to `dir`: whether it exists, and which of our files are there already. */
export async function inspectTarget(dir: string, files: RenderedFile[]) {
  const { real } = await resolveTarget(dir);
  const present = await entries(real);
  const overwritten: string[] = [];
  for (const f of files) if (await exists(join(real, f.path))) overwritten.push(f.path);
  return { exists: present !== undefined, empty: !present?.length, entries: present ?? [], overwritten };
}

/** Refuses a non-empty target unless forced; the error lists what is in the way. */
export async function assertWritable(dir: string, files: RenderedFile[], force: boolean): Promise<void> {
  const target = await inspectTarget(dir, files);
  if (force || target.empty) return;
  const inTheWay = target.overwritten.length ? target.overwritten : target.entries;
  const shown = inTheWay.slice(0, 8).join(', ') + (inTheWay.length > 8 ? `, … (${inTheWay.length} in all)` : '');
  throw new RunError(
    `${dir} is not empty (${shown}): choose another --dir, or pass --force to overwrite the generated files`,
  );
}

export interface WriteOptions {
  /** The folder must still be missing or empty once this run holds it (`new` without --force). */
  mustBeEmpty?: boolean;
  /** Each file's content when the change was planned (undefined: absent): another content now means another run came first. */
  expected?: ReadonlyMap<string, string | undefined>;
}

/** A failure of the file system as one line that says what happened and what to do. */
function explainWriteError(e: unknown, dir: string): unknown {
  // a rename names its source (in the staging folder) as `path`: the user's file is `dest`
  const { path = dir, dest } = e as NodeJS.ErrnoException & { dest?: string };
  const where = dest ?? path;
  const unchanged = `nothing in ${dir} was changed`;
  switch (errno(e)) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new RunError(`the disk is full (writing ${where}): free some space and run again; ${unchanged}`);
    case 'EACCES':
    case 'EPERM':
      return new RunError(
        `permission denied writing ${where}: make it writable for you (or choose another folder) and run again; ${unchanged}`,
      );
    case 'EROFS':
      return new RunError(`${where} is on a read-only file system: choose another folder; ${unchanged}`);
    case 'EISDIR':
    case 'ENOTDIR':
    case 'ENOTEMPTY':
    case 'EEXIST':
      return new RunError(`${where} is in the way (${errno(e)}): move it away and run again; ${unchanged}`);
    default:
      return e;
  }
}

async function assertUnchanged(real: string, dir: string, files: RenderedFile[], options: WriteOptions) {
  if (options.mustBeEmpty) {
    const present = await entries(real);
    if (present?.length)
      throw new RunError(`${dir} is not empty (another run wrote it first): nothing was written; choose another --dir`);
  }
  for (const f of files) {
    if (!options.expected?.has(f.path)) continue;
    const now = await readFile(join(real, f.path), 'utf8').catch(() => undefined);
    if (now !== options.expected.get(f.path))
      throw new RunError(
        `${join(dir, f.path)} changed while this run was planning (another run?): nothing was written; run again`,
      );
  }
}

/** Renames each staged file over its place; on a failure every file already moved gets its old content back. */
async function commitFiles(real: string, staging: string, files: RenderedFile[]): Promise<void> {
  const kept = join(staging, '.pipelines-oidc-kept');
  const done: Array<{ dest: string; backup?: string }> = [];
  const created: string[] = [];
  try {
    for (const f of files) {
      const dest = join(real, f.path);
      const made = await mkdir(dirname(dest), { recursive: true });
      if (made) created.push(made);
      let backup: string | undefined;
      if (await exists(dest)) {
        backup = join(kept, f.path);
        await mkdir(dirname(backup), { recursive: true });
        // a second name for the old content, so the file is never missing, even if we are killed here
        await link(dest, backup).catch(() => copyFile(dest, backup!));
      }
      done.push({ dest, ...(backup ? { backup } : {}) });
      await rename(join(staging, f.path), dest);
    }
  } catch (e) {
    for (const d of done.reverse()) {
      if (d.backup) await rename(d.backup, d.dest).catch(() => undefined);
      else await rm(d.dest, { force: true }).catch(() => undefined);
    }
    for (const made of created.reverse()) await rm(made, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
}

/** Writes every file, all or nothing; see the module comment. `dir` as the user named it. */
export async function writeRepository(dir: string, files: RenderedFile[], options: WriteOptions = {}): Promise<void> {
  const { real } = await resolveTarget(dir);
  const parent = dirname(real);
  try {
    await mkdir(parent, { recursive: true });
  } catch (e) {
    throw explainWriteError(e, dir);
  }
  const release = await lockTarget(real, dir).catch((e: unknown) => {
    throw e instanceof CliError ? e : explainWriteError(e, dir);
  });
  let staging: string | undefined;
  try {
    await removeStaleStaging(real);
    for (const f of files) await assertStaysInside(real, f.path);
    await assertUnchanged(real, dir, files, options);
    // mkdir, not mkdtemp: the folder that may become the target gets the mode the umask gives
    staging = join(parent, `${stagingPrefix(basename(real))}${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(staging);
    for (const f of files) {
      await mkdir(dirname(join(staging, f.path)), { recursive: true });
      await writeFile(join(staging, f.path), f.content);
    }
    const target = await entries(real);
    if (!target?.length) {
      // a missing or empty folder is replaced whole: all or nothing with one rename
      if (target) await rmdir(real);
      await rename(staging, real).catch(async (e: unknown) => {
        if (target) await mkdir(real).catch(() => undefined);
        throw e;
      });
      staging = undefined;
      return;
    }
    await commitFiles(real, staging, files);
  } catch (e) {
    throw e instanceof CliError ? e : explainWriteError(e, dir);
  } finally {
    if (staging) await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    await release();
  }
}
