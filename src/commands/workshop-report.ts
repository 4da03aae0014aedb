/** What `workshop` did or would do, as data (the --json output) and as text. */
import { SUMMARY_FILE, TERRAFORM_DIR } from '../core/facts/index.js';
import { shQuote } from '../core/util/index.js';
import { bold, dim, green, red, yellow } from '../io/style.js';
import type { FolderPlan } from '../io/workshop-write.js';
import type { PushResult } from '../io/workshop-push.js';
import { printable } from '../printable.js';

export interface WorkshopResult {
  out: string;
  dryRun: boolean;
  attendees: Array<{
    attendee: string;
    repo: string;
    dir: string;
    exercise: string | null;
    roleName: string;
    /** One role, or one per deployment environment. */
    roleArns: string[];
    /** The repository's UUID (or an environment's) is not known yet: its roles trust no pipeline. */
    trustsNoPipeline: boolean;
    status: FolderPlan['status'];
    /** The files written (or, in a dry run, to be written): none for an unchanged folder. */
    files: string[];
  }>;
  facilitator: { dir: string; status: FolderPlan['status']; files: string[] };
  /** One result per attendee, with --push-template. */
  push?: PushResult[];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const repositories = (n: number) => `${n} ${n === 1 ? 'repository' : 'repositories'}`;

/** How the repositories reach the attendees: folders handed over, pushed to remotes, or set up in Bitbucket and pushed. */
export type Delivery = 'folders' | 'pushed' | 'bitbucket';

/** What an attendee still does in Bitbucket, by how the repository reached them. */
function attendeeStep(delivery: Delivery, summary: string): string {
  switch (delivery) {
    case 'folders':
      return `Give each attendee their repository folder: they create it in Bitbucket, push it, enable Pipelines and set the variables ${summary} lists (they skip their README's IAM step)`;
    case 'pushed':
      return `Each attendee's repository is pushed: they enable Pipelines in it and set the variables ${summary} lists (they skip their README's IAM step)`;
    case 'bitbucket':
      return `Each attendee's repository is ready in Bitbucket (Pipelines on, environments and variables set, pushed): they clone it and run its pipeline (they skip their README's Bitbucket and IAM steps)`;
  }
}

/**
 * The folders that change (each with its file count unless `list` is false: shown already) and how many
 * stay as they are; after writing, the next steps.
 */
export function printPlan(
  result: WorkshopResult,
  shown: (dir: string) => string,
  out: (text: string) => void,
  heading: 'Wrote' | 'Would write' | 'About to write',
  { list = true, delivery = 'folders' }: { list?: boolean; delivery?: Delivery } = {},
): void {
  const folders = [...result.attendees, { ...result.facilitator, exercise: null }];
  const count = (status: FolderPlan['status']) => folders.filter((f) => f.status === status).length;
  const what = `${repositories(result.attendees.length)} and the facilitator's folder in ${shown(result.out)}`;
  if (!count('new') && !count('changed')) {
    out(`${bold('Nothing to write:')} ${what} are up to date\n`);
    return;
  }
  const lines = [
    `${bold(heading)} ${what}: ${count('new')} new, ${count('changed')} changed, ${count('unchanged')} unchanged${heading === 'Would write' ? ' (dry run, nothing written)' : ''}`,
    ...folders
      .filter((f) => list && f.status !== 'unchanged')
      .map(
        (f) =>
          `  ${shown(f.dir)}/ ${dim(`(${f.status}, ${plural(f.files.length, 'file')}${f.exercise ? `, exercise ${f.exercise}` : ''})`)}`,
      ),
  ];
  if (heading === 'Wrote') {
    const facilitator = shQuote(shown(result.facilitator.dir));
    const unset = result.attendees.filter((a) => a.trustsNoPipeline);
    if (unset.length)
      lines.push(
        '',
        `${yellow('!')} ${repositories(unset.length)} without ${unset.length === 1 ? 'its' : 'their'} UUID yet (${unset
          .slice(0, 3)
          .map((a) => a.repo)
          .join(
            ', ',
          )}${unset.length > 3 ? ', …' : ''}): ${unset.length === 1 ? 'its roles trust' : 'their roles trust'} no pipeline, and the facilitator's Terraform refuses to create them until the UUIDs are in the roster`,
      );
    const apply = `Create every attendee's role, once (or with CloudFormation: ${facilitator}/${SUMMARY_FILE}), run: terraform -chdir=${facilitator}/${TERRAFORM_DIR} init && terraform -chdir=${facilitator}/${TERRAFORM_DIR} apply`;
    const attendees = attendeeStep(delivery, `${facilitator}/${SUMMARY_FILE}`);
    // without the UUIDs the roles trust no pipeline: the repositories first, their UUIDs, and only then the apply
    const next = [
      ...(unset.length
        ? [
            attendees,
            `Put each repository's UUID (Repository settings → Repository details) in the roster's repo_uuid column and run this workshop command again: the roles then trust their repositories`,
            apply,
          ]
        : [apply, attendees]),
      `When the attendees are done, run: pipelines-oidc workshop grade ${shQuote(shown(result.out))}`,
    ];
    lines.push('', bold('Next steps'), ...next.map((step, i) => `  ${i + 1}. ${step}`));
  }
  out(`${lines.join('\n')}\n`);
}

const LABEL: Record<PushResult['status'], string> = {
  pushed: 'pushed',
  'already-pushed': 'already pushed',
  failed: 'failed',
};

// git's reason can quote the remote's own words
const describe = (r: PushResult) => `${LABEL[r.status]}${r.reason ? `: ${printable(r.reason)}` : ''}`;

/**
 * Progress of the pushes: a line per repository as it finishes; on a terminal also a status line that
 * is redrawn below them (plain lines only when stdout is a file or a pipe).
 */
export function pushProgress(
  total: number,
  tty: boolean,
  out: (text: string) => void,
): (r: PushResult, done: number) => void {
  out(`Pushing ${repositories(total)}…\n`);
  return (r, done) => {
    const line = `[${done}/${total}] ${r.repo}: ${describe(r)}\n`;
    if (!tty) return out(line);
    out(`\r\u001b[K${line}${done < total ? dim(`pushing… ${done} of ${total} done`) : ''}`);
  };
}

/** A result per attendee, then the totals. */
export function printPushResults(results: PushResult[], out: (text: string) => void): void {
  const width = Math.max(...results.map((r) => r.repo.length));
  const mark = (r: PushResult) => (r.status === 'failed' ? red('✖') : green('✔'));
  const count = (status: PushResult['status']) => results.filter((r) => r.status === status).length;
  out(
    [
      bold('Push results'),
      ...results.map((r) => `  ${mark(r)} ${r.repo.padEnd(width)}  ${describe(r)}`),
      `${count('pushed')} pushed, ${count('already-pushed')} already pushed, ${count('failed')} failed`,
      '',
    ].join('\n'),
  );
}
