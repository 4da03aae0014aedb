/** Flags of `update` and `add` → UpdateOptions. */
import { CliError, UsageError } from '../errors.js';
import { loadGallery } from '../io/gallery.js';
import { openRepository, type Repository } from '../io/repository.js';
import { parseWithGallery } from './args.js';
import { openBitbucket } from './bitbucket-session.js';
import { runUpdate } from './update.js';
import { processIo, type CommandIo } from './command-io.js';

async function runWith(argv: string[], mode: 'update' | 'add', io: CommandIo): Promise<number> {
  // which target flags exist depends on the repository's gallery: --dir and --gallery choose it. Without
  // --dir a folder that is no repository of ours is reported after the arguments are read: `update x`
  // means --dir x, and says so
  let notOurs: unknown;
  const args = parseWithGallery(mode, argv, ({ dir, gallery }) => {
    try {
      return openRepository({
        cwd: io.cwd,
        ...(dir === undefined ? {} : { dir }),
        ...(gallery === undefined ? {} : { gallery }),
      });
    } catch (e) {
      if (dir !== undefined || !(e instanceof CliError)) throw e;
      notOurs = e;
      return { gallery: loadGallery(io.cwd, gallery) };
    }
  });
  if ('alone' in args) throw new Error(`${mode} has no option given alone`);
  const o = args.options;
  const [first, second, ...more] = args.positionals;
  const folder = mode === 'add' ? second : first;
  if (folder !== undefined && o.dir === undefined && !more.length && (mode === 'update' || first !== undefined))
    throw new UsageError(
      `${mode} takes the folder with --dir: pipelines-oidc ${mode}${mode === 'add' ? ` ${first}` : ''} --dir ${folder}`,
    );
  const expected = mode === 'add' ? 1 : 0;
  if (args.positionals.length !== expected) {
    throw new UsageError(
      mode === 'add'
        ? 'add takes one <target> (see pipelines-oidc gallery)'
        : `update takes no arguments, got ${args.positionals.join(' ')}`,
    );
  }
  if (notOurs !== undefined) throw notOurs;
  const repo = args.loaded as Repository;
  let flags: Record<string, string | undefined> = args.answers;
  // with a token, UUIDs the manifest lacks come from Bitbucket
  const session = 'bitbucketToken' in o ? openBitbucket(io.cwd, io.env, o.bitbucketToken) : undefined;
  if (session)
    flags = await (await import('./update-bitbucket.js')).lookUpForUpdate(repo.manifest.answers, flags, session);
  const json = o.json;
  await runUpdate({
    cwd: io.cwd,
    repo,
    env: io.env,
    flags,
    addTarget: mode === 'add' ? args.positionals[0] : undefined,
    diff: o.diff,
    dryRun: o.dryRun,
    force: o.force,
    interactive: !o.yes && !json && io.tty,
    json,
    out: (text) => io.stdout.write(text),
  });
  return 0;
}

export const run = (argv: string[], io: CommandIo = processIo()) => runWith(argv, 'update', io);
export const runAdd = (argv: string[], io: CommandIo = processIo()) => runWith(argv, 'add', io);
