/**
 * `pipelines-oidc new <name>`: answers → model → rendered files → written atomically → git.
 * A plain async function taking an options object, so tests call it without the CLI.
 */
import { relative, resolve } from 'node:path';
import {
  QUESTIONS,
  questionFor,
  type Answers,
  askAnswers,
  checkTargetFlags,
  resolveAnswers,
  type AnswerSources,
} from '../core/answers/index.js';
import type { Gallery } from '../core/targets/index.js';
import { ANY_BRANCH_ADVICE, deploysFromAnyBranch, buildRepoModel, nextSteps } from '../core/repo/index.js';
import { CancelledError, RunError, UsageError } from '../errors.js';
import { renderRepository } from '../render/files.js';
import { loadTemplates } from '../io/templates.js';
import { toolVersion } from '../paths.js';
import type { AnswersFile } from './answers-file.js';
import { bold, dim, green, yellow } from '../io/style.js';
import { assertWritable, inspectTarget, writeRepository } from '../io/write.js';
import { MANIFEST_FILE, PIPELINE_FILE } from '../core/facts/index.js';

/** Where a command that writes repositories takes its answers from: flags, an answers file, the environment. */
export interface AnswerInput {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Answers given as flags (and the positional name), by answer name; target answers included. */
  flags: Record<string, string | undefined>;
  /** Built-in targets plus any loaded with --gallery. */
  gallery: Gallery;
  /** The --gallery folder, if any, as given (relative to cwd): recorded in the manifest. */
  galleryDir?: string;
  /** --answers, read once by the command line (`readAnswersFile`). */
  answersFile?: AnswersFile;
}

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

function summary(answers: Answers, dir: string, opts: NewOptions, existingRepository: boolean): string {
  const rows = QUESTIONS.map((q) => [
    q.message.replace(/ \(.*\)$/, ''),
    answers[q.name] || (q.name === 'repoUuid' ? '(not set: the role trusts no pipeline yet)' : '(none)'),
  ]);
  for (const [name, value] of Object.entries(answers.targetAnswers)) rows.push([name, value || '(none)']);
  rows.push(
    ['Folder', dir],
    [
      'Git',
      existingRepository
        ? 'nothing committed: an existing repository, added to'
        : opts.git
          ? opts.push
            ? `commit and push to ${opts.push}`
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

export async function runNew(opts: NewOptions): Promise<NewResult> {
  if (opts.push !== undefined && !opts.git) throw new UsageError('--push needs git: drop --no-git');
  if (opts.push !== undefined && !opts.push.trim()) throw new UsageError('--push: must be a git remote URL');
  if (opts.dir !== undefined && !opts.dir.trim()) throw new UsageError('--dir: must be a folder path');
  const file = opts.answersFile;
  const flags = { ...opts.flags };
  // in a terminal the folder is settled before the questions, so answers are never lost to a full folder
  const dirOption = opts.interactive && !opts.force ? await settleFolder(opts, flags, file?.values) : opts.dir;
  const sources: AnswerSources = { flags, file, env: opts.env };
  const answers = opts.interactive
    ? await askAnswers(
        sources,
        async (q, suggested) => (await import('../io/prompt.js')).askQuestion(q, suggested),
        opts.gallery,
      )
    : resolveAnswers(sources, opts.gallery);
  checkTargetFlags(flags, answers, opts.gallery);

  const dir = resolve(opts.cwd, dirOption ?? answers.name);
  const rel = relative(opts.cwd, dir);
  const shownDir = rel === '' ? '.' : rel.startsWith('..') ? dir : rel;
  const version = toolVersion();
  // a non-empty folder without our manifest is someone's repository: we add to it, never replace its files
  const target = await inspectTarget(dir, []);
  const existingRepository = !target.empty && !target.entries.includes(MANIFEST_FILE);
  const model = buildRepoModel(answers, opts.gallery, { existingRepository });
  const rendered = renderRepository(
    model,
    version,
    await loadTemplates(),
    opts.galleryDir === undefined ? undefined : relative(dir, resolve(opts.cwd, opts.galleryDir)) || '.',
  ).files;
  const files = existingRepository
    ? (await import('../io/existing-repository.js')).filesForExistingRepository(dir, shownDir, rendered)
    : rendered.map((f) => ({ ...f, addedTo: false }));
  const paths = files.map((f) => f.path);

  if (!existingRepository) await assertWritable(dir, files, opts.force);
  // git (and execa) load only when a commit will be made
  const git = opts.git && !opts.dryRun ? await import('../io/git.js') : undefined;
  const existingRepo = git ? await git.insideWorkTree(dir) : false;
  if ((existingRepo || existingRepository) && opts.push !== undefined) {
    throw new RunError(
      `--push: ${shownDir} ${existingRepository ? 'already holds a repository' : 'is inside an existing git repository'}; commit and push it yourself, or choose another --dir`,
    );
  }
  if (git && !existingRepo && !existingRepository) await git.assertCanCommit(opts.cwd);

  if (opts.interactive) {
    opts.out(`\n${bold('About to write')}\n${summary(answers, shownDir, opts, existingRepository)}\n`);
    const { askConfirm } = await import('../io/prompt.js');
    if (!(await askConfirm(`Write ${files.length} files to ${shownDir}?`))) throw new CancelledError();
  }

  const result: NewResult = {
    dir,
    files: paths,
    roleArn: model.roles[0]!.concreteArn,
    next: [],
    written: false,
    git: 'skipped',
    existingRepository,
  };
  if (opts.dryRun) {
    result.next = nextSteps(model, shownDir, opts.git ? 'committed' : 'skipped');
    if (!opts.json)
      opts.out(
        `Would write ${files.length} files to ${shownDir} (dry run, nothing written):\n${paths.map((p) => `  ${p}`).join('\n')}\n`,
      );
    return result;
  }

  // an existing repository is added to, not required empty
  await writeRepository(
    dir,
    files.map(({ path, content }) => ({ path, content })),
    { mustBeEmpty: !opts.force && !existingRepository },
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

  if (existingRepo) result.git = 'existing-repository';
  else if (existingRepository) result.git = 'skipped';
  else if (git) {
    await git.initAndCommit(dir);
    result.git = 'committed';
    if (opts.push !== undefined) {
      await git.push(dir, opts.push, opts.pushTimeout);
      result.git = 'pushed';
    }
  }
  result.next = nextSteps(model, shownDir, result.git);
  if (!opts.json) {
    const gitLine = {
      committed: `${green('✔')} git: initialised ${shownDir} on main with one commit`,
      pushed: `${green('✔')} git: committed and pushed main to ${opts.push}`,
      skipped: dim(
        existingRepository && opts.git
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
