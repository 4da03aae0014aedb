/**
 * Writing a workshop: what each folder would gain or change, and the writes themselves (each folder
 * atomically, through writeRepository). A file whose content is already there is no change, so running
 * the same workshop twice writes nothing the second time and needs no --force.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RenderedFile } from '../render/files.js';
import { RunError } from '../errors.js';
import { mapPool } from './pool.js';
import { writeRepository } from './write.js';

/** How many folders are inspected or written at once: file I/O overlaps, without exhausting descriptors. */
const IO_CONCURRENCY = 16;

export interface FolderPlan {
  dir: string;
  /** `new`: the folder is missing or empty; `changed`: some files are missing or differ; `unchanged`: all there. */
  status: 'new' | 'changed' | 'unchanged';
  /** The files to write: all for a new folder, else those missing or different. */
  writes: RenderedFile[];
}

async function existing(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw e;
  }
}

async function planFolder(dir: string, files: RenderedFile[]): Promise<FolderPlan> {
  const entries = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    if (e.code === 'ENOTDIR') throw new RunError(`${dir} exists and is not a folder`);
    throw e;
  });
  if (!entries?.length) return { dir, status: 'new', writes: files };
  const writes: RenderedFile[] = [];
  for (const f of files) if ((await existing(join(dir, f.path))) !== f.content) writes.push(f);
  return { dir, status: writes.length ? 'changed' : 'unchanged', writes };
}

export function planFolders(folders: Array<{ dir: string; files: RenderedFile[] }>): Promise<FolderPlan[]> {
  return mapPool(folders, IO_CONCURRENCY, (f) => planFolder(f.dir, f.files));
}

/** Refuses to change an existing folder without force; the error names the folders and some files. */
export function assertNoConflicts(plans: FolderPlan[], force: boolean, shown: (dir: string) => string): void {
  const changed = plans.filter((p) => p.status === 'changed');
  if (force || !changed.length) return;
  const list = changed.slice(0, 5).map(
    (p) =>
      `${shown(p.dir)} (${p.writes
        .slice(0, 3)
        .map((f) => f.path)
        .join(', ')}${p.writes.length > 3 ? ', …' : ''})`,
  );
  throw new RunError(
    `${changed.length} existing folder${changed.length === 1 ? '' : 's'} would change: ${list.join('; ')}${changed.length > 5 ? '; …' : ''}. Pass --force to overwrite the generated files, or choose another --out`,
  );
}

/** Writes the folders that change, several at once; each one atomically. */
export async function writeFolders(plans: FolderPlan[]): Promise<void> {
  await mapPool(
    plans.filter((p) => p.writes.length),
    IO_CONCURRENCY,
    (p) => writeRepository(p.dir, p.writes),
  );
}
