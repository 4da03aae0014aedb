#!/usr/bin/env node
/**
 * The command table and the one exit point: every command is loaded only when it runs, and every
 * CliError becomes a one-line message and its exit code here.
 */
import type { CommandName } from './commands/args.js';
import { UsageError } from './errors.js';

/** Every command of the command table, loaded when it runs: a command missing here or misspelt does not compile. */
const COMMANDS: Record<CommandName, () => Promise<{ run: (argv: string[]) => Promise<number> }>> = {
  new: () => import('./commands/new-cli.js'),
  add: () => import('./commands/update-cli.js').then((m) => ({ run: m.runAdd })),
  update: () => import('./commands/update-cli.js'),
  gallery: () => import('./commands/gallery.js'),
  check: () => import('./commands/check.js'),
  apply: () => import('./commands/apply.js'),
  doctor: () => import('./commands/doctor.js'),
  why: () => import('./commands/why.js'),
  rehearse: () => import('./commands/rehearse.js'),
  run: () => import('./commands/run.js'),
  workshop: () => import('./commands/workshop-cli.js'),
  'workshop grade': () => import('./commands/workshop-grade.js'),
};

const isCommand = (name: string): name is CommandName => Object.hasOwn(COMMANDS, name);

/** The command argv starts with (a subcommand, `workshop grade`, before its command) and its arguments. */
function commandOf(argv: string[]): { command: CommandName; rest: string[] } | undefined {
  const [first = '', second] = argv;
  // a command is typed as words: `'workshop grade'` quoted as one is none
  if (first.includes(' ')) return undefined;
  const sub = `${first} ${second}`;
  if (second !== undefined && isCommand(sub)) return { command: sub, rest: argv.slice(2) };
  return isCommand(first) ? { command: first, rest: argv.slice(1) } : undefined;
}

async function main(argv: string[]): Promise<number> {
  const [name] = argv;
  // `help [command]` as git and npm take it: the same text as --help
  if (name === 'help' && argv.length > 1) return main([...argv.slice(1), '--help']);
  if (name === '-v' || name === '--version' || name === 'version') {
    const { toolVersion } = await import('./paths.js');
    process.stdout.write(`${toolVersion()}\n`);
    return 0;
  }
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write((await import('./commands/help.js')).globalHelp());
    return name === undefined ? 2 : 0;
  }
  const found = commandOf(argv);
  if (!found) {
    const names = Object.keys(COMMANDS).filter((c) => !c.includes(' '));
    throw new UsageError((await import('./commands/help.js')).unknownCommand(name, names));
  }
  const { command, rest } = found;
  if (rest.includes('-h') || rest.includes('--help')) {
    process.stdout.write((await import('./commands/help.js')).helpFor(command, rest));
    return 0;
  }
  return (await COMMANDS[command]()).run(rest.filter((a) => a !== '--verbose'));
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
