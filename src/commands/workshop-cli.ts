/** Flags of `workshop` → WorkshopOptions, and the result as JSON; a failed push makes the exit code 1. */
import { QUESTIONS } from '../core/answers.js';
import { RunError, UsageError } from '../errors.js';
import { loadGallery } from '../io/gallery.js';
import { answerFlagValues, answerOptions, COMMON, galleryArg, parse } from './args.js';
import { BITBUCKET_FLAGS, openBitbucket } from './bitbucket-session.js';
import { DEFAULT_CONCURRENCY, runWorkshop } from './workshop.js';

/** The answers of `new` a workshop takes as flags: not the name nor the repository UUID (the roster has them). */
const BASE_QUESTIONS = QUESTIONS.filter((q) => q.name !== 'name' && q.name !== 'repoUuid');

export async function run(argv: string[]): Promise<number> {
  const gallery = loadGallery(process.cwd(), galleryArg(argv));
  const { dir: _dir, ...common } = COMMON;
  const args = parse(argv, {
    ...common,
    ...answerOptions(BASE_QUESTIONS, gallery),
    answers: { type: 'string' },
    roster: { type: 'string' },
    out: { type: 'string' },
    exercise: { type: 'string' },
    'push-template': { type: 'string' },
    concurrency: { type: 'string' },
    ...BITBUCKET_FLAGS,
  });
  const v = args.values as Record<string, string | string[] | boolean | undefined>;
  if (args.positionals.length) throw new UsageError(`workshop takes no positional arguments, got ${args.positionals.join(' ')} (see pipelines-oidc --help)`);
  if (typeof v['roster'] !== 'string' || typeof v['out'] !== 'string') {
    throw new UsageError('workshop needs --roster <attendees.csv> and --out <dir> (see pipelines-oidc --help)');
  }
  let flags = answerFlagValues(BASE_QUESTIONS, gallery, v);
  // with a token, the workspace's and the attendees' repository UUIDs come from Bitbucket
  const session = openBitbucket(process.cwd(), process.env, v['bitbucket-token']);
  const known = session ? await (await import('./workshop-bitbucket.js')).lookUpForWorkshop(process.cwd(), flags, v['answers'] as string | undefined, session) : undefined;
  if (known) flags = known.flags;
  const concurrency = v['concurrency'] as string | undefined;
  const json = Boolean(v['json']);
  const result = await runWorkshop({
    cwd: process.cwd(),
    env: process.env,
    flags,
    gallery,
    galleryDir: galleryArg(argv),
    answersFile: v['answers'] as string | undefined,
    roster: v['roster'],
    outDir: v['out'],
    exercise: v['exercise'] as string | undefined,
    pushTemplate: v['push-template'] as string | undefined,
    // not a whole number: runWorkshop refuses NaN with the rule
    concurrency: concurrency === undefined ? DEFAULT_CONCURRENCY : /^\d+$/.test(concurrency.trim()) ? Number(concurrency) : Number.NaN,
    dryRun: Boolean(v['dry-run']),
    force: Boolean(v['force']),
    interactive: !v['yes'] && !json && Boolean(process.stdin.isTTY && process.stdout.isTTY),
    json,
    tty: Boolean(process.stdout.isTTY),
    ...(known ? { knownRepoUuids: known.repoUuids } : {}),
    out: (text) => process.stdout.write(text),
  });
  if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  const failed = result.push?.filter((r) => r.status === 'failed') ?? [];
  if (failed.length) {
    throw new RunError(
      `${failed.length} of ${result.push!.length} pushes failed (${failed.map((r) => r.repo).join(', ')}); the local repositories are kept: fix the remotes and run the same command again`,
    );
  }
  return 0;
}
