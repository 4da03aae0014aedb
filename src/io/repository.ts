/**
 * Opening a generated repository: its manifest (migrated and checked), the gallery the manifest names
 * and the files beside it. Every command that works on a generated repository starts here.
 */
import { lstatSync, realpathSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { manifestModel, parseManifest, type Manifest, type RepoModel } from '../core/repo/index.js';
import { MANIFEST_FILE } from '../core/facts/index.js';
import type { Gallery } from '../core/targets/index.js';
import { RunError } from '../errors.js';
import { READ_LIMIT, readBounded, TooLargeError } from './bounded-read.js';
import { loadGallery } from './gallery.js';

export interface Repository {
  /** The folder, absolute. */
  dir: string;
  /** The manifest as the user names it (the folder as given, then the file): every message about it starts so. */
  manifestPath: string;
  manifest: Manifest;
  /** The gallery folder relative to the repository: the one --gallery gives, else the one the manifest records. */
  galleryDir?: string;
  /** Built-in targets plus that folder's, loaded when first asked for (reading the manifest alone needs none). */
  readonly gallery: Gallery;
  /** A file of the repository as text, undefined when it is not there. */
  read: (path: string) => string | undefined;
  /** What the recorded answers give now, each checked by its rule. */
  model: () => RepoModel;
}

export interface OpenOptions {
  cwd: string;
  /** The repository folder as the user gave it, relative to `cwd`; default `.`. */
  dir?: string;
  /** A --gallery folder given now, relative to `cwd`: it replaces the one the manifest records. */
  gallery?: string;
  /**
   * The folder the manifest's gallery must lie in; default: the repository itself (`workshop grade`: the
   * workshop folder). The manifest comes with the repository, so it may not name a gallery elsewhere on this
   * machine: its definitions run on our side (patterns, rehearsal seeds); one elsewhere needs --gallery.
   */
  galleryWithin?: string;
}

/**
 * A file of the repository as text, or undefined when it is not there (or cannot be read). A path that a
 * symbolic link leads out of the repository is refused: nothing outside it is read, let alone shown.
 */
export function readInside(dir: string, path: string): string | undefined {
  let real: string;
  try {
    real = realpathSync(join(dir, path));
  } catch {
    return undefined;
  }
  const root = realpathSync(dir);
  if (real !== root && !real.startsWith(root + sep))
    throw new RunError(
      `${path} is a symbolic link (or lies in a linked folder) leading outside the repository: not read; replace the link with the file`,
    );
  try {
    return readBounded(real, READ_LIMIT.repositoryFile);
  } catch (e) {
    if (e instanceof TooLargeError) throw new RunError(`${path}: ${e.message}, not read`);
    return undefined;
  }
}

/**
 * The first symbolic link on `path` in `dir` (as written there, e.g. `public` of `public/index.html`), or
 * undefined. A copy of the repository keeps its links, pointing at what the original's point at: a file
 * written through one lands outside the copy.
 */
export function linkOnPath(dir: string, path: string): string | undefined {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  let at = dir;
  for (const [i, part] of parts.entries()) {
    at = join(at, part);
    const entry = lstatSync(at, { throwIfNoEntry: false });
    if (!entry) return undefined;
    if (entry.isSymbolicLink()) return parts.slice(0, i + 1).join('/');
  }
  return undefined;
}

/** The repository at `dir`, or undefined when it has no manifest (a hand-written one); a manifest it cannot read is a UsageError. */
export function openIfGenerated({
  cwd,
  dir: shown = '.',
  gallery,
  galleryWithin,
}: OpenOptions): Repository | undefined {
  const dir = resolve(cwd, shown);
  const manifestPath = join(shown, MANIFEST_FILE);
  const text = readInside(dir, MANIFEST_FILE);
  if (text === undefined) return undefined;
  const manifest = parseManifest(text, manifestPath);
  const galleryDir = gallery === undefined ? manifest.gallery : relative(dir, resolve(cwd, gallery)) || '.';
  let targets: Gallery | undefined;
  const loaded = () =>
    (targets ??=
      gallery === undefined
        ? loadGallery(dir, manifest.gallery, `${manifestPath} "gallery"`, galleryWithin ?? dir)
        : loadGallery(cwd, gallery));
  return {
    dir,
    manifestPath,
    manifest,
    ...(galleryDir === undefined ? {} : { galleryDir }),
    get gallery() {
      return loaded();
    },
    read: (path) => readInside(dir, path),
    model: () => manifestModel(manifest, manifestPath, loaded()),
  };
}

/** The generated repository at `dir`; a folder without a manifest is a RunError (exit 1). */
export function openRepository(options: OpenOptions): Repository {
  const repo = openIfGenerated(options);
  if (!repo) {
    const shown = options.dir ?? '.';
    throw new RunError(
      `${shown} has no ${MANIFEST_FILE}: it was not generated by pipelines-oidc (or --dir points elsewhere)`,
    );
  }
  return repo;
}
