/** Flags of `update` and `add` → UpdateOptions. */
import { UsageError } from '../errors.js';
import { loadGallery } from '../io/gallery.js';
import { galleryArg, parseCommand } from './args.js';
import { runUpdate } from './update.js';

async function runWith(argv: string[], mode: 'update' | 'add'): Promise<number> {
  const gallery = loadGallery(process.cwd(), galleryArg(argv));
  const args = parseCommand(mode, argv, gallery);
  const v = args.values;
  const expected = mode === 'add' ? 1 : 0;
  if (args.positionals.length !== expected) {
    throw new UsageError(mode === 'add' ? 'add takes one <target> (see pipelines-oidc gallery)' : `update takes no arguments, got ${args.positionals.join(' ')}`);
  }
  const flags = args.answers;
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
