/**
 * Writing a generated repository: never over existing files without `force`, and never half-written.
 * Files are written into a temporary folder beside the target first, then moved into place by rename.
 */
import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RunError } from '../errors.js';
import type { RenderedFile } from '../render/files.js';

async function entries(dir: string): Promise<string[] | undefined> {
  try {
    return await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') throw new RunError(`${dir} exists and is not a folder`);
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
  const present = await entries(dir);
  const overwritten: string[] = [];
  for (const f of files) if (await exists(join(dir, f.path))) overwritten.push(f.path);
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

/** Writes every file, all or nothing for a new folder, each file atomically for an existing one. */
export async function writeRepository(dir: string, files: RenderedFile[]): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  const staging = await mkdtemp(join(dirname(dir), `.${basename(dir)}.pipelines-oidc-`));
  try {
    for (const f of files) {
      await mkdir(dirname(join(staging, f.path)), { recursive: true });
      await writeFile(join(staging, f.path), f.content);
    }
    const target = await entries(dir);
    if (target === undefined) {
      await rename(staging, dir);
      return;
    }
    if (target.length === 0) {
      // an empty folder can be replaced whole
      await rm(dir, { recursive: false, force: true }).catch(() => undefined);
      if (!(await exists(dir))) {
        await rename(staging, dir);
        return;
      }
    }
    for (const f of files) {
      await mkdir(dirname(join(dir, f.path)), { recursive: true });
      await rename(join(staging, f.path), join(dir, f.path));
    }
  } catch (e) {
    // the file system refused (a folder in a file's place, no space, no permission): the run failed, not the tool
    if ((e as NodeJS.ErrnoException).code) throw new RunError(`writing ${dir} failed: ${(e as Error).message}`);
    throw e;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
