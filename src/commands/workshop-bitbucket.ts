/**
 * `workshop` with Bitbucket credentials. A token alone: the workspace's UUID, and every existing
 * repository's by slug. With `--bitbucket`, every attendee's repository is set up as `new --bitbucket`
 * sets one up (created private if missing, Pipelines, environments, variables), planned and confirmed
 * for all attendees at once, before any file is written: the trusts then name each repository and
 * environment from the first commit, and each repository is pushed over HTTPS with the token.
 */
import {
  bare,
  reconcile,
  desiredBitbucket,
  planBitbucket,
  type ObservedBitbucket,
} from '../core/bitbucket-setup/index.js';
import { CancelledError, UsageError } from '../errors.js';
import { listRepositories } from '../io/bitbucket/api.js';
import { applyChanges } from '../io/bitbucket/apply-changes.js';
import { gitCredentials } from '../io/bitbucket/auth.js';
import { pushRemote, readBitbucket, workspaceUuid } from '../io/bitbucket/state.js';
import { mapPool } from '../io/pool.js';
import { progress } from '../io/progress.js';
import { bold, dim, green } from '../io/style.js';
import { checkBitbucketOptions, planText, type BitbucketSession } from './bitbucket-session.js';
import { givenAnswer, type AnswersFile } from './answers-file.js';
import { planFromOptions, runWorkshop, type WorkshopOptions } from './workshop.js';
import type { WorkshopResult } from './workshop-report.js';

/** Reads of Bitbucket at once: a workshop's roster can be long, and the API rate-limits. */
const READ_CONCURRENCY = 4;

/**
 * The workspace's UUID, and with `listAll` every repository's UUID by slug (a whole workspace's
 * listing: `--bitbucket` reads each attendee's repository instead).
 */
export async function lookUpForWorkshop(
  cwd: string,
  flags: Record<string, string | undefined>,
  file: AnswersFile | undefined,
  session: BitbucketSession,
  listAll: boolean,
): Promise<{ flags: Record<string, string | undefined>; workspace: string; repoUuids: Record<string, string> }> {
  const given = (name: string) => givenAnswer(flags, file, name);
  const workspace = given('workspace');
  if (!workspace) throw new UsageError('Bitbucket look-ups need --workspace <slug> (or workspace in --answers)');
  const [uuid, repositories] = await Promise.all([
    workspaceUuid(session.client, workspace, given('workspaceUuid')),
    listAll ? listRepositories(session.client, workspace) : [],
  ]);
  return {
    flags: {
      ...flags,
      workspaceUuid: reconcile('workspace-uuid', given('workspaceUuid'), uuid, `workspace ${workspace}`),
    },
    workspace,
    repoUuids: Object.fromEntries(repositories.map((r) => [r.slug, bare(r.uuid)])),
  };
}

export interface BitbucketWorkshopOptions {
  workspace: string;
  project?: string;
  yes: boolean;
  /** stdin and stdout are terminals: a confirmation can be asked. */
  tty: boolean;
}

/** `workshop --bitbucket`: Bitbucket planned and set up for every attendee, then the workshop written and pushed. */
export async function workshopWithBitbucket(
  opts: WorkshopOptions,
  session: BitbucketSession,
  bb: BitbucketWorkshopOptions,
): Promise<WorkshopResult> {
  checkBitbucketOptions(opts.json, bb.project);
  if (opts.pushTemplate !== undefined)
    throw new UsageError("--push-template goes without --bitbucket: --bitbucket pushes to each repository's own URL");
  const out = (text: string) => opts.out(text);
  const { workspace } = bb;
  // the roster and the answers are checked before Bitbucket is read
  const plan = await planFromOptions(opts);
  const workspaceId = opts.flags['workspaceUuid'];
  const attendees = await mapPool(plan.entries, READ_CONCURRENCY, async (entry) => {
    const slug = entry.attendee.repo;
    const names = entry.model.roles.flatMap((r) => (r.environment ? [r.environment] : []));
    const observed = await readBitbucket(session.client, workspace, slug, names, workspaceId);
    const desired = desiredBitbucket(entry.model, { workspace, slug, ...(bb.project ? { project: bb.project } : {}) });
    return { slug, observed, plan: planBitbucket(desired, observed) };
  });

  // a clone link the token may not go to is refused before anything changes
  for (const a of attendees)
    if (a.observed.repository) pushRemote(session.client, a.observed.repository, workspace, a.slug);

  // the folders are planned with what Bitbucket already has, before it is changed
  await runWorkshop({
    ...opts,
    ...known(attendees.map((a) => ({ slug: a.slug, state: a.observed }))),
    dryRun: true,
    json: true,
    interactive: false,
    out: () => undefined,
  });

  const changes = attendees.reduce((n, a) => n + a.plan.changes.length, 0);
  out(`${bold('Bitbucket')} ${dim(`(${workspace}, ${attendees.length} repositories)`)}\n`);
  for (const a of attendees) {
    const text = planText(a.plan, '    ');
    out(`  ${a.slug}${text ? `\n${text}` : ` ${dim('nothing to change')}`}\n`);
  }
  if (opts.dryRun) {
    out(`${dim('Dry run: nothing changed in Bitbucket.')}\n`);
    return runWorkshop({ ...opts, interactive: false });
  }
  if (changes && !bb.yes) {
    const what = `${changes} Bitbucket change${changes > 1 ? 's' : ''}`;
    if (!bb.tty)
      throw new UsageError(
        `workshop --bitbucket: ${what} to confirm: pass --yes to make ${changes > 1 ? 'them' : 'it'} (or --dry-run to only see the plan)`,
      );
    const { askConfirm } = await import('../io/prompt.js');
    if (!(await askConfirm(`Make ${what}, then write and push the workshop?`)))
      throw new CancelledError('Cancelled: no change made.');
  }

  // one repository after another: each change is a line of progress, and a failure names what is done
  const states: Array<{ slug: string; state: ObservedBitbucket }> = [];
  for (const a of attendees) {
    if (a.plan.changes.length) out(`${a.slug}\n`);
    const state = await applyChanges(
      session.client,
      { workspace, slug: a.slug },
      a.plan,
      a.observed,
      progress({ write: out, isTTY: opts.tty }, '  '),
      'run the same command again to finish',
    );
    states.push({ slug: a.slug, state });
  }
  if (changes) out(`${green('✔')} Bitbucket is set up for every attendee\n\n`);

  const url = (slug: string, state: ObservedBitbucket) => pushRemote(session.client, state.repository, workspace, slug);
  return runWorkshop({
    ...opts,
    ...known(states),
    interactive: false,
    pushRemotes: Object.fromEntries(states.map(({ slug, state }) => [slug, url(slug, state)])),
    pushCredentials: gitCredentials(session.auth),
  });
}

/** The UUIDs Bitbucket holds for the attendees' repositories and environments, as the workshop takes them. */
function known(states: Array<{ slug: string; state: ObservedBitbucket }>) {
  const existing = states.filter(({ state }) => state.repository);
  return {
    knownRepoUuids: Object.fromEntries(existing.map(({ slug, state }) => [slug, state.repository!.uuid])),
    knownEnvironments: Object.fromEntries(existing.map(({ slug, state }) => [slug, state.environments])),
  };
}
