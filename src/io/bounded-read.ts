/**
 * Reading a file with a size limit: at most `limit` bytes are read, whatever the file claims to be
 * (`/dev/zero`, a FIFO, a file still growing), so no input can make us read without end.
 */
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';

/** The limits, by what is read (README "Limits" states them). */
export const READ_LIMIT = {
  /** A file of a checked repository (pipeline, policy, Terraform, CloudFormation). */
  repositoryFile: 1_000_000,
  /** `check --token` (a JWT is a few kB). */
  token: 64 * 1024,
  /** `--bitbucket-token @file` (an access token or email:API token is a few hundred bytes). */
  credential: 16 * 1024,
  /** `--answers`, `--roster`, a gallery definition, the workshop state. */
  inputFile: 1_000_000,
  /** `--schema` (Atlassian's schema is about 200 kB). */
  schema: 10_000_000,
} as const;

/** The file held more than the limit: nothing of it is used. */
export class TooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`larger than ${limit.toLocaleString('en-US')} bytes`);
  }
}

/**
 * The file's text, read in chunks up to `limit` bytes; a larger one is a TooLargeError. With `noFollow`
 * a symbolic link is not opened (ELOOP), so a link swapped in after a look at the folder is not read either.
 */
export function readBounded(path: string, limit: number, { noFollow = false } = {}): string {
  const fd = openSync(path, constants.O_RDONLY | (noFollow ? constants.O_NOFOLLOW : 0));
  try {
    const buffer = Buffer.alloc(Math.min(limit + 1, 1 << 20));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, limit + 1 - total), null);
      if (n === 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, n)));
      total += n;
      if (total > limit) throw new TooLargeError(limit);
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** A file named by a flag, read up to `limit` bytes: unreadable or larger is a UsageError naming the flag (exit 2). */
export function readFlagFile(cwd: string, flag: string, path: string, limit: number): string {
  try {
    return readBounded(resolve(cwd, path), limit);
  } catch (e) {
    if (e instanceof TooLargeError)
      throw new UsageError(`${flag} ${path}: ${e.message}, the most ${flag} reads (is it the right file?)`);
    throw new UsageError(`${flag} ${path}: cannot read the file`);
  }
}
