/**
 * Typed errors: every failure the user can act on is one of these, and `cli.ts` is the one place that
 * turns them into a message and an exit code.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input (a flag, an answer, a file given on the command line): exit 2, nothing written. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** The input was fine but the work could not be done (existing files, git, a failed push): exit 1. */
export class RunError extends CliError {
  constructor(message: string) {
    super(message, 1);
  }
}

/** The user pressed Ctrl-C at a prompt or declined the confirmation: nothing was written. */
export class CancelledError extends CliError {
  constructor(message = 'Cancelled: nothing was written.') {
    super(message, 130);
  }
}

/** A failure that is a bug of ours, not of the input or the run (EX_SOFTWARE of sysexits.h): never 1 or 2. */
export const INTERNAL_ERROR_EXIT = 70;
