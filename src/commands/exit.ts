/** The one rule that turns what a command threw into its exit code and its one stderr line. */
import { CliError, INTERNAL_ERROR_EXIT } from '../errors.js';
import { printable } from '../printable.js';

export function failure(error: unknown, verbose: boolean): { exitCode: number; line: string } {
  if (error instanceof CliError)
    return { exitCode: error.exitCode, line: `pipelines-oidc: ${printable(error.message, { keepLines: true })}\n` };
  return {
    exitCode: INTERNAL_ERROR_EXIT,
    line: `pipelines-oidc: unexpected error: ${printable(String(verbose ? (error as Error).stack : (error as Error).message), { keepLines: true })}\n`,
  };
}
