/**
 * `update` and `add`: re-render a generated repository from its manifest with changed answers (or one
 * more target), writing only files the user has not changed since they were generated.
 */
import { join, relative, resolve } from 'node:path';
import { buildRepoModel, MANIFEST_FILE } from '../core/model.js';
import { askAnswers, answersFromFile, resolveAnswers, unknownTarget, type AnswerSources } from '../core/resolve.js';
import { planUpdate, type PlannedFile } from '../core/update-plan.js';
import { RunError, UsageError } from '../errors.js';
import { loadGallery } from '../io/gallery.js';
import { readIfPresent, readManifest } from '../io/manifest.js';
import { dim, green, yellow } from '../io/style.js';
import { loadTemplates } from '../io/templates.js';
import { writeRepository } from '../io/write.js';
import { toolVersion } from '../paths.js';
import { renderRepository, sha256 } from '../render/files.js';

export interface UpdateOptions {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  dir?: string;
  /** Changed answers by name (target answers included). */
  flags: Record<string, string | undefined>;
  /** `add`: the target to add. */
  addTarget?: string;
  gallery?: string;
  diff: boolean;
  dryRun: boolean;
  force: boolean;
  interactive: boolean;
  json: boolean;
  out: (text: string) => void;
}

export interface UpdateResult {
  dir: string;
  written: boolean;
  changes: Array<{ path: string; action: PlannedFile['action']; reason?: string }>;
}

/** `--environment name=uuid` sets that environment's UUID (or adds it); the others stay as they are. */
function mergeEnvironments(current: string, given: string): string {
  const byName = new Map(current.split(',').filter(Boolean).map((e) => [e.split('=')[0], e]));
  for (const e of given.split(',').filter(Boolean)) byName.set(e.split('=')[0], e);
  return [...byName.values()].join(',');
}

export async function runUpdate(opts: UpdateOptions): Promise<UpdateResult> {
  const dir = resolve(opts.cwd, opts.dir ?? '.');
  const manifest = readManifest(dir);
  // a gallery named in the manifest is relative to the repository
  const galleryDir = opts.gallery !== undefined ? relative(dir, resolve(opts.cwd, opts.gallery)) || '.' : manifest.gallery;
  const gallery = loadGallery(dir, galleryDir);
  const flags = { ...opts.flags };
  if (opts.addTarget !== undefined) {
    const current = (flags['target'] ?? manifest.answers.target).split(',');
    if (!gallery.some((t) => t.id === opts.addTarget)) {
      throw new UsageError(`${unknownTarget('add', opts.addTarget, gallery)} (see pipelines-oidc gallery)`);
    }
    if (current.includes(opts.addTarget)) throw new UsageError(`add: the repository already has the target ${opts.addTarget}`);
    flags['target'] = [...current, opts.addTarget].join(',');
  }
  if (flags['environments'] !== undefined) flags['environments'] = mergeEnvironments(manifest.answers.environments ?? '', flags['environments']);
  const sources: AnswerSources = { flags, file: { path: join(dir, MANIFEST_FILE), values: answersFromFile(MANIFEST_FILE, manifest) }, env: opts.env };
  const answers = opts.interactive
    ? await askAnswers(sources, async (q, suggested) => (await import('../io/prompt.js')).askQuestion(q, suggested), gallery)
    : resolveAnswers(sources, gallery);
  const { files } = renderRepository(buildRepoModel(answers, gallery), toolVersion(), await loadTemplates(), galleryDir);
  const manifestFile = files.find((f) => f.path === MANIFEST_FILE)!;
  const plan = planUpdate({ recorded: manifest.files, onDisk: (p) => readIfPresent(join(dir, p)), generated: files.filter((f) => f !== manifestFile), hash: sha256 });

  const conflicts = plan.filter((p) => p.action === 'conflict');
  const toWrite = plan.filter((p) => p.action === 'create' || p.action === 'update' || (opts.force && p.action === 'conflict'));
  if (opts.diff) {
    const { createTwoFilesPatch } = await import('diff');
    for (const p of toWrite.concat(opts.force ? [] : conflicts)) opts.out(createTwoFilesPatch(`a/${p.path}`, `b/${p.path}`, p.before ?? '', p.after ?? ''));
  }
  const result: UpdateResult = { dir, written: false, changes: plan.filter((p) => p.action !== 'keep').map(({ path, action, reason }) => ({ path, action, ...(reason ? { reason } : {}) })) };
  if (conflicts.length && !opts.force) {
    if (opts.json) opts.out(`${JSON.stringify(result, null, 2)}\n`);
    throw new RunError(
      `${conflicts.length} file${conflicts.length > 1 ? 's' : ''} changed by hand would be overwritten: ${conflicts.map((c) => `${c.path} (${c.reason})`).join(', ')}. Nothing was written; merge by hand (see --diff) or pass --force`,
    );
  }
  if (!opts.dryRun && (toWrite.length || readIfPresent(join(dir, MANIFEST_FILE)) !== manifestFile.content)) {
    await writeRepository(dir, [...toWrite.map((p) => ({ path: p.path, content: p.after! })), manifestFile]);
    result.written = true;
  }
  if (opts.json) opts.out(`${JSON.stringify(result, null, 2)}\n`);
  else {
    const mark = { create: green('+'), update: green('~'), conflict: yellow('!'), stale: dim('-'), keep: ' ' } as const;
    const lines = result.changes.map((c) => `  ${mark[c.action]} ${c.path}${c.action === 'stale' ? dim(' (no longer generated; left in place)') : c.reason ? ` (${c.reason}; overwritten with --force)` : ''}`);
    const verb = opts.dryRun ? 'Would change' : 'Changed';
    opts.out(lines.length ? `${verb} ${toWrite.length} file${toWrite.length === 1 ? '' : 's'} in ${dir}${opts.dryRun ? ' (dry run, nothing written)' : ''}:\n${lines.join('\n')}\n` : `${dir} is up to date\n`);
  }
  return result;
}
