/** Flags of `new` → NewOptions, and the result printed as text or JSON. */
import { TIMEOUTS, timeoutSeconds } from '../core/util/index.js';
import { UsageError } from '../errors.js';
import { loadGallery } from '../io/gallery.js';
import { yellow } from '../io/style.js';
import { readAnswersFile } from './answers-file.js';
import { galleryArg, parseCommand } from './args.js';
import { NO_TOKEN, openBitbucket } from './bitbucket-session.js';
import { runNew, type NewOptions } from './new.js';

export async function run(argv: string[]): Promise<number> {
  const gallery = loadGallery(process.cwd(), galleryArg(argv));
  const args = parseCommand('new', argv, gallery);
  const v = args.values;
  if (args.positionals.length > 1)
    throw new UsageError(`new takes one <name>, got ${args.positionals.length}: ${args.positionals.join(' ')}`);
  const flags: Record<string, string | undefined> = args.answers;
  if (args.positionals[0] !== undefined) flags['name'] = args.positionals[0];
  const json = Boolean(v['json']);
  const session = openBitbucket(process.cwd(), process.env, v['bitbucket-token']);
  const answersPath = v['answers'] as string | undefined;
  const answersFile =
    answersPath === undefined
      ? undefined
      : readAnswersFile(process.cwd(), answersPath, {
          name: flags['name'],
          workspace: flags['workspace'],
          bitbucket: session !== undefined,
        });
  if (answersFile?.dropped && !json) process.stdout.write(`${yellow('!')} ${answersFile.dropped}\n`);
  const options: NewOptions = {
    cwd: process.cwd(),
    env: process.env,
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
    interactive: !v['yes'] && !json && Boolean(process.stdin.isTTY && process.stdout.isTTY),
    json,
    out: (text) => process.stdout.write(text),
  };
  if (!v['bitbucket'] && (v['apply'] || v['run'] || v['project'] !== undefined))
    throw new UsageError('--apply, --run and --project go with --bitbucket');
  if (v['bitbucket'] && !session) throw new UsageError(`--bitbucket needs Bitbucket credentials: ${NO_TOKEN}`);
  if (session) {
    // with a token, Bitbucket knows the UUIDs; --bitbucket also sets the repository up
    const bitbucket = await import('./new-bitbucket.js');
    if (v['bitbucket']) {
      const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
      const project = v['project'] as string | undefined;
      return bitbucket.newWithBitbucket(options, session, {
        ...(project === undefined ? {} : { project }),
        apply: Boolean(v['apply']),
        run: Boolean(v['run']),
        yes: Boolean(v['yes']),
        tty,
      });
    }
    options.flags = (await bitbucket.lookUp(options, session)).flags;
  }
  const result = await runNew(options);
  if (json) {
    const { dir, files, roleArn, next } = result;
    process.stdout.write(`${JSON.stringify({ dir, files, roleArn, next }, null, 2)}\n`);
  }
  return 0;
}
