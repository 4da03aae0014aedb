/**
 * `new` in a folder that already holds a repository pipelines-oidc did not generate: our pipelines go
 * into its own `bitbucket-pipelines.yml`, our `.gitignore` lines are appended to its own, our README is
 * a file of its own, and no other file of the repository is ever replaced.
 */
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { ADDED_NOTE, addOurPipelines, appendMissingLines, PIPELINE_NOTE } from '../core/repo/index.js';
import { GITIGNORE, PIPELINE_FILE } from '../core/facts/index.js';
import type { RenderedFile } from '../core/util/index.js';
import { RunError, UsageError } from '../errors.js';
import { readInside } from './repository.js';

/** Files we add to rather than write: the pipeline (as YAML) and `.gitignore` (missing lines). */
const ADDED_TO = new Set([PIPELINE_FILE, GITIGNORE]);

export interface ExistingFile extends RenderedFile {
  /** True when the repository had the file and ours was added to it. */
  addedTo: boolean;
}

/** A path that is a link; one under a file (ENOTDIR) is the writer's to refuse. */
function isLink(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
  } catch {
    return false;
  }
}

/** What to write into the repository at `dir`; a file of ours it already has is a RunError naming it. */
export function filesForExistingRepository(dir: string, shownDir: string, files: RenderedFile[]): ExistingFile[] {
  // a link could lead the merge to read, and print, a file outside the repository
  const linked = files.filter((f) => isLink(join(dir, f.path)));
  if (linked.length)
    throw new UsageError(
      `${shownDir}/${linked[0]!.path} is a symbolic link: refusing to read or replace it (replace the link by the file itself). Nothing was written`,
    );
  const read = (path: string) => readInside(dir, path);
  const taken = files.filter((f) => !ADDED_TO.has(f.path) && read(f.path) !== undefined).map((f) => f.path);
  if (taken.length)
    throw new RunError(
      `${shownDir} already has ${taken.join(', ')}, not written by pipelines-oidc: move ${taken.length > 1 ? 'them' : 'it'} away and run the command again (pipelines-oidc never replaces a file it did not write). Nothing was written`,
    );
  return files.map((f) => {
    const theirs = read(f.path);
    if (theirs === undefined) return { ...f, addedTo: false };
    const content =
      f.path === PIPELINE_FILE
        ? addOurPipelines(theirs, f.content, PIPELINE_NOTE)
        : appendMissingLines(theirs, f.content, ADDED_NOTE);
    return { path: f.path, content, addedTo: true };
  });
}
