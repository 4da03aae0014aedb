/** Flags of `update` and `add` → UpdateOptions. */
import { QUESTIONS } from '../core/answers.js';
import { UsageError } from '../errors.js';
import { loadGallery } from '../io/gallery.js';
import { answerFlagValues, answerOptions, COMMON, galleryArg, parse } from './args.js';
import { BITBUCKET_FLAGS, openBitbucket } from './bitbucket-session.js';
import { runUpdate } from './update.js';

async function runWith(argv: string[], mode: 'update' | 'add'): Promise<number> {
  const gallery = loadGallery(process.cwd(), galleryArg(argv));
  // `add` takes the target as its argument, and no environments
  const questions = QUESTIONS.filter((q) => q.name !== 'name' && (mode === 'update' || (q.name !== 'target' && q.name !== 'environments')));
  const args = parse(argv, {
    ...COMMON,
    ...answerOptions(questions, gallery),
    diff: { type: 'boolean' },
    ...(mode === 'update' ? BITBUCKET_FLAGS : {}),
  });
  const v = args.values as Record<string, string | string[] | boolean | undefined>;
  const expected = mode === 'add' ? 1 : 0;
  if (args.positionals.length !== expected) {
    throw new UsageError(mode === 'add' ? 'add takes one <target> (see pipelines-oidc gallery)' : `update takes no arguments, got ${args.positionals.join(' ')}`);
  }
  let flags = answerFlagValues(questions, gallery, v);
  // with a token, UUIDs the manifest lacks come from Bitbucket
  const session = mode === 'update' ? openBitbucket(process.cwd(), process.env, v['bitbucket-token']) : undefined;
  if (session) flags = await (await import('./update-bitbucket.js')).lookUpForUpdate(process.cwd(), v['dir'] as string | undefined, flags, session);
  const json = Boolean(v['json']);
  await runUpdate({
    cwd: process.cwd(),
    env: process.env,
    dir: v['dir'] as string | undefined,
    flags,
    addTarget: mode === 'add' ? args.positionals[0] : undefined,
    gallery: v['gallery'] as string | undefined,
    diff: Boolean(v['diff']),
    dryRun: Boolean(v['dry-run']),
    force: Boolean(v['force']),
    interactive: !v['yes'] && !json && Boolean(process.stdin.isTTY && process.stdout.isTTY),
    json,
    out: (text) => process.stdout.write(text),
  });
  return 0;
}

export const run = (argv: string[]) => runWith(argv, 'update');
export const runAdd = (argv: string[]) => runWith(argv, 'add');
