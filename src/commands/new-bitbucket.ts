/**
 * `new` with Bitbucket credentials. With a token alone, the workspace's and an existing repository's
 * UUIDs come from Bitbucket (flags win, and must agree). With `--bitbucket`, the Bitbucket side is planned,
 * shown, confirmed and made before the files are written, so the trust names the repository from the first
 * commit: the repository (private), Pipelines, the deployment environments, the variables; then the push
 * over HTTPS with the token, and with --apply and --run the IAM side and the check pipeline.
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
  resolveAnswers,
  parseEnvironments,
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
import { checkBitbucketOptions, planText, type BitbucketSession } from './bitbucket-session.js';
import { runNew, type NewOptions } from './new.js';

export interface BitbucketNewOptions {
  project?: string;
  apply: boolean;
  run: boolean;
  yes: boolean;
  /** stdin and stdout are terminals: a confirmation can be asked. */
  tty: boolean;
}

interface LookedUp {
  flags: Record<string, string | undefined>;
  name: string;
  workspace: string;
  observed: ObservedBitbucket;
}

/** The workspace's, the repository's and its environments' UUIDs from Bitbucket, merged into the flags. */
export async function lookUp(opts: NewOptions, session: BitbucketSession): Promise<LookedUp> {
  const file = opts.answersFile;
  const given = (name: string) =>
    opts.flags[name] ?? (typeof file?.values[name] === 'string' ? (file.values[name] as string) : undefined);
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
    : await progress(process.stdout).step(`Read ${workspace}/${name} in Bitbucket`, read);
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

export async function newWithBitbucket(
  opts: NewOptions,
  session: BitbucketSession,
  bb: BitbucketNewOptions,
): Promise<number> {
  checkBitbucketOptions(opts.json, bb.project);
  if (!opts.git && bb.run) throw new UsageError('--run needs the commit pushed: drop --no-git');
  const out = process.stdout;
  const looked = await lookUp(opts, session);
  const { name, workspace, observed } = looked;
  // a clone link the token may not go to is refused before anything changes
  if (opts.git && opts.push === undefined && observed.repository)
    pushRemote(session.client, observed.repository, workspace, name);
  let flags = looked.flags;
  const file = opts.answersFile;
  const answers = resolveAnswers({ flags, file, env: opts.env }, opts.gallery);
  const model = buildRepoModel(answers, opts.gallery);
  const desired = desiredBitbucket(model, { workspace, slug: name, ...(bb.project ? { project: bb.project } : {}) });
  const plan = planBitbucket(desired, observed);
  const dir = resolve(opts.cwd, opts.dir ?? answers.name);
  const shownDir = relative(opts.cwd, dir) || '.';
  // a run cut short after writing the repository: take it as it is and finish the rest
  const resume = existsSync(join(dir, MANIFEST_FILE));
  if (resume) {
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
  } else {
    // validates the answers and the folder before Bitbucket is changed
    await runNew({ ...opts, flags, dryRun: true, json: true, interactive: false, out: () => undefined });
  }

  out.write(`${bold('Bitbucket')} ${dim(`(${workspace}/${name}, workspace UUID {${observed.workspaceUuid}})`)}\n`);
  out.write(
    plan.changes.length
      ? `${planText(plan)}\n`
      : `${green('✔')} Nothing to change in Bitbucket.\n${plan.notes.length ? `${planText(plan)}\n` : ''}`,
  );
  if (opts.dryRun) {
    out.write(`${dim('Dry run: nothing changed in Bitbucket.')}\n`);
    if (!resume) await runNew({ ...opts, flags, dryRun: true, interactive: false });
    if (bb.apply || bb.run)
      out.write(
        `${dim(`Then: ${[bb.apply && 'apply the IAM side', bb.run && `run ${DEFAULT_PIPELINE}`].filter(Boolean).join(', then ')}.`)}\n`,
      );
    return 0;
  }
  if (plan.changes.length && !bb.yes) {
    const n = plan.changes.length;
    if (!bb.tty)
      throw new UsageError(
        `new --bitbucket: ${n} Bitbucket change${n > 1 ? 's' : ''} to confirm: pass --yes to make ${n > 1 ? 'them' : 'it'} (or --dry-run to only see the plan)`,
      );
    const { askConfirm } = await import('../io/prompt.js');
    if (
      !(await askConfirm(
        `Make ${n} change${n > 1 ? 's' : ''} in Bitbucket${resume ? '' : `, then write ${shownDir}`}?`,
      ))
    )
      throw new CancelledError('Cancelled: no change made.');
  }
  const state = await applyChanges(
    session.client,
    { workspace, slug: name },
    plan,
    observed,
    progress(out),
    'run the same command again to finish',
  );
  flags = {
    ...flags,
    repoUuid: state.repository!.uuid,
    environments: environmentsWithUuids(answers.environments, state.environments),
  };

  if (resume) out.write(`${green('✔')} ${shownDir} is already written: finishing what the last run left\n`);
  else {
    // the next steps runNew would print are what this command does: it prints what is left instead
    const written = await runNew({ ...opts, flags, push: undefined, interactive: false, json: true });
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
    const code = await (await import('./apply.js')).run([dir, ...(bb.yes ? ['--yes'] : [])]);
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
