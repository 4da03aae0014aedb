/**
 * `update` and `add`: re-render a generated repository from its manifest with changed answers (or one
 * more target), writing only files the user has not changed since they were generated.
 */
import { relative } from 'node:path';
import { manifestSource } from '../core/manifest.js';
import { nextStepsAfterChange } from '../core/next-steps.js';
import { buildRepoModel, MANIFEST_FILE } from '../core/model.js';
import { askAnswers, checkTargetFlags, resolveAnswers, unknownTarget, type AnswerSources } from '../core/resolve.js';
import { planUpdate, type PlannedFile } from '../core/update-plan.js';
import { RunError, UsageError } from '../errors.js';
import type { Repository } from '../io/repository.js';
import { bold, dim, green, yellow } from '../io/style.js';
import { loadTemplates } from '../io/templates.js';
import { writeRepository } from '../io/write.js';
import { toolVersion } from '../paths.js';
import { renderRepository, sha256, type TemplateLookup } from '../render/files.js';

export interface UpdateOptions {
  /** The repository, opened (with the --gallery given, if any). */
  repo: Repository;
  env: Readonly<Record<string, string | undefined>>;
  /** Changed answers by name (target answers included). */
  flags: Record<string, string | undefined>;
  /** `add`: the target to add. */
  addTarget?: string;
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
  /** What to do next, in order (the IAM side, commit and push, Bitbucket variables). */
  next: string[];
}

/** `--environment name=uuid` sets that environment's UUID (or adds it); the others stay as they are. */
function mergeEnvironments(current: string, given: string): string {
  const byName = new Map(
    current
      .split(',')
      .filter(Boolean)
      .map((e) => [e.split('=')[0], e]),
  );
  for (const e of given.split(',').filter(Boolean)) byName.set(e.split('=')[0], e);
  return [...byName.values()].join(',');
}

/** The manifest's hashes; where an early version kept none, the hash of what the recorded answers render stands in. */
function recordedHashes(repo: Repository, templates: TemplateLookup): Record<string, string | null> {
  const { files } = repo.manifest;
  if (Object.values(files).every((h) => h !== null)) return files;
  const rendered = new Map(
    renderRepository(repo.model(), toolVersion(), templates, repo.galleryDir).files.map((f) => [
      f.path,
      sha256(f.content),
    ]),
  );
  return Object.fromEntries(Object.entries(files).map(([path, hash]) => [path, hash ?? rendered.get(path) ?? null]));
}

export async function runUpdate(opts: UpdateOptions): Promise<UpdateResult> {
  const { dir, manifest, gallery, galleryDir, read } = opts.repo;
  const flags = { ...opts.flags };
  if (opts.addTarget !== undefined) {
    const current = (flags['target'] ?? manifest.answers.target).split(',');
    if (!gallery.some((t) => t.id === opts.addTarget)) {
      throw new UsageError(`${unknownTarget('add', opts.addTarget, gallery)} (see pipelines-oidc gallery)`);
    }
    if (current.includes(opts.addTarget))
      throw new UsageError(`add: the repository already has the target ${opts.addTarget}`);
    flags['target'] = [...current, opts.addTarget].join(',');
  }
  if (flags['environments'] !== undefined)
    flags['environments'] = mergeEnvironments(manifest.answers.environments, flags['environments']);
  const sources: AnswerSources = { flags, file: manifestSource(manifest, opts.repo.manifestPath), env: opts.env };
  const answers = opts.interactive
    ? await askAnswers(
        sources,
        async (q, suggested) => (await import('../io/prompt.js')).askQuestion(q, suggested),
        gallery,
      )
    : resolveAnswers(sources, gallery);
  checkTargetFlags(flags, answers, gallery);
  const templates = await loadTemplates();
  const model = buildRepoModel(answers, gallery);
  const { files } = renderRepository(model, toolVersion(), templates, galleryDir);
  const manifestFile = files.find((f) => f.path === MANIFEST_FILE)!;
  const plan = planUpdate({
    recorded: recordedHashes(opts.repo, templates),
    onDisk: read,
    generated: files.filter((f) => f !== manifestFile),
    hash: sha256,
  });

  const conflicts = plan.filter((p) => p.action === 'conflict');
  const toWrite = plan.filter(
    (p) => p.action === 'create' || p.action === 'update' || (opts.force && p.action === 'conflict'),
  );
  if (opts.diff) {
    const { createTwoFilesPatch } = await import('diff');
    for (const p of toWrite.concat(opts.force ? [] : conflicts))
      opts.out(createTwoFilesPatch(`a/${p.path}`, `b/${p.path}`, p.before ?? '', p.after ?? ''));
  }
  const result: UpdateResult = {
    dir,
    written: false,
    changes: plan
      .filter((p) => p.action !== 'keep')
      .map(({ path, action, reason }) => ({ path, action, ...(reason ? { reason } : {}) })),
    next: [],
  };
  if (conflicts.length && !opts.force) {
    if (opts.json) opts.out(`${JSON.stringify(result, null, 2)}\n`);
    throw new RunError(
      `${conflicts.length} file${conflicts.length > 1 ? 's' : ''} changed by hand would be overwritten: ${conflicts.map((c) => `${c.path} (${c.reason})`).join(', ')}. Nothing was written; merge by hand (see --diff) or pass --force`,
    );
  }
  if (!opts.dryRun && (toWrite.length || read(MANIFEST_FILE) !== manifestFile.content)) {
    await writeRepository(dir, [...toWrite.map((p) => ({ path: p.path, content: p.after! })), manifestFile]);
    result.written = true;
  }
  const shownDir = relative(process.cwd(), dir) || '.';
  if (!opts.dryRun)
    result.next = nextStepsAfterChange(
      opts.repo.model(),
      model,
      shownDir.startsWith('..') ? dir : shownDir,
      toWrite.map((p) => p.path),
    );
  if (opts.json) opts.out(`${JSON.stringify(result, null, 2)}\n`);
  else {
    const mark = { create: green('+'), update: green('~'), conflict: yellow('!'), stale: dim('-'), keep: ' ' } as const;
    const lines = result.changes.map(
      (c) =>
        `  ${mark[c.action]} ${c.path}${c.action === 'stale' ? dim(' (no longer generated; left in place)') : c.reason ? ` (${c.reason}; overwritten with --force)` : ''}`,
    );
    const verb = opts.dryRun ? 'Would change' : 'Changed';
    opts.out(
      lines.length
        ? `${verb} ${toWrite.length} file${toWrite.length === 1 ? '' : 's'} in ${dir}${opts.dryRun ? ' (dry run, nothing written)' : ''}:\n${lines.join('\n')}\n`
        : `${dir} is up to date\n`,
    );
    if (result.next.length)
      opts.out(`\n${bold('Next steps')}\n${result.next.map((s, i) => `  ${i + 1}. ${s}`).join('\n')}\n`);
  }
  return result;
}
