/**
 * `update` and `add`: re-render a generated repository from its manifest with changed answers (or one
 * more target), writing only files the user has not changed since they were generated. A plan first
 * (`planRepositoryUpdate`: answers, rendered files, merges; nothing written), then `applyUpdate`.
 */
import { relative } from 'node:path';
import {
  manifestSource,
  nextStepsAfterChange,
  buildRepoModel,
  ADDED_NOTE,
  appendMissingLines,
  PIPELINE_NOTE,
  replaceOurPipelines,
  planUpdate,
  sameTerraformLayoutAside,
  type PlannedFile,
} from '../core/repo/index.js';
import { unknownTarget, type AnswerSources } from '../core/answers/index.js';
import { GITIGNORE, MANIFEST_FILE, PIPELINE_FILE } from '../core/facts/index.js';
import { shQuote } from '../core/util/index.js';
import { RunError, UsageError } from '../errors.js';
import { invalidPipeline } from '../io/pipeline-file.js';
import type { Repository } from '../io/repository.js';
import { bold, dim, green, yellow } from '../io/style.js';
import { loadTemplates } from '../io/templates.js';
import { writeRepository } from '../io/write.js';
import { toolVersion } from '../paths.js';
import { renderRepository, sha256, type RenderedFile, type TemplateLookup } from '../render/files.js';
import { answersOf } from './answers-file.js';
import type { RepoModel } from '../core/repo/index.js';

export interface UpdateOptions {
  /** The folder paths are shown relative to. */
  cwd: string;
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

/** What happened to a file: the plan's action, or how its merge or --force went. */
export type ChangeAction = Exclude<PlannedFile['action'], 'merge'> | 'merged' | 'conflict' | 'replaced';

export interface UpdateResult {
  dir: string;
  written: boolean;
  changes: Array<{ path: string; action: ChangeAction; reason?: string; backup?: string; diff?: string }>;
  /** What to do next, in order (the IAM side, commit and push, Bitbucket variables). */
  next: string[];
}

interface Change extends PlannedFile {
  outcome: ChangeAction;
  /** What is written to `path` (undefined: the file is left as it is). */
  write?: string;
  backup?: string;
  conflicts?: number;
}

/** `--environment name=uuid` sets that environment's UUID (or adds it); the others stay as they are. */
function mergeEnvironments(current: string, given: string): string {
  const byName = new Map(
    current
      .split(',')
      .filter(Boolean)
      .map((e) => [e.split(/[=:]/)[0], e]),
  );
  for (const e of given.split(',').filter(Boolean)) byName.set(e.split(/[=:]/)[0], e);
  return [...byName.values()].join(',');
}

/** The manifest's hashes; where an early version kept none, the hash of what the recorded answers render stands in. */
function recordedHashes(repo: Repository, lastTime: Map<string, string> | undefined): Record<string, string | null> {
  const { files } = repo.manifest;
  return Object.fromEntries(
    Object.entries(files).map(([path, hash]) => {
      const rendered = lastTime?.get(path);
      return [path, hash ?? (rendered === undefined ? null : sha256(rendered))];
    }),
  );
}

/** The recorded answers rendered by this version: what we generated last time, unless the templates changed since. */
function renderLastTime(repo: Repository, templates: TemplateLookup): Map<string, string> | undefined {
  try {
    const { files } = renderRepository(repo.model(), toolVersion(), templates, repo.galleryDir);
    return new Map(files.map((f) => [f.path, f.content]));
  } catch {
    return undefined;
  }
}

/** `<path>.orig`, or the first `<path>.orig.<n>` not taken. */
function backupPath(path: string, read: Repository['read']): string {
  let candidate = `${path}.orig`;
  for (let n = 2; read(candidate) !== undefined; n++) candidate = `${path}.orig.${n}`;
  return candidate;
}

/** Each planned file with what happens to it: merges run, --force replaces hand edits and keeps them as backups. */
async function resolveChanges(
  plan: PlannedFile[],
  opts: UpdateOptions,
  lastTime: Map<string, string> | undefined,
): Promise<Change[]> {
  const { dir, read } = opts.repo;
  const changes: Change[] = [];
  for (const p of plan) {
    const handEdited = ['edited', 'merge', 'unresolved', 'foreign'].includes(p.action);
    if (handEdited && opts.force) {
      changes.push({ ...p, outcome: 'replaced', write: p.after!, backup: backupPath(p.path, read) });
    } else if (p.action === 'merge') {
      const { findBase, mergeThreeWay } = await import('../io/merge.js');
      const base = await findBase(dir, p.path, p.baseHash, lastTime?.get(p.path), sha256);
      // a file the user only ran terraform fmt on, generated with another layout: not an edit to merge
      if (
        [base, lastTime?.get(p.path)].some((b) => b !== undefined && sameTerraformLayoutAside(p.path, b, p.before!))
      ) {
        changes.push({ ...p, outcome: 'update', reason: 'only reformatted since it was generated', write: p.after! });
        continue;
      }
      const merged = await mergeThreeWay(
        p.path,
        { theirs: p.before!, base, ours: p.after! },
        `pipelines-oidc ${toolVersion()}`,
      );
      changes.push({
        ...p,
        reason: base === undefined ? `${p.reason}; no earlier version found, so every difference is marked` : p.reason,
        outcome: merged.conflicts ? 'conflict' : 'merged',
        ...(merged.text === p.before ? {} : { write: merged.text }),
        conflicts: merged.conflicts,
      });
    } else if (p.action === 'create' || p.action === 'update') {
      changes.push({ ...p, outcome: p.action, write: p.after! });
    } else {
      changes.push({ ...p, outcome: p.action });
    }
  }
  return changes;
}

/** One line per change, saying what the user can do next where there is something to do. */
function describe(c: Change): string {
  const plural = (n: number) => `${n} conflict${n === 1 ? '' : 's'}`;
  switch (c.outcome) {
    case 'stale':
      return `  ${dim('-')} ${c.path}${dim(' (no longer generated; left in place)')}`;
    case 'edited':
      return `  = ${c.path} (edited by hand; kept: update --force re-renders it, keeping yours as ${c.path}.orig)`;
    case 'merged':
      return `  ${green('~')} ${c.path} (your edits and our changes merged)`;
    case 'conflict':
      return `  ${yellow('!')} ${c.path} (${plural(c.conflicts ?? 0)} marked <<<<<<< … >>>>>>>${c.reason ? `; ${c.reason}` : ''})`;
    case 'replaced':
      return `  ${yellow('~')} ${c.path} (re-rendered; yours kept as ${c.backup})`;
    default:
      return `  ${c.outcome === 'create' ? green('+') : green('~')} ${c.path}${c.reason ? ` (${c.reason})` : ''}`;
  }
}

/**
 * In a repository that was not ours, the pipeline file and `.gitignore` are the repository's own: what
 * we generate for them is that file with our pipelines swapped in (the base: with last time's) and with
 * our missing lines appended.
 */
function shareRepositoryFiles(
  files: RenderedFile[],
  recorded: Record<string, string | null>,
  lastTime: Map<string, string> | undefined,
  read: Repository['read'],
): void {
  const pipeline = read(PIPELINE_FILE);
  const gitignore = read(GITIGNORE);
  files.forEach((file, i) => {
    if (file.path === PIPELINE_FILE && pipeline !== undefined) {
      const last = lastTime?.get(PIPELINE_FILE) ?? file.content;
      const base = replaceOurPipelines(pipeline, last, last, PIPELINE_NOTE);
      files[i] = { path: file.path, content: replaceOurPipelines(pipeline, last, file.content, PIPELINE_NOTE) };
      recorded[PIPELINE_FILE] = sha256(base);
      lastTime?.set(PIPELINE_FILE, base);
    } else if (file.path === GITIGNORE && gitignore !== undefined) {
      files[i] = { path: file.path, content: appendMissingLines(gitignore, file.content, ADDED_NOTE) };
      recorded[GITIGNORE] = sha256(gitignore);
    }
  });
}

/** What update would write, each file's merge done in memory: refused (foreign files, open conflicts) before anything is written. */
export interface UpdatePlan {
  model: RepoModel;
  changes: Change[];
  /** The manifest, written last whenever anything changed (it may change alone: a new answer, a new version). */
  manifestFile: RenderedFile;
  /** With --diff --json: each changed file's unified diff, by path, carried in the one JSON document. */
  diffs?: Map<string, string>;
  /** Every file as the new answers render it (what the next steps' commands are for). */
  rendered: RenderedFile[];
}

/** The answers (asked in a terminal), the files they render and what happens to each: reads, never writes. */
export async function planRepositoryUpdate(opts: UpdateOptions): Promise<UpdatePlan> {
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
  const answers = await answersOf(sources, gallery, opts.interactive);
  const templates = await loadTemplates();
  const existing = manifest.existingRepository === true;
  const model = buildRepoModel(answers, gallery, { existingRepository: existing });
  const rendered = renderRepository(model, toolVersion(), templates, galleryDir);
  const manifestFile = rendered.files.find((f) => f.path === MANIFEST_FILE)!;
  const lastTime = renderLastTime(opts.repo, templates);
  const recorded = recordedHashes(opts.repo, lastTime);
  const files = rendered.files.filter((f) => f !== manifestFile);
  if (existing) shareRepositoryFiles(files, recorded, lastTime, read);
  const plan = planUpdate({ recorded, onDisk: read, generated: files, hash: sha256 });

  const foreign = plan.filter((p) => p.action === 'foreign');
  if (foreign.length && !opts.force) {
    if (opts.json)
      opts.out(
        `${JSON.stringify({ dir, written: false, changes: foreign.map(({ path, action, reason }) => ({ path, action, reason })) }, null, 2)}\n`,
      );
    throw new RunError(
      `${foreign.map((p) => p.path).join(', ')}: not generated by pipelines-oidc, and this change would write there; move yours away, or pass --force to replace it (yours kept as a .orig file). Nothing was written`,
    );
  }
  const unresolved = plan.filter((p) => p.action === 'unresolved');
  if (unresolved.length && !opts.force) {
    throw new RunError(
      `${unresolved.map((p) => p.path).join(', ')} still ${unresolved.length > 1 ? 'have' : 'has'} conflict markers from the last merge: edit the lines between <<<<<<< and >>>>>>> to what you want and delete the markers, then run the command again (or pass --force to take our version, yours kept as a .orig file). Nothing was written`,
    );
  }
  return { model, changes: await resolveChanges(plan, opts, lastTime), manifestFile, rendered: rendered.files };
}

/** Writes the plan's files (backups first, the manifest last), or with --dry-run nothing; reports what happened. */
export async function applyUpdate(plan: UpdatePlan, opts: UpdateOptions): Promise<UpdateResult> {
  const { dir, read } = opts.repo;
  const { changes, manifestFile, model } = plan;
  const toWrite = changes.filter((c) => c.write !== undefined);
  // a merged pipeline must still be YAML Bitbucket reads; one left with conflict markers is the user's to finish
  for (const c of toWrite.filter((x) => x.path === PIPELINE_FILE && x.outcome !== 'conflict')) {
    const invalid = invalidPipeline(c.write!);
    if (invalid)
      throw new RunError(
        `${PIPELINE_FILE} would not be valid YAML after this change (${invalid}); nothing was written. Run pipelines-oidc check to see what in it our change collides with`,
      );
  }
  const result: UpdateResult = {
    dir,
    written: false,
    changes: changes
      .filter((c) => c.outcome !== 'keep')
      .map(({ path, outcome, reason, backup }) => ({
        path,
        action: outcome,
        ...(reason ? { reason } : {}),
        ...(backup ? { backup } : {}),
        ...(plan.diffs?.has(path) ? { diff: plan.diffs.get(path)! } : {}),
      })),
    next: [],
  };
  if (!opts.dryRun && (toWrite.length || read(MANIFEST_FILE) !== manifestFile.content)) {
    // what each file held when planned: a run that changed it meanwhile is refused, not overwritten
    await writeRepository(
      dir,
      [
        ...toWrite.flatMap((c) => [
          ...(c.backup ? [{ path: c.backup, content: c.before! }] : []),
          { path: c.path, content: c.write! },
        ]),
        manifestFile,
      ],
      { expected: new Map(toWrite.map((c) => [c.path, c.before])) },
    );
    result.written = true;
  }
  const shownDir = relative(opts.cwd, dir) || '.';
  const conflicts = changes.filter((c) => c.outcome === 'conflict');
  const where = shownDir.startsWith('..') ? dir : shownDir;
  // with a conflict left the change is not done: resolving it is the only next step, not committing it
  if (!opts.dryRun && conflicts.length)
    result.next = [
      `Resolve the conflicts in ${conflicts.map((c) => c.path).join(', ')} (keep what you want between <<<<<<< and >>>>>>>, delete the marker lines), then run: pipelines-oidc update --dir ${shQuote(where)}`,
    ];
  else if (!opts.dryRun)
    result.next = nextStepsAfterChange(
      opts.repo.model(),
      model,
      where,
      toWrite.map((c) => c.path),
      plan.rendered,
    );
  if (opts.json) opts.out(`${JSON.stringify(result, null, 2)}\n`);
  else {
    const lines = changes.filter((c) => c.outcome !== 'keep').map(describe);
    const verb = opts.dryRun ? 'Would change' : 'Changed';
    opts.out(
      lines.length
        ? `${verb} ${toWrite.length} file${toWrite.length === 1 ? '' : 's'} in ${dir}${opts.dryRun ? ' (dry run, nothing written)' : ''}:\n${lines.join('\n')}\n`
        : `${dir} is up to date\n`,
    );
    if (result.next.length)
      opts.out(`\n${bold('Next steps')}\n${result.next.map((s, i) => `  ${i + 1}. ${s}`).join('\n')}\n`);
  }
  if (conflicts.length) {
    const where = conflicts.map((c) => c.path).join(', ');
    throw new RunError(
      opts.dryRun
        ? `${where} would be merged with conflicts (see --diff); nothing was written`
        : `${where}: your edits and our changes overlap, marked <<<<<<< … >>>>>>> in the file. Keep what you want between the markers, delete the marker lines, then run pipelines-oidc update again to finish (or update --force to take our version, yours kept as a .orig file)`,
    );
  }
  return result;
}

/** `update` and `add`: the plan, its diff with --diff, then applied (or with --dry-run only reported). */
export async function runUpdate(opts: UpdateOptions): Promise<UpdateResult> {
  const plan = await planRepositoryUpdate(opts);
  if (opts.diff) {
    const { createTwoFilesPatch } = await import('diff');
    const patches = new Map(
      plan.changes.flatMap((c) =>
        c.write === undefined
          ? []
          : [[c.path, createTwoFilesPatch(`a/${c.path}`, `b/${c.path}`, c.before ?? '', c.write)] as const],
      ),
    );
    // --json: stdout holds one JSON document, so the diffs go inside it
    if (opts.json) plan.diffs = patches;
    else for (const patch of patches.values()) opts.out(patch);
  }
  return applyUpdate(plan, opts);
}
