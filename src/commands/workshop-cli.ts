/**
 * `workshop`'s entry: dispatches `workshop grade <dir>` and `workshop --list-exercises`; otherwise the
 * flags of `workshop` → WorkshopOptions, and the result as JSON; a failed push makes the exit code 1.
 */
import { WORKSHOP_CONCURRENCY } from '../core/cli/index.js';
import { TIMEOUTS, timeoutSeconds } from '../core/util/index.js';
import { RunError, UsageError } from '../errors.js';
import { loadGallery } from '../io/gallery.js';
import { yellow } from '../io/style.js';
import { readAnswersFile } from './answers-file.js';
import { galleryArg, parseCommand } from './args.js';
import { NO_TOKEN, openBitbucket } from './bitbucket-session.js';
import { runWorkshop, type WorkshopOptions } from './workshop.js';

export async function run(argv: string[]): Promise<number> {
  const gallery = loadGallery(process.cwd(), galleryArg(argv));
  // the name and the repository UUID are the roster's; parsing insists on --roster and --out
  const args = parseCommand('workshop', argv, gallery);
  const v = args.values;
  if (args.positionals.length)
    throw new UsageError(
      `workshop takes no positional arguments, got ${args.positionals.join(' ')} (see pipelines-oidc workshop --help)`,
    );
  let flags: Record<string, string | undefined> = args.answers;
  // with a token, the workspace's and the attendees' repository UUIDs come from Bitbucket
  const session = openBitbucket(process.cwd(), process.env, v['bitbucket-token']);
  if (!v['bitbucket'] && v['project'] !== undefined) throw new UsageError('--project goes with --bitbucket');
  if (v['bitbucket'] && !session) throw new UsageError(`--bitbucket needs Bitbucket credentials: ${NO_TOKEN}`);
  const answersPath = v['answers'] as string | undefined;
  const answersFile =
    answersPath === undefined
      ? undefined
      : readAnswersFile(process.cwd(), answersPath, {
          name: null,
          workspace: flags['workspace'],
          bitbucket: session !== undefined,
        });
  const bitbucket = session ? await import('./workshop-bitbucket.js') : undefined;
  const known = session
    ? await bitbucket!.lookUpForWorkshop(process.cwd(), flags, answersFile, session, !v['bitbucket'])
    : undefined;
  if (known) flags = known.flags;
  const concurrency = v['concurrency'] as string | undefined;
  const json = Boolean(v['json']);
  if (answersFile?.dropped && !json) process.stdout.write(`${yellow('!')} ${answersFile.dropped}\n`);
  const options: WorkshopOptions = {
    cwd: process.cwd(),
    env: process.env,
    flags,
    gallery,
    galleryDir: galleryArg(argv),
    ...(answersFile ? { answersFile } : {}),
    roster: v['roster'] as string,
    outDir: v['out'] as string,
    exercise: v['exercise'] as string | undefined,
    pushTemplate: v['push-template'] as string | undefined,
    // not a whole number: runWorkshop refuses NaN with the rule
    concurrency:
      concurrency === undefined
        ? WORKSHOP_CONCURRENCY.default
        : /^\d+$/.test(concurrency.trim())
          ? Number(concurrency)
          : Number.NaN,
    pushTimeout: timeoutSeconds(v['push-timeout'] as string | undefined, 'push-timeout', TIMEOUTS.push),
    dryRun: Boolean(v['dry-run']),
    force: Boolean(v['force']),
    interactive: !v['yes'] && !json && Boolean(process.stdin.isTTY && process.stdout.isTTY),
    json,
    tty: Boolean(process.stdout.isTTY),
    ...(known ? { knownRepoUuids: known.repoUuids } : {}),
    out: (text) => process.stdout.write(text),
  };
  const result =
    v['bitbucket'] && session && known
      ? await bitbucket!.workshopWithBitbucket(options, session, {
          workspace: known.workspace,
          ...(v['project'] !== undefined ? { project: v['project'] as string } : {}),
          yes: Boolean(v['yes']),
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

/** `workshop grade <dir>`, `workshop --list-exercises`, or a workshop. */
export async function runCommand(argv: string[]): Promise<number> {
  if (argv[0] === 'grade') return (await import('./workshop-grade.js')).run(argv.slice(1));
  if (argv.includes('--list-exercises')) {
    if (argv.length > 1) throw new UsageError('--list-exercises takes no other arguments');
    process.stdout.write((await import('../core/workshop/exercises.js')).listExercises());
    return 0;
  }
  return run(argv);
}
