/** Flags of `update` and `add` → UpdateOptions. */
import { QUESTIONS } from '../core/answers.js';
import { UsageError } from '../errors.js';
import { loadGallery, targetFlags, targetFlagValues } from '../io/gallery.js';
import { COMMON, galleryArg, parse } from './args.js';
import { runUpdate } from './update.js';

async function runWith(argv: string[], mode: 'update' | 'add'): Promise<number> {
  const gallery = loadGallery(process.cwd(), galleryArg(argv));
  const answerFlags = QUESTIONS.filter((q) => q.name !== 'name' && q.name !== 'environments' && (mode === 'update' || q.name !== 'target'));
  const args = parse(argv, {
    ...COMMON,
    ...targetFlags(gallery),
    ...Object.fromEntries(answerFlags.map((q) => [q.flag, { type: 'string' as const }])),
    ...(mode === 'update' ? { environment: { type: 'string' as const, multiple: true } } : {}),
    diff: { type: 'boolean' },
  });
  const v = args.values as Record<string, string | string[] | boolean | undefined>;
  const expected = mode === 'add' ? 1 : 0;
  if (args.positionals.length !== expected) {
    throw new UsageError(mode === 'add' ? 'add takes one <target> (see pipelines-oidc gallery)' : `update takes no arguments, got ${args.positionals.join(' ')}`);
  }
  const flags: Record<string, string | undefined> = { ...targetFlagValues(gallery, v) };
  for (const q of answerFlags) if (typeof v[q.flag] === 'string') flags[q.name] = v[q.flag] as string;
  if (Array.isArray(v['environment'])) flags['environments'] = v['environment'].join(',');
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
