/** The gallery in use: the built-in targets, plus a user's folder of JSON target definitions. */
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { UsageError } from '../errors.js';
import { assertNesting } from '../core/util/index.js';
import { BUILT_IN_TARGETS, type Gallery } from '../core/targets/index.js';
import { DefinitionError, parseTargetDefinition } from '../core/gallery/index.js';
import { READ_LIMIT, readBounded } from './bounded-read.js';

/** Whether `path` lies in `folder` (itself included), both as the file system resolves them, links followed. */
export function liesInside(folder: string, path: string): boolean {
  try {
    const root = realpathSync(folder);
    const real = realpathSync(path);
    return real === root || real.startsWith(root + sep);
  } catch {
    return false;
  }
}

/**
 * `origin` names where `dir` came from in messages: the flag, or the manifest's field that records it.
 * `within`: a folder the gallery and each of its definitions must lie in, for a gallery named by a repository's
 * manifest rather than by the person running the command.
 */
export function loadGallery(cwd: string, dir: string | undefined, origin = '--gallery', within?: string): Gallery {
  if (dir === undefined) return BUILT_IN_TARGETS;
  const folder = resolve(cwd, dir);
  if (within !== undefined && existsSync(folder) && !liesInside(within, folder))
    throw new UsageError(
      `${origin} ${dir}: lies outside the repository; a repository names only a gallery inside it: pass --gallery <dir> to use one elsewhere`,
    );
  let names: string[];
  try {
    names = readdirSync(folder)
      .filter((n) => n.endsWith('.json'))
      .sort();
  } catch {
    throw new UsageError(`${origin} ${dir}: not a readable folder`);
  }
  if (!names.length) throw new UsageError(`${origin} ${dir}: holds no target definitions (*.json)`);
  const gallery = [...BUILT_IN_TARGETS];
  for (const name of names) {
    const source = `${origin} ${join(dir, name)}`;
    if (within !== undefined && !liesInside(within, join(folder, name)))
      throw new UsageError(`${source}: a symbolic link leading outside the repository, not read`);
    let text: string;
    try {
      text = readBounded(join(folder, name), READ_LIMIT.inputFile);
    } catch (e) {
      throw new UsageError(`${source}: cannot be read (${(e as Error).message})`);
    }
    assertNesting(text, source);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`${source}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
    }
    try {
      const target = parseTargetDefinition(raw, source);
      if (gallery.some((t) => t.id === target.id))
        throw new DefinitionError(`${source}: target id "${target.id}" is already in the gallery`);
      checkSharedQuestions(gallery, target, source);
      gallery.push(target);
    } catch (e) {
      if (e instanceof DefinitionError) throw new UsageError(e.message);
      throw e;
    }
  }
  return gallery;
}

/** Targets may share a question (same name, same flag, same rule); anything else would be ambiguous. */
function checkSharedQuestions(gallery: Gallery, target: Gallery[number], source: string): void {
  for (const q of target.questions) {
    for (const other of gallery.flatMap((t) => t.questions.map((oq) => ({ t, oq })))) {
      const sameName = other.oq.name === q.name;
      const sameFlag = other.oq.flag === q.flag;
      if ((sameName || sameFlag) && !(sameName && sameFlag && other.oq.pattern === q.pattern)) {
        throw new DefinitionError(
          `${source}: question ${q.name} (--${q.flag}) clashes with ${other.oq.name} (--${other.oq.flag}) of target ${other.t.id}`,
        );
      }
    }
  }
}
