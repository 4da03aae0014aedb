/**
 * `workshop`'s entry: `workshop --list-exercises`, or the flags of `workshop` → WorkshopOptions, and the
 * result as JSON; a failed push makes the exit code 1.
 */
import { WORKSHOP_CONCURRENCY } from '../core/cli/index.js';
import { TIMEOUTS, timeoutSeconds } from '../core/util/index.js';
import { RunError, UsageError } from '../errors.js';
import { loadGallery } from '../io/gallery.js';
import { yellow } from '../io/style.js';
import { readAnswersFile } from './answers-file.js';
import { parseWithGallery } from './args.js';
import { NO_TOKEN, openBitbucket } from './bitbucket-session.js';
import { runWorkshop, type WorkshopOptions } from './workshop.js';

export async function run(argv: string[]): Promise<number> {
  // the name and the repository UUID are the roster's; parsing insists on --roster and --out
  const args = parseWithGallery('workshop', argv, (chosen) => ({
    gallery: loadGallery(process.cwd(), chosen.gallery),
  }));
  if ('alone' in args) {
    process.stdout.write((await import('../core/workshop/exercises.js')).listExercises());
    return 0;
  }
  const { options: o, loaded } = args;
  if (args.positionals.length)
    throw new UsageError(
      `workshop takes no positional arguments, got ${args.positionals.join(' ')} (see pipelines-oidc workshop --help)`,
    );
  let flags: Record<string, string | undefined> = args.answers;
  // with a token, the workspace's and the attendees' repository UUIDs come from Bitbucket
  const session = openBitbucket(process.cwd(), process.env, o.bitbucketToken);
  if (!o.bitbucket && o.project !== undefined) throw new UsageError('--project goes with --bitbucket');
  if (o.bitbucket && !session) throw new UsageError(`--bitbucket needs Bitbucket credentials: ${NO_TOKEN}`);
  const answersFile =
    o.answers === undefined
      ? undefined
      : readAnswersFile(process.cwd(), o.answers, {
          name: null,
          workspace: flags['workspace'],
          bitbucket: session !== undefined,
        });
  const bitbucket = session ? await import('./workshop-bitbucket.js') : undefined;
  const known = session
    ? await bitbucket!.lookUpForWorkshop(process.cwd(), flags, answersFile, session, !o.bitbucket)
    : undefined;
  if (known) flags = known.flags;
  const { concurrency, json } = o;
  if (answersFile?.dropped && !json) process.stdout.write(`${yellow('!')} ${answersFile.dropped}\n`);
  const options: WorkshopOptions = {
    cwd: process.cwd(),
    env: process.env,
    flags,
    gallery: loaded.gallery,
    galleryDir: o.gallery,
    ...(answersFile ? { answersFile } : {}),
    roster: o.roster,
    outDir: o.out,
    exercise: o.exercise,
    pushTemplate: o.pushTemplate,
    // not a whole number: runWorkshop refuses NaN with the rule
    concurrency:
      concurrency === undefined
        ? WORKSHOP_CONCURRENCY.default
        : /^\d+$/.test(concurrency.trim())
          ? Number(concurrency)
          : Number.NaN,
    pushTimeout: timeoutSeconds(o.pushTimeout, 'push-timeout', TIMEOUTS.push),
    dryRun: o.dryRun,
    force: o.force,
    interactive: !o.yes && !json && Boolean(process.stdin.isTTY && process.stdout.isTTY),
    json,
    tty: Boolean(process.stdout.isTTY),
    ...(known ? { knownRepoUuids: known.repoUuids } : {}),
    out: (text) => process.stdout.write(text),
  };
  const result =
    o.bitbucket && session && known
      ? await bitbucket!.workshopWithBitbucket(options, session, {
          workspace: known.workspace,
          ...(o.project !== undefined ? { project: o.project } : {}),
          yes: o.yes,
          tty: Boolean(process.stdin.isTTY && process.stdout.isTTY),
        })
      : await runWorkshop(options);
  if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  const failed = result.push?.filter((r) => r.status === 'failed') ?? [];
  if (failed.length) {
    throw new RunError(
      `${failed.length} of ${result.push!.length} pushes failed (${failed.map((r) => r.repo).join(', ')}); the local repositories are kept: fix the remotes and run the same command again`,
    );
  }
  return 0;
}
