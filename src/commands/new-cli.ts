/** Flags of `new` → NewOptions, and the result printed as text or JSON. */
import { TIMEOUTS, timeoutSeconds } from '../core/util/index.js';
import { UsageError } from '../errors.js';
import { loadGallery } from '../io/gallery.js';
import { yellow } from '../io/style.js';
import { questionFor } from '../core/answers/index.js';
import { givenAnswer, readAnswersFile } from './answers-file.js';
import { parseWithGallery } from './args.js';
import { NO_TOKEN, openBitbucket } from './bitbucket-session.js';
import { runNew, type NewOptions } from './new.js';
import { processIo, type CommandIo } from './command-io.js';

export async function run(argv: string[], io: CommandIo = processIo()): Promise<number> {
  const args = parseWithGallery('new', argv, (chosen) => ({ gallery: loadGallery(io.cwd, chosen.gallery) }));
  if ('alone' in args) throw new Error('new has no option given alone');
  const { gallery } = args.loaded;
  const o = args.options;
  if (args.positionals.length > 1)
    throw new UsageError(`new takes one <name>, got ${args.positionals.length}: ${args.positionals.join(' ')}`);
  const flags: Record<string, string | undefined> = args.answers;
  if (args.positionals[0] !== undefined) flags['name'] = args.positionals[0];
  const json = o.json;
  const session = openBitbucket(io.cwd, io.env, o.bitbucketToken);
  const answersPath = o.answers;
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
    galleryDir: o.gallery,
    ...(answersFile ? { answersFile } : {}),
    dir: o.dir,
    git: !o.noGit,
    push: o.push,
    pushTimeout: timeoutSeconds(o.pushTimeout, 'push-timeout', TIMEOUTS.push),
    dryRun: o.dryRun,
    force: o.force,
    interactive: !o.yes && !json && io.tty,
    json,
    out: (text) => io.stdout.write(text),
  };
  if (!o.bitbucket && (o.apply || o.run || o.project !== undefined))
    throw new UsageError('--apply, --run and --project go with --bitbucket');
  if (o.bitbucket && !session) throw new UsageError(`--bitbucket needs Bitbucket credentials: ${NO_TOKEN}`);
  if (session) {
    // with a token, Bitbucket knows the UUIDs; --bitbucket also sets the repository up
    const bitbucket = await import('./new-bitbucket.js');
    if (o.bitbucket) {
      const { project } = o;
      return bitbucket.newWithBitbucket(options, session, {
        ...(project === undefined ? {} : { project }),
        apply: o.apply,
        run: o.run,
        yes: o.yes,
        tty: io.tty,
        out: io.stdout,
      });
    }
    // the look-ups need the repository and its workspace: asked first in a terminal, else the answers
    // without them are refused below, naming what is missing, as without a token
    for (const name of ['name', 'workspace'] as const) {
      if (!options.interactive || givenAnswer(options.flags, options.answersFile, name)) continue;
      const { askQuestion } = await import('../io/prompt.js');
      options.flags[name] = await askQuestion(questionFor(name)!, undefined);
    }
    if (
      givenAnswer(options.flags, options.answersFile, 'name') &&
      givenAnswer(options.flags, options.answersFile, 'workspace')
    )
      options.flags = (await bitbucket.lookUp(options, session, io.stdout)).flags;
  }
  const result = await runNew(options);
  if (json) {
    const { dir, files, roleArn, next } = result;
    io.stdout.write(`${JSON.stringify({ dir, files, roleArn, next }, null, 2)}\n`);
  }
  return 0;
}
