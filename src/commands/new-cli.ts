/** Flags of `new` → NewOptions, and the result printed as text or JSON. */
import { QUESTIONS } from '../core/answers.js';
import { UsageError } from '../errors.js';
import { loadGallery, targetFlags, targetFlagValues } from '../io/gallery.js';
import { COMMON, galleryArg, parse } from './args.js';
import { runNew } from './new.js';

export async function run(argv: string[]): Promise<number> {
  const gallery = loadGallery(process.cwd(), galleryArg(argv));
  const args = parse(argv, {
    ...COMMON,
    ...targetFlags(gallery),
    ...Object.fromEntries(QUESTIONS.filter((q) => q.name !== 'name' && q.name !== 'environments').map((q) => [q.flag, { type: 'string' as const }])),
    environment: { type: 'string', multiple: true },
    answers: { type: 'string' },
    'no-git': { type: 'boolean' },
    push: { type: 'string' },
  });
  const v = args.values as Record<string, string | string[] | boolean | undefined>;
  if (args.positionals.length > 1) throw new UsageError(`new takes one <name>, got ${args.positionals.length}: ${args.positionals.join(' ')}`);
  const flags: Record<string, string | undefined> = { ...targetFlagValues(gallery, v) };
  for (const q of QUESTIONS) {
    const value = q.name === 'name' ? args.positionals[0] : q.name === 'environments' ? (v['environment'] as string[] | undefined)?.join(',') : v[q.flag];
    if (typeof value === 'string') flags[q.name] = value;
  }
  const json = Boolean(v['json']);
  const result = await runNew({
    cwd: process.cwd(),
    env: process.env,
    flags,
    gallery,
    galleryDir: galleryArg(argv),
    answersFile: v['answers'] as string | undefined,
    dir: v['dir'] as string | undefined,
    git: !v['no-git'],
    push: v['push'] as string | undefined,
    dryRun: Boolean(v['dry-run']),
    force: Boolean(v['force']),
    interactive: !v['yes'] && !json && Boolean(process.stdin.isTTY && process.stdout.isTTY),
    json,
    out: (text) => process.stdout.write(text),
  });
  if (json) {
    const { dir, files, roleArn, next } = result;
    process.stdout.write(`${JSON.stringify({ dir, files, roleArn, next }, null, 2)}\n`);
  }
  return 0;
}
