/**
 * What keeps a write inside its folder and alone in it: the folder resolved through links (a dangling
 * one refused), every file's path checked against links that lead out, one run per folder at a time
 * (a lock beside it), and the staging folders of killed runs cleaned away.
 */
import { lstat, readdir, readFile, realpath, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { RunError, UsageError } from '../errors.js';

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

/**
 * Takes the lock beside `real` (a file created only if absent, holding our process id). A lock whose
 * process is gone was left by a killed run: it is taken over. Returns the release function.
 */
export async function lockTarget(real: string, shown: string): Promise<() => Promise<void>> {
  const lock = join(dirname(real), lockName(basename(real)));
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(lock, `${process.pid}\n`, { flag: 'wx' });
      return () => unlink(lock).catch(() => undefined);
    } catch (e) {
      if (errno(e) !== 'EEXIST') throw e;
    }
    const holder = Number.parseInt(await readFile(lock, 'utf8').catch(() => ''), 10);
    const age = Date.now() - ((await lstatOrUndefined(lock))?.mtimeMs ?? 0);
    // a lock without an id yet belongs to a run that is writing it right now, unless it is old
    const stale = Number.isInteger(holder) && holder > 0 ? !alive(holder) : age > 10_000;
    if (!stale || attempt > 0) {
      throw new RunError(
        `another pipelines-oidc run${holder > 0 ? ` (process ${holder})` : ''} is writing ${shown}: wait for it to finish and run again (if there is none, delete ${lock})`,
      );
    }
    await unlink(lock).catch(() => undefined);
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
