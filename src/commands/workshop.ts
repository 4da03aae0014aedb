/**
 * `pipelines-oidc workshop`: one repository per attendee of a roster, as `new` writes it (or an exercise
 * built from it), and the facilitator's folder with the IaC of every role. runWorkshop takes an options
 * object, so tests call it without the CLI (workshop-cli.ts).
 */
import { join, relative, resolve } from 'node:path';
import { WORKSHOP_CONCURRENCY } from '../core/cli/index.js';
import { FACILITATOR_DIR } from '../core/facts/index.js';
import { parseEnvironments, type AnswerSources } from '../core/answers/index.js';
import { parseExerciseList, planWorkshop, type PlanInput, type WorkshopPlan } from '../core/workshop/index.js';
import { CancelledError, UsageError } from '../errors.js';
import { READ_LIMIT, readFlagFile } from '../io/bounded-read.js';
import type { GitCredentials } from '../io/git.js';
import { loadTemplates } from '../io/templates.js';
import { assertNoConflicts, planFolders, writeFolders } from '../io/workshop-write.js';
import { toolVersion } from '../paths.js';
import { renderRepository } from '../render/files.js';
import { exerciseFiles } from '../render/workshop-exercise.js';
import { facilitatorFiles } from '../render/workshop-facilitator.js';
import type { AnswerInput } from './answers-file.js';
import { printPlan, printPushResults, pushProgress, type WorkshopResult } from './workshop-report.js';

/** The answers are the base every attendee shares; `flags.roleName` is the prefix of the role names. */
export interface WorkshopOptions extends AnswerInput {
  roster: string;
  outDir: string;
  /** `--exercise a,b`, as given. */
  exercise?: string;
  pushTemplate?: string;
  concurrency: number;
  /** Seconds a push may go without an answer. */
  pushTimeout: number;
  dryRun: boolean;
  force: boolean;
  /** A confirmation may be asked (a terminal, no --yes, no --json). */
  interactive: boolean;
  json: boolean;
  /** stdout is a terminal: push progress redraws one status line instead of printing plain lines. */
  tty: boolean;
  /** Repository UUIDs from Bitbucket by slug (with a token): they fill the roster's empty repo_uuid cells. */
  knownRepoUuids?: Readonly<Record<string, string>>;
  /** Each repository's deployment environments in Bitbucket, by slug (with --bitbucket). */
  knownEnvironments?: PlanInput['knownEnvironments'];
  /** Each repository's remote by slug, instead of --push-template (Bitbucket's HTTPS URLs, with --bitbucket). */
  pushRemotes?: Readonly<Record<string, string>>;
  /** For pushRemotes that need a token; never stored. */
  pushCredentials?: GitCredentials;
  out: (text: string) => void;
}

function readRoster(cwd: string, path: string): string {
  return readFlagFile(cwd, '--roster', path, READ_LIMIT.inputFile);
}

function checkOptions(opts: WorkshopOptions): void {
  if (!opts.roster.trim()) throw new UsageError('--roster: must be the path of a CSV file');
  if (!opts.outDir.trim()) throw new UsageError('--out: must be a folder path');
  if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1 || opts.concurrency > WORKSHOP_CONCURRENCY.max) {
    throw new UsageError(`--concurrency: must be a whole number from 1 to ${WORKSHOP_CONCURRENCY.max}`);
  }
  if (opts.pushTemplate !== undefined && !opts.pushTemplate.includes('{repo}')) {
    throw new UsageError(
      `--push-template: must contain {repo}, which becomes each attendee's repository slug (e.g. git@bitbucket.org:<workspace>/{repo}.git)`,
    );
  }
}

/** The roster and the answers as one model per attendee: every problem found before anything is written. */
export async function planFromOptions(opts: WorkshopOptions): Promise<WorkshopPlan> {
  checkOptions(opts);
  const exercises =
    opts.exercise === undefined
      ? []
      : parseExerciseList(opts.exercise, (await import('../core/workshop/exercises.js')).EXERCISES);
  const sources: AnswerSources = {
    flags: opts.flags,
    file: opts.answersFile,
    env: opts.env,
  };
  return planWorkshop({
    sources,
    gallery: opts.gallery,
    roster: { label: opts.roster, text: readRoster(opts.cwd, opts.roster) },
    exercises,
    ...(opts.knownRepoUuids ? { knownRepoUuids: opts.knownRepoUuids } : {}),
    ...(opts.knownEnvironments ? { knownEnvironments: opts.knownEnvironments } : {}),
  });
}

export async function runWorkshop(opts: WorkshopOptions): Promise<WorkshopResult> {
  const plan = await planFromOptions(opts);
  const outDir = resolve(opts.cwd, opts.outDir);
  const rel = relative(opts.cwd, outDir);
  const shown = (dir: string) => relative(opts.cwd, dir) || '.';
  const version = toolVersion();
  const [templates, workshopTemplates] = await Promise.all([loadTemplates('repo'), loadTemplates('workshop')]);
  const repos = plan.entries.map((entry) => {
    const dir = join(outDir, entry.attendee.repo);
    const galleryDir =
      opts.galleryDir === undefined ? undefined : relative(dir, resolve(opts.cwd, opts.galleryDir)) || '.';
    const { files } = renderRepository(entry.model, version, templates, galleryDir);
    return {
      entry,
      dir,
      files: entry.exercise ? exerciseFiles(entry.exercise, entry.model, files, workshopTemplates) : files,
    };
  });
  const facilitator = {
    dir: join(outDir, FACILITATOR_DIR),
    files: facilitatorFiles(plan.entries, version, workshopTemplates),
  };
  const plans = await planFolders([...repos, facilitator]);
  assertNoConflicts(plans, opts.force, shown);
  // git (and execa) load only when there will be commits
  const pushing = opts.pushTemplate !== undefined || opts.pushRemotes !== undefined;
  if (pushing && !opts.dryRun) await (await import('../io/git.js')).assertCanCommit(opts.cwd);

  const result: WorkshopResult = {
    out: outDir,
    dryRun: opts.dryRun,
    attendees: repos.map((r, i) => ({
      attendee: r.entry.attendee.attendee,
      repo: r.entry.attendee.repo,
      dir: r.dir,
      exercise: r.entry.exercise?.id ?? null,
      roleName: r.entry.attendee.roleName,
      roleArns: r.entry.model.roles.map((role) => role.concreteArn),
      // its repository (or an environment of it) is not in Bitbucket yet: its roles trust no pipeline
      trustsNoPipeline:
        r.entry.model.repoUuidMissing || parseEnvironments(r.entry.model.answers.environments).some((e) => !e.uuid),
      status: plans[i]!.status,
      files: plans[i]!.writes.map((f) => f.path),
    })),
    facilitator: { dir: facilitator.dir, status: plans.at(-1)!.status, files: plans.at(-1)!.writes.map((f) => f.path) },
  };
  if (opts.interactive) {
    printPlan(result, shown, opts.out, 'About to write');
    const { askConfirm } = await import('../io/prompt.js');
    if (!(await askConfirm(`Write the workshop to ${rel || '.'}${pushing ? ' and push the repositories' : ''}?`)))
      throw new CancelledError();
  }
  if (opts.dryRun) {
    if (!opts.json) printPlan(result, shown, opts.out, 'Would write');
    return result;
  }
  // the attendees' folders first: workshop.json, written last, marks a complete run
  await writeFolders(plans.slice(0, -1));
  await writeFolders(plans.slice(-1));
  const delivery = opts.pushRemotes ? 'bitbucket' : pushing ? 'pushed' : 'folders';
  if (!opts.json) printPlan(result, shown, opts.out, 'Wrote', { list: !opts.interactive, delivery });
  if (pushing) {
    const { pushAll, remoteFor } = await import('../io/workshop-push.js');
    const { pushTemplate, pushRemotes, pushCredentials } = opts;
    const jobs = result.attendees.map((a) => ({
      repo: a.repo,
      dir: a.dir,
      remote: pushRemotes?.[a.repo] ?? remoteFor(pushTemplate!, a.repo),
      ...(pushCredentials ? { credentials: pushCredentials } : {}),
    }));
    result.push = await pushAll(
      jobs,
      opts.concurrency,
      opts.json ? () => undefined : pushProgress(jobs.length, opts.tty, opts.out),
      opts.pushTimeout,
    );
    if (!opts.json) printPushResults(result.push, opts.out);
  }
  return result;
}
