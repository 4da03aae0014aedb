/**
 * `new`, `update` and `add` run in this process: the command's own `run(argv, io)` with a folder, an
 * environment and an output buffer of its own (nothing global is read or changed), its error turned into
 * the exit code and the one stderr line by the CLI's own rule. The result has runCli's shape.
 */
import type { CommandIo } from '../../src/commands/command-io.ts';
import { failure } from '../../src/commands/exit.ts';

export interface Outcome {
  status: number;
  stdout: string;
  stderr: string;
}

type Run = (argv: string[], io: CommandIo) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Run>> = {
  new: async () => (await import('../../src/commands/new-cli.ts')).run,
  update: async () => (await import('../../src/commands/update-cli.ts')).run,
  add: async () => (await import('../../src/commands/update-cli.ts')).runAdd,
};

/**
 * `argv` (a command and its arguments) in `cwd`, with `env` over this process's environment (undefined
 * unsets); as the test runner does for the CLI, no colour and no Bitbucket credentials of the machine.
 */
export async function runInProcess(
  argv: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<Outcome> {
  const [name = '', ...args] = argv;
  const load = COMMANDS[name];
  if (!load) throw new Error(`${name} is not run in process: use runCli`);
  const machine = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BITBUCKET_')));
  let stdout = '';
  const io: CommandIo = {
    cwd: options.cwd,
    env: { ...machine, ...options.env },
    stdout: { write: (text: string) => (stdout += text), isTTY: false },
    tty: false,
  };
  try {
    return { status: await (await load())(args, io), stdout, stderr: '' };
  } catch (e) {
    const { exitCode, line } = failure(e, false);
    return { status: exitCode, stdout, stderr: line };
  }
}

/** `new …` in process, without the machine's AWS region (`new` falls back to it). */
export const newInProcess = (args: string[], cwd: string, env: Record<string, string | undefined> = {}) =>
  runInProcess(['new', ...args], { cwd, env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, ...env } });
