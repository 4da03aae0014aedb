/** Flags of `new` → NewOptions, and the result printed as text or JSON. */
import { TIMEOUTS, timeoutSeconds } from '../core/util/index.js';
import { UsageError } from '../errors.js';
import { loadGallery } from '../io/gallery.js';
import { yellow } from '../io/style.js';
import { readAnswersFile } from './answers-file.js';
import { galleryArg, parseCommand } from './args.js';
import { NO_TOKEN, openBitbucket } from './bitbucket-session.js';
import { runNew, type NewOptions } from './new.js';
import { processIo, type CommandIo } from './command-io.js';

export async function run(argv: string[], io: CommandIo = processIo()): Promise<number> {
  const gallery = loadGallery(io.cwd, galleryArg(argv));
  const args = parseCommand('new', argv, gallery);
  const v = args.values;
  if (args.positionals.length > 1)
    throw new UsageError(`new takes one <name>, got ${args.positionals.length}: ${args.positionals.join(' ')}`);
  const flags: Record<string, string | undefined> = args.answers;
  if (args.positionals[0] !== undefined) flags['name'] = args.positionals[0];
  const json = Boolean(v['json']);
  const session = openBitbucket(io.cwd, io.env, v['bitbucket-token']);
  const answersPath = v['answers'] as string | undefined;
  const answersFile =
    answersPath === undefined
      ? undefined
      : readAnswersFile(io.cwd, answersPath, {
          name: flags['name'],
          workspace: flags['workspace'],
          bitbucket: session !== undefined,
        });
  if (answersFile?.dropped && !json) io.stdout.write(`${yellow('!')} ${answersFile.dropped}\n`);
  const options: NewOptions = {
    cwd: io.cwd,
    env: io.env,
    flags,
    gallery,
    galleryDir: galleryArg(argv),
    ...(answersFile ? { answersFile } : {}),
    dir: v['dir'] as string | undefined,
    git: !v['no-git'],
    push: v['push'] as string | undefined,
    pushTimeout: timeoutSeconds(v['push-timeout'] as string | undefined, 'push-timeout', TIMEOUTS.push),
    dryRun: Boolean(v['dry-run']),
    force: Boolean(v['force']),
    interactive: !v['yes'] && !json && io.tty,
    json,
    out: (text) => io.stdout.write(text),
  };
  if (!v['bitbucket'] && (v['apply'] || v['run'] || v['project'] !== undefined))
    throw new UsageError('--apply, --run and --project go with --bitbucket');
  if (v['bitbucket'] && !session) throw new UsageError(`--bitbucket needs Bitbucket credentials: ${NO_TOKEN}`);
  if (session) {
    // with a token, Bitbucket knows the UUIDs; --bitbucket also sets the repository up
    const bitbucket = await import('./new-bitbucket.js');
    if (v['bitbucket']) {
      const project = v['project'] as string | undefined;
      return bitbucket.newWithBitbucket(options, session, {
        ...(project === undefined ? {} : { project }),
        apply: Boolean(v['apply']),
        run: Boolean(v['run']),
        yes: Boolean(v['yes']),
        tty: io.tty,
        out: io.stdout,
      });
    }
    options.flags = (await bitbucket.lookUp(options, session, io.stdout)).flags;
  }
  const result = await runNew(options);
  if (json) {
    const { dir, files, roleArn, next } = result;
    io.stdout.write(`${JSON.stringify({ dir, files, roleArn, next }, null, 2)}\n`);
  }
  return 0;
}
