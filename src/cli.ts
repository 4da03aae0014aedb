#!/usr/bin/env node
/**
 * The command table and the one exit point: every command is loaded only when it runs, and every
 * CliError becomes a one-line message and its exit code here.
 */
import { UsageError } from './errors.js';

const COMMANDS: Record<string, () => Promise<{ run: (argv: string[]) => Promise<number> }>> = {
  new: () => import('./commands/new-cli.js'),
  add: () => import('./commands/update-cli.js').then((m) => ({ run: m.runAdd })),
  update: () => import('./commands/update-cli.js'),
  gallery: () => import('./commands/gallery.js'),
  check: () => import('./commands/check.js'),
  apply: () => import('./commands/apply.js'),
  doctor: () => import('./commands/doctor.js'),
  rehearse: () => import('./commands/rehearse.js'),
  run: () => import('./commands/run.js'),
  workshop: () => import('./commands/workshop-cli.js').then((m) => ({ run: m.runCommand })),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '-v' || name === '--version') {
    const { toolVersion } = await import('./paths.js');
    process.stdout.write(`${toolVersion()}\n`);
    return 0;
  }
  if (name === undefined || name === '-h' || name === '--help') {
    process.stdout.write((await import('./commands/help.js')).globalHelp());
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    throw new UsageError((await import('./commands/help.js')).unknownCommand(name, Object.keys(COMMANDS)));
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    const command = name === 'workshop' && rest[0] === 'grade' ? 'workshop grade' : name;
    process.stdout.write((await import('./commands/help.js')).helpFor(command, rest));
    return 0;
  }
  return (await load()).run(rest.filter((a) => a !== '--verbose'));
}

// `… | head` closes the pipe early: that is not an error of ours
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const verbose = process.argv.includes('--verbose');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (error: unknown) => {
    const { exitCode, line } = (await import('./commands/exit.js')).failure(error, verbose);
    process.stderr.write(line);
    process.exitCode = exitCode;
  },
);
