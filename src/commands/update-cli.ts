/** Flags of `update` and `add` → UpdateOptions. */
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import { openRepository } from '../io/repository.js';
import { parseCommand } from './args.js';
import { openBitbucket } from './bitbucket-session.js';
import { runUpdate } from './update.js';
import { processIo, type CommandIo } from './command-io.js';

/** `--dir` and `--gallery` before the full parse: which target flags exist depends on the repository's gallery. */
function repositoryArgs(argv: string[]): { dir?: string; gallery?: string } {
  const { values } = parseArgs({
    args: argv,
    options: { dir: { type: 'string' }, gallery: { type: 'string' } },
    strict: false,
    allowPositionals: true,
  });
  return {
    ...(typeof values.dir === 'string' ? { dir: values.dir } : {}),
    ...(typeof values.gallery === 'string' ? { gallery: values.gallery } : {}),
  };
}

async function runWith(argv: string[], mode: 'update' | 'add', io: CommandIo): Promise<number> {
  const repo = openRepository({ cwd: io.cwd, ...repositoryArgs(argv) });
  const gallery = repo.gallery;
  const args = parseCommand(mode, argv, gallery);
  const v = args.values;
  const expected = mode === 'add' ? 1 : 0;
  if (args.positionals.length !== expected) {
    throw new UsageError(
      mode === 'add'
        ? 'add takes one <target> (see pipelines-oidc gallery)'
        : `update takes no arguments, got ${args.positionals.join(' ')}`,
    );
  }
  let flags: Record<string, string | undefined> = args.answers;
  // with a token, UUIDs the manifest lacks come from Bitbucket
  const session = mode === 'update' ? openBitbucket(io.cwd, io.env, v['bitbucket-token']) : undefined;
  if (session)
    flags = await (await import('./update-bitbucket.js')).lookUpForUpdate(repo.manifest.answers, flags, session);
  const json = Boolean(v['json']);
  await runUpdate({
    cwd: io.cwd,
    repo,
    env: io.env,
    flags,
    addTarget: mode === 'add' ? args.positionals[0] : undefined,
    diff: Boolean(v['diff']),
    dryRun: Boolean(v['dry-run']),
    force: Boolean(v['force']),
    interactive: !v['yes'] && !json && io.tty,
    json,
    out: (text) => io.stdout.write(text),
  });
  return 0;
}

export const run = (argv: string[], io: CommandIo = processIo()) => runWith(argv, 'update', io);
export const runAdd = (argv: string[], io: CommandIo = processIo()) => runWith(argv, 'add', io);
