/**
 * `new` with Bitbucket credentials. With a token alone, the workspace's and an existing repository's
 * UUIDs come from Bitbucket (flags win, and must agree). With `--bitbucket`, one plan (Bitbucket's side
 * and `new`'s files, the answers resolved once) is shown and confirmed once, then applied in order:
 * Bitbucket (the repository, private; Pipelines, the deployment environments, the variables), the files
 * with the UUIDs it gave in their trust from the first commit, git, the push over HTTPS with the token,
 * and with --apply and --run the IAM side and the check pipeline.
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import {
  environmentsWithUuids,
  reconcile,
  desiredBitbucket,
  planBitbucket,
  DEFAULT_PIPELINE,
  type ObservedBitbucket,
} from '../core/bitbucket-setup/index.js';
import {
  type Answers,
  parseEnvironments,
  questionFor,
  repoSlug as slugRule,
  workspaceSlug as workspaceRule,
} from '../core/answers/index.js';
import { buildRepoModel } from '../core/repo/index.js';
import { MANIFEST_FILE } from '../core/facts/index.js';
import { shQuote } from '../core/util/index.js';
import { CancelledError, RunError, UsageError } from '../errors.js';
import { applyChanges } from '../io/bitbucket/apply-changes.js';
import { pushWithToken } from '../io/bitbucket/git-push.js';
import { defaultGitRemote } from '../io/bitbucket/hosts.js';
import { pushRemote, readBitbucket } from '../io/bitbucket/state.js';
import { openRepository } from '../io/repository.js';
import { progress } from '../io/progress.js';
import { printable } from '../printable.js';
import { bold, dim, green } from '../io/style.js';
import { givenAnswer } from './answers-file.js';
import type { Output } from './command-io.js';
import { checkBitbucketOptions, planText, type BitbucketSession } from './bitbucket-session.js';
import { applyNew, dryRunResult, newAnswers, planFiles, withAnswers, type NewOptions, type NewPlan } from './new.js';

export interface BitbucketNewOptions {
  project?: string;
  apply: boolean;
  run: boolean;
  yes: boolean;
  /** stdin and stdout are terminals: a confirmation can be asked. */
  tty: boolean;
  out: Output;
}

interface LookedUp {
  flags: Record<string, string | undefined>;
  name: string;
  workspace: string;
  observed: ObservedBitbucket;
}

/** The workspace's, the repository's and its environments' UUIDs from Bitbucket, merged into the flags. */
export async function lookUp(opts: NewOptions, session: BitbucketSession, stdout: Output): Promise<LookedUp> {
  const given = (name: string) => givenAnswer(opts.flags, opts.answersFile, name);
  const name = given('name');
  const workspace = given('workspace');
  if (!name || !workspace)
    throw new UsageError(
      'Bitbucket look-ups need the repository <name> and --workspace <slug> (as arguments or in --answers)',
    );
  for (const [flag, value, rule] of [
    ['<name>', name, slugRule],
    ['--workspace', workspace, workspaceRule],
  ] as const) {
    const r = rule(value);
    if ('error' in r) throw new UsageError(`${flag} ${r.error}`);
  }
  const environments = given('environments') ?? '';
  const names = environments
    .split(',')
    .map((e) => e.split('=')[0]!.trim())
    .filter(Boolean);
  const read = () => readBitbucket(session.client, workspace, name, names, given('workspaceUuid'));
  // --json keeps stdout for the one JSON document
  const observed = opts.json
    ? await read()
    : await progress(stdout).step(`Read ${workspace}/${name} in Bitbucket`, read);
  const flags = { ...opts.flags };
  flags['workspaceUuid'] = reconcile(
    'workspace-uuid',
    given('workspaceUuid'),
    observed.workspaceUuid,
    `workspace ${workspace}`,
  );
  const repoUuid = reconcile(
    'repo-uuid',
    given('repoUuid'),
    observed.repository?.uuid,
    `repository ${workspace}/${name}`,
  );
  if (repoUuid) flags['repoUuid'] = repoUuid;
  if (environments) flags['environments'] = environmentsWithUuids(environments, observed.environments);
  return { flags, name, workspace, observed };
}

/** Answers that differ between a written repository and this run, UUIDs aside (this run may have found them). */
function changedAnswers(recorded: Answers, now: Answers): string[] {
  const names = (list: string) =>
    parseEnvironments(list ?? '')
      .map((e) => e.name)
      .join(',');
  const keys = (Object.keys(now) as Array<keyof Answers>).filter((k) => k !== 'repoUuid' && k !== 'workspaceUuid');
  return keys.filter((k) =>
    k === 'environments'
      ? names(recorded.environments) !== names(now.environments)
      : JSON.stringify(recorded[k] ?? '') !== JSON.stringify(now[k]),
  );
}

/**
 * A folder written by a run cut short: taken as it is when it holds this repository with these answers and
 * Bitbucket's UUIDs, refused otherwise (saying what to do).
 */
function checkResume(dir: string, shownDir: string, looked: LookedUp, answers: Answers): void {
  const { workspace, name, observed } = looked;
  const manifest = openRepository({ cwd: dir }).manifest.answers;
  if (manifest.workspace !== workspace || manifest.name !== name) {
    throw new RunError(
      `${shownDir} already holds the repository ${manifest.workspace}/${manifest.name}: choose another --dir`,
    );
  }
  const changed = changedAnswers(manifest, answers);
  if (changed.length) {
    throw new RunError(
      `${shownDir} was written with other answers (${changed.join(', ')}): change them with pipelines-oidc update, then run this again`,
    );
  }
  // this command writes only once Bitbucket gave the UUIDs: a folder without them was written otherwise
  const live = (e: { name: string }) =>
    observed.environments.find((o) => o.name.toLowerCase() === e.name.toLowerCase())?.uuid;
  if (
    manifest.repoUuid !== observed.repository?.uuid ||
    parseEnvironments(manifest.environments ?? '').some((e) => e.uuid !== live(e))
  ) {
    throw new RunError(
      `${shownDir} names other repository or environment UUIDs than Bitbucket's (or none): run pipelines-oidc update --dir ${shQuote(shownDir)} (with the token it takes them from Bitbucket), then this again`,
    );
  }
}

/** The answers with the UUIDs Bitbucket gave, in the form the answers record them. */
function withBitbucketUuids(answers: Answers, state: ObservedBitbucket): Answers {
  const recorded = (name: 'repoUuid' | 'environments', raw: string) => {
    const r = questionFor(name)!.rule(raw);
    if ('error' in r) throw new RunError(`Bitbucket's ${name}: ${r.error}`);
    return r.value;
  };
  return {
    ...answers,
    repoUuid: recorded('repoUuid', state.repository!.uuid),
    environments: recorded('environments', environmentsWithUuids(answers.environments, state.environments)),
  };
}

/** The one question: every change of the plan, or none asked when there is nothing to change (or --yes). */
async function confirmOnce(bb: BitbucketNewOptions, changes: number, writes: string | undefined): Promise<boolean> {
  if (!changes || bb.yes) return bb.yes;
  const s = changes > 1 ? 's' : '';
  if (!bb.tty)
    throw new UsageError(
      `new --bitbucket: ${changes} Bitbucket change${s} to confirm: pass --yes to make ${changes > 1 ? 'them' : 'it'} (or --dry-run to only see the plan)`,
    );
  const then = [writes && `write ${writes}`, bb.apply && 'apply the IAM side'].filter(Boolean).join(' and ');
  const { askConfirm } = await import('../io/prompt.js');
  if (!(await askConfirm(`Make ${changes} change${s} in Bitbucket${then ? `, then ${then}` : ''}?`)))
    throw new CancelledError('Cancelled: no change made.');
  return true;
}

export async function newWithBitbucket(
  opts: NewOptions,
  session: BitbucketSession,
  bb: BitbucketNewOptions,
): Promise<number> {
  checkBitbucketOptions(opts.json, bb.project);
  if (!opts.git && bb.run) throw new UsageError('--run needs the commit pushed: drop --no-git');
  const { out } = bb;
  const looked = await lookUp(opts, session, out);
  const { name, workspace, observed } = looked;
  // a clone link the token may not go to is refused before anything changes
  if (opts.git && opts.push === undefined && observed.repository)
    pushRemote(session.client, observed.repository, workspace, name);
  // the plan: the answers read once, Bitbucket's side and the files, nothing changed yet
  const filesOpts: NewOptions = { ...opts, flags: looked.flags, interactive: false };
  const { answers, dir: dirOption } = await newAnswers(filesOpts);
  const desired = desiredBitbucket(buildRepoModel(answers, opts.gallery), {
    workspace,
    slug: name,
    ...(bb.project ? { project: bb.project } : {}),
  });
  const plan = planBitbucket(desired, observed);
  const dir = resolve(opts.cwd, dirOption ?? answers.name);
  const shownDir = relative(opts.cwd, dir) || '.';
  // a run cut short after writing the repository: take it as it is and finish the rest
  const resume = existsSync(join(dir, MANIFEST_FILE));
  if (resume) checkResume(dir, shownDir, looked, answers);
  const files: NewPlan | undefined = resume ? undefined : await planFiles(filesOpts, answers, dirOption);

  out.write(`${bold('Bitbucket')} ${dim(`(${workspace}/${name}, workspace UUID {${observed.workspaceUuid}})`)}\n`);
  out.write(
    plan.changes.length
      ? `${planText(plan)}\n`
      : `${green('✔')} Nothing to change in Bitbucket.\n${plan.notes.length ? `${planText(plan)}\n` : ''}`,
  );
  if (opts.dryRun) {
    out.write(`${dim('Dry run: nothing changed in Bitbucket.')}\n`);
    if (files) dryRunResult(files, opts);
    if (bb.apply || bb.run)
      out.write(
        `${dim(`Then: ${[bb.apply && 'apply the IAM side', bb.run && `run ${DEFAULT_PIPELINE}`].filter(Boolean).join(', then ')}.`)}\n`,
      );
    return 0;
  }
  const confirmed = await confirmOnce(bb, plan.changes.length, files && shownDir);
  const state = await applyChanges(
    session.client,
    { workspace, slug: name },
    plan,
    observed,
    progress(out),
    'run the same command again to finish',
  );

  if (!files) out.write(`${green('✔')} ${shownDir} is already written: finishing what the last run left\n`);
  else {
    // the UUIDs Bitbucket gave go into the trust from the first commit: the same answers, rendered again
    const final = await withAnswers(files, withBitbucketUuids(answers, state), opts);
    // the next steps applyNew would print are what this command does: it prints what is left instead
    // the push comes after, with the token (or to --push with git's own credentials)
    const written = await applyNew({ ...final, push: undefined }, { json: true, out: () => undefined });
    out.write(
      `${green('✔')} Wrote ${written.files.length} files to ${shownDir}${written.git === 'committed' ? ', initialised git on main with one commit' : ''}\n`,
    );
  }
  if (opts.git) {
    const remote = opts.push ?? pushRemote(session.client, state.repository, workspace, name);
    const pushed = await progress(out).step(`Push main to ${printable(remote)}`, () =>
      pushWithToken(dir, remote, session.auth, session.client.baseUrl, opts.pushTimeout),
    );
    if (pushed === 'already') out.write(`${dim('  (main was already pushed)')}\n`);
  }
  if (bb.apply) {
    out.write(`\n${bold('IAM')}\n`);
    const { applyRepository } = await import('./apply.js');
    const code = await applyRepository(openRepository({ cwd: dir }), { dryRun: false, yes: confirmed, out });
    if (code !== 0) return code;
  }
  if (bb.run) {
    out.write(`\n${bold('Pipeline')}\n`);
    const { runPipeline } = await import('./run.js');
    return runPipeline({ dir, client: session.client, pipeline: DEFAULT_PIPELINE, branch: 'main', follow: true, out });
  }
  const left = [
    ...(bb.apply
      ? []
      : [`Create the IAM side: pipelines-oidc apply ${shQuote(shownDir)} (or its Terraform/CloudFormation)`]),
    ...(opts.git
      ? [`Run the check pipeline: pipelines-oidc run ${shQuote(shownDir)} --follow`]
      : [
          `Commit and push ${shownDir} to ${printable(state.repository!.httpsUrl ?? defaultGitRemote(session.client.baseUrl, workspace, name))}`,
        ]),
  ];
  out.write(`\n${bold('Next steps')}\n${left.map((s, i) => `  ${i + 1}. ${s}`).join('\n')}\n`);
  return 0;
}
