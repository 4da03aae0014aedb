/**
 * What a command reads of its process and where it writes, as one value: the CLI passes the process's,
 * a test its own (a folder, an environment, a buffer), so nothing of one run leaks into another.
 */
export interface Output {
  write(text: string): unknown;
  /** A terminal: progress redraws one line. */
  isTTY?: boolean;
}

export interface CommandIo {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  stdout: Output;
  /** stdin and stdout are terminals: questions can be asked. */
  tty: boolean;
}

export const processIo = (): CommandIo => ({
  cwd: process.cwd(),
  env: process.env,
  stdout: process.stdout,
  tty: Boolean(process.stdin.isTTY && process.stdout.isTTY),
});
