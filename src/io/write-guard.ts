/**
 * What keeps a write inside its folder and alone in it: the folder resolved through links (a dangling
 * one refused), every file's path checked against links that lead out, one run per folder at a time
 * (a lock beside it), and the staging folders of killed runs cleaned away.
 */
import { lstat, readdir, readFile, realpath, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import { RunError, UsageError } from '../errors.js';
import { printable } from '../printable.js';

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code;

/** The prefix of a staging folder for `base` (`.<base>.pipelines-oidc-<pid>-<random>`), in its parent. */
export const stagingPrefix = (base: string) => `.${base}.pipelines-oidc-`;
const lockName = (base: string) => `.${base}.pipelines-oidc.lock`;

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (e) {
    // ENOTDIR: a file on the way, which the caller finds going up
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return undefined;
    throw e;
  }
}

const isInside = (root: string, path: string) => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
};

/**
 * The real folder to write into: links followed (so a link to a folder is written through, never
 * replaced); a dangling link, or a file on the way, is refused naming the part that is wrong.
 */
export async function resolveTarget(dir: string): Promise<{ real: string; exists: boolean }> {
  const missing: string[] = [];
  let probe = dir;
  for (;;) {
    const info = await lstatOrUndefined(probe);
    if (info?.isSymbolicLink()) {
      const to = await stat(probe).catch(() => undefined);
      if (!to) throw new UsageError(`${probe} is a symbolic link to a folder that does not exist: fix or remove it`);
      if (!to.isDirectory()) throw new RunError(`${probe} is a link to a file, not a folder: choose another folder`);
    } else if (info && !info.isDirectory()) {
      throw new RunError(
        probe === dir
          ? `${dir} exists and is a file, not a folder: choose another folder`
          : `${probe} is a file, so ${dir} cannot be created in it: choose another folder`,
      );
    }
    if (info) return { real: join(await realpath(probe), ...missing), exists: missing.length === 0 };
    if (dirname(probe) === probe) return { real: dir, exists: false };
    missing.unshift(basename(probe));
    probe = dirname(probe);
  }
}

/**
 * Refuses (exit 2) a file whose path is a link, or goes through a linked folder that leads out of
 * `root` or nowhere: a write there would land outside the repository or replace the link.
 */
export async function assertStaysInside(root: string, path: string): Promise<void> {
  const target = join(root, path);
  if (!isInside(root, target) || target === root) throw new UsageError(`${path}: not a path inside ${root}`);
  const parts = relative(root, target).split(sep);
  let at = root;
  for (const [i, part] of parts.entries()) {
    at = join(at, part);
    const info = await lstatOrUndefined(at);
    if (!info) return;
    const last = i === parts.length - 1;
    if (info.isSymbolicLink()) {
      if (last) throw new UsageError(`${at} is a symbolic link: refusing to replace it; remove it and run again`);
      const to = await realpath(at).catch(() => undefined);
      if (!to || !isInside(root, to))
        throw new UsageError(
          `${at} is a symbolic link leading ${to ? `out of ${root} (to ${to})` : 'nowhere'}: refusing to write through it; remove it and run again`,
        );
      at = to;
    } else if (last && info.isDirectory()) {
      throw new RunError(`${at} is a folder where a generated file goes: move it away and run again`);
    } else if (!last && !info.isDirectory()) {
      throw new RunError(`${at} is a file where a generated folder goes: move it away and run again`);
    }
  }
}

/** Whether a process with this id is running (one we may not signal still counts). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errno(e) === 'EPERM';
  }
}

/** A lock older than this is stale whoever holds it: a run holds the lock only while it writes, seconds at most. */
export const STALE_LOCK_MS = 15 * 60_000;

/** What a lock file says: `<pid> <host>` (a lock of an older version holds the process id alone). */
function lockHolder(text: string): { pid?: number; host?: string } {
  const [pid, host] = text.trim().split(/\s+/);
  const n = Number.parseInt(pid ?? '', 10);
  return { ...(Number.isInteger(n) && n > 0 ? { pid: n } : {}), ...(host ? { host } : {}) };
}

/**
 * Why a lock is stale, or undefined while it may belong to a live run: its process is gone (a process id
 * means something on its own host only), or it is older than STALE_LOCK_MS (a killed run whose process id
 * was reused, or a run on another host). A lock without an id yet is being written right now, unless old.
 */
function staleness(holder: { pid?: number; host?: string }, ageMs: number): string | undefined {
  if (ageMs > STALE_LOCK_MS) return `older than ${STALE_LOCK_MS / 60_000} minutes`;
  const here = holder.host === undefined || holder.host === hostname();
  if (holder.pid !== undefined && here && !alive(holder.pid)) return `process ${holder.pid} is no longer running`;
  return holder.pid === undefined && ageMs > 10_000 ? 'it names no process' : undefined;
}

/**
 * Takes the lock beside `real` (a file created only if absent, holding our process id and host). A stale
 * lock was left by a killed run: it is removed, with a line on stderr saying so, and taken over.
 * Returns the release function.
 */
export async function lockTarget(real: string, shown: string): Promise<() => Promise<void>> {
  const lock = join(dirname(real), lockName(basename(real)));
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(lock, `${process.pid} ${hostname()}\n`, { flag: 'wx' });
      return () => unlink(lock).catch(() => undefined);
    } catch (e) {
      if (errno(e) !== 'EEXIST') throw e;
    }
    const holder = lockHolder(await readFile(lock, 'utf8').catch(() => ''));
    const age = Date.now() - ((await lstatOrUndefined(lock))?.mtimeMs ?? 0);
    const stale = staleness(holder, age);
    const who = holder.pid === undefined ? '' : ` (process ${holder.pid}${holder.host ? ` on ${holder.host}` : ''})`;
    if (!stale || attempt > 0) {
      throw new RunError(
        printable(
          `another pipelines-oidc run${who} is writing ${shown}: wait for it to finish and run again (if there is none, delete ${lock})`,
        ),
      );
    }
    await unlink(lock).catch(() => undefined);
    process.stderr.write(`${printable(`pipelines-oidc: removed the stale lock ${lock}${who}: ${stale}`)}\n`);
  }
}

/** Removes staging folders of `real` left by killed runs: with the lock held, none can be a live run's. */
export async function removeStaleStaging(real: string): Promise<void> {
  const parent = dirname(real);
  const prefix = stagingPrefix(basename(real));
  const names = await readdir(parent).catch(() => [] as string[]);
  await Promise.all(
    names.filter((n) => n.startsWith(prefix)).map((n) => rm(join(parent, n), { recursive: true, force: true })),
  );
}
