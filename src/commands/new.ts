/**
 * `pipelines-oidc new <name>` as a plan and its application: `planNew` reads the answers, the folder and
 * git, and renders every file without writing anything; `applyNew` writes them atomically and makes the
 * commit (and push). `new --bitbucket` composes the same two steps around Bitbucket's.
 */
import { relative, resolve } from 'node:path';
import { QUESTIONS, questionFor, type Answers } from '../core/answers/index.js';
import {
  ANY_BRANCH_ADVICE,
  deploysFromAnyBranch,
  buildRepoModel,
  nextSteps,
  type RepoModel,
} from '../core/repo/index.js';
import { CancelledError, RunError, UsageError } from '../errors.js';
import { renderRepository } from '../render/files.js';
import { loadTemplates } from '../io/templates.js';
import { toolVersion } from '../paths.js';
import { answersOf, type AnswerInput } from './answers-file.js';
import { bold, dim, green, yellow } from '../io/style.js';
import { assertWritable, inspectTarget, writeRepository } from '../io/write.js';
import { MANIFEST_FILE, PIPELINE_FILE } from '../core/facts/index.js';
import type { RenderedFile } from '../render/files.js';

export interface NewOptions extends AnswerInput {
  dir?: string;
  git: boolean;
  push?: string;
  /** Seconds the push may go without an answer. */
  pushTimeout: number;
  dryRun: boolean;
  force: boolean;
  /** Prompts are allowed (a terminal, and no --yes). */
  interactive: boolean;
  json: boolean;
  out: (text: string) => void;
}

export interface NewResult {
  dir: string;
  files: string[];
  roleArn: string;
  next: string[];
  written: boolean;
  git: 'committed' | 'pushed' | 'skipped' | 'existing-repository';
  /** Written into a folder that held a repository pipelines-oidc did not generate. */
  existingRepository: boolean;
}

/** Everything `new` would do, decided and rendered: nothing written yet. */
export interface NewPlan {
  answers: Answers;
  model: RepoModel;
  /** The folder, absolute and as shown to the user. */
  dir: string;
  shownDir: string;
  /** Every file, in the order written; `addedTo`: merged into the repository's own file of that path. */
  files: Array<RenderedFile & { addedTo: boolean }>;
  /** The folder holds a repository pipelines-oidc did not generate: added to, never replaced. */
  existingRepository: boolean;
  /** The folder is inside a git repository already: nothing is committed. */
  insideRepository: boolean;
  /** git was asked for (no --no-git); a push goes to `push`, given up after `pushTimeout` seconds. */
  git: boolean;
  push?: string;
  pushTimeout: number;
  /** --force: the folder need not be empty. */
  force: boolean;
}

/** The plan's folder and git side: what does not depend on the answers' values. */
type NewFolder = Omit<NewPlan, 'answers' | 'model' | 'files'>;

function summary(plan: NewPlan): string {
  const { answers } = plan;
  const rows = QUESTIONS.map((q) => [
    q.message.replace(/ \(.*\)$/, ''),
    answers[q.name] || (q.name === 'repoUuid' ? '(not set: the role trusts no pipeline yet)' : '(none)'),
  ]);
  for (const [name, value] of Object.entries(answers.targetAnswers)) rows.push([name, value || '(none)']);
  rows.push(
    ['Folder', plan.shownDir],
    [
      'Git',
      plan.existingRepository
        ? 'nothing committed: an existing repository, added to'
        : plan.git
          ? plan.push
            ? `commit and push to ${plan.push}`
            : 'init and commit'
          : 'no',
    ],
  );
  const width = Math.max(...rows.map((r) => r[0]!.length));
  return rows.map(([k, v]) => `  ${k!.padEnd(width)}  ${v}`).join('\n');
}

/** Why `path` cannot take a new repository (not empty), or undefined when it can. */
async function folderRefusal(cwd: string, path: string): Promise<string | undefined> {
  const target = await inspectTarget(resolve(cwd, path), []);
  return target.empty
    ? undefined
    : `${path} is not empty (${target.entries.slice(0, 3).join(', ')}…): choose another folder`;
}

/**
 * The folder to write to, known before the other questions: asks the name first when the folder is named
 * after it, and offers another folder when that one is not empty. `flags` gets the name when asked.
 */
async function settleFolder(
  opts: NewOptions,
  flags: Record<string, string | undefined>,
  fileValues: Record<string, unknown> | undefined,
): Promise<string | undefined> {
  const prompt = await import('../io/prompt.js');
  const fromFile = typeof fileValues?.['name'] === 'string' ? fileValues['name'] : undefined;
  if (opts.dir === undefined && flags['name'] === undefined && fromFile === undefined)
    flags['name'] = await prompt.askQuestion(questionFor('name')!, undefined);
  const first = opts.dir ?? flags['name'] ?? fromFile!;
  const refusal = await folderRefusal(opts.cwd, first);
  if (refusal === undefined) return opts.dir;
  opts.out(`${yellow('!')} ${refusal}\n`);
  return prompt.askFolder('Folder to write the repository to', (path) => folderRefusal(opts.cwd, path));
}

/** The answers of `new` (asked in a terminal) and the --dir they go with: read once, at the edge. */
export async function newAnswers(opts: NewOptions): Promise<{ answers: Answers; dir: string | undefined }> {
  if (opts.push !== undefined && !opts.git) throw new UsageError('--push needs git: drop --no-git');
  if (opts.push !== undefined && !opts.push.trim()) throw new UsageError('--push: must be a git remote URL');
  if (opts.dir !== undefined && !opts.dir.trim()) throw new UsageError('--dir: must be a folder path');
  const file = opts.answersFile;
  const flags = { ...opts.flags };
  // in a terminal the folder is settled before the questions, so answers are never lost to a full folder
  const dir = opts.interactive && !opts.force ? await settleFolder(opts, flags, file?.values) : opts.dir;
  const answers = await answersOf({ flags, file, env: opts.env }, opts.gallery, opts.interactive);
  return { answers, dir };
}

/** The model and the files of `answers` for the folder of `plan`: the same plan with other answers (UUIDs found later). */
export async function withAnswers(plan: NewFolder, answers: Answers, opts: AnswerInput): Promise<NewPlan> {
  const model = buildRepoModel(answers, opts.gallery, { existingRepository: plan.existingRepository });
  const rendered = renderRepository(
    model,
    toolVersion(),
    await loadTemplates(),
    opts.galleryDir === undefined ? undefined : relative(plan.dir, resolve(opts.cwd, opts.galleryDir)) || '.',
  ).files;
  const files = plan.existingRepository
    ? (await import('../io/existing-repository.js')).filesForExistingRepository(plan.dir, plan.shownDir, rendered)
    : rendered.map((f) => ({ ...f, addedTo: false }));
  return { ...plan, answers, model, files };
}

/**
 * Everything `new` would do for these answers, refused now if it could not be done: the folder and its
 * files (a repository of someone else's is added to), and what git would do. Reads, never writes.
 */
export async function planFiles(opts: NewOptions, answers: Answers, dirOption: string | undefined): Promise<NewPlan> {
  const dir = resolve(opts.cwd, dirOption ?? answers.name);
  const rel = relative(opts.cwd, dir);
  const shownDir = rel === '' ? '.' : rel.startsWith('..') ? dir : rel;
  // a non-empty folder without our manifest is someone's repository: we add to it, never replace its files
  const target = await inspectTarget(dir, []);
  const existingRepository = !target.empty && !target.entries.includes(MANIFEST_FILE);
  const folder: NewFolder = {
    dir,
    shownDir,
    existingRepository,
    insideRepository: false,
    git: opts.git,
    ...(opts.push === undefined ? {} : { push: opts.push }),
    pushTimeout: opts.pushTimeout,
    force: opts.force,
  };
  const plan = await withAnswers(folder, answers, opts);
  if (!existingRepository) await assertWritable(dir, plan.files, opts.force);
  // git (and execa) load only when a commit will be made
  const git = opts.git && !opts.dryRun ? await import('../io/git.js') : undefined;
  plan.insideRepository = git ? await git.insideWorkTree(dir) : false;
  if ((plan.insideRepository || existingRepository) && opts.push !== undefined) {
    throw new RunError(
      `--push: ${shownDir} ${existingRepository ? 'already holds a repository' : 'is inside an existing git repository'}; commit and push it yourself, or choose another --dir`,
    );
  }
  if (git && !plan.insideRepository && !existingRepository) await git.assertCanCommit(opts.cwd);
  return plan;
}

/** The answers, then the plan: what `new` would write and do. Asks the questions in a terminal; writes nothing. */
export async function planNew(opts: NewOptions): Promise<NewPlan> {
  const { answers, dir } = await newAnswers(opts);
  return planFiles(opts, answers, dir);
}

const resultOf = (plan: NewPlan): NewResult => ({
  dir: plan.dir,
  files: plan.files.map((f) => f.path),
  roleArn: plan.model.roles[0]!.concreteArn,
  next: [],
  written: false,
  git: 'skipped',
  existingRepository: plan.existingRepository,
});

/** What a dry run reports: the plan's files, nothing written. */
export function dryRunResult(plan: NewPlan, opts: Pick<NewOptions, 'json' | 'out'>): NewResult {
  const result = resultOf(plan);
  result.next = nextSteps(plan.model, plan.shownDir, plan.git ? 'committed' : 'skipped', plan.files);
  if (!opts.json)
    opts.out(
      `Would write ${plan.files.length} files to ${plan.shownDir} (dry run, nothing written):\n${result.files.map((p) => `  ${p}`).join('\n')}\n`,
    );
  return result;
}

/** Writes the plan's files atomically, then git: init and commit, and the push. */
export async function applyNew(plan: NewPlan, opts: Pick<NewOptions, 'json' | 'out'>): Promise<NewResult> {
  const { dir, shownDir, files, model, existingRepository } = plan;
  const result = resultOf(plan);
  // an existing repository is added to, not required empty
  await writeRepository(
    dir,
    files.map(({ path, content }) => ({ path, content })),
    { mustBeEmpty: !plan.force && !existingRepository },
  );
  result.written = true;
  if (!opts.json) {
    const lines = files.map((f) =>
      dim(
        `  ${f.path}${f.addedTo ? (f.path === PIPELINE_FILE ? ' (our pipelines added to yours)' : ' (our lines appended)') : ''}`,
      ),
    );
    const what = existingRepository
      ? `Added OIDC to the repository in ${shownDir}`
      : `Wrote ${files.length} files to ${shownDir}`;
    opts.out(`${green('✔')} ${what}\n${lines.join('\n')}\n`);
  }

  if (plan.insideRepository) result.git = 'existing-repository';
  else if (existingRepository) result.git = 'skipped';
  else if (plan.git) {
    const git = await import('../io/git.js');
    await git.initAndCommit(dir);
    result.git = 'committed';
    if (plan.push !== undefined) {
      await git.push(dir, plan.push, plan.pushTimeout);
      result.git = 'pushed';
    }
  }
  result.next = nextSteps(model, shownDir, result.git, files);
  if (!opts.json) {
    const gitLine = {
      committed: `${green('✔')} git: initialised ${shownDir} on main with one commit`,
      pushed: `${green('✔')} git: committed and pushed main to ${plan.push}`,
      skipped: dim(
        existingRepository && plan.git
          ? `  git: ${shownDir} is not a git repository; nothing was committed`
          : '  git: skipped (--no-git)',
      ),
      'existing-repository': yellow(
        `  git: ${shownDir} is inside an existing repository; review and commit the changes yourself`,
      ),
    }[result.git];
    const warning = model.repoUuidMissing
      ? `\n${yellow('!')} No repository UUID yet: the role trusts no pipeline until you set it (steps below).\n`
      : '';
    const anyBranch = deploysFromAnyBranch(model)
      ? `\n${yellow('!')} Any branch can deploy: ${ANY_BRANCH_ADVICE.message}. ${ANY_BRANCH_ADVICE.fix}\n`
      : '';
    opts.out(
      `${gitLine}\n${warning}${anyBranch}\n${bold('Next steps')}\n${result.next.map((s, i) => `  ${i + 1}. ${s}`).join('\n')}\n`,
    );
  }
  return result;
}

/** `new`: the plan, shown and confirmed in a terminal, then applied (or, with --dry-run, listed). */
export async function runNew(opts: NewOptions): Promise<NewResult> {
  const plan = await planNew(opts);
  if (opts.interactive) {
    opts.out(`\n${bold('About to write')}\n${summary(plan)}\n`);
    const { askConfirm } = await import('../io/prompt.js');
    if (!(await askConfirm(`Write ${plan.files.length} files to ${plan.shownDir}?`))) throw new CancelledError();
  }
  return opts.dryRun ? dryRunResult(plan, opts) : applyNew(plan, opts);
}
