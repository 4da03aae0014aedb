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
  /** `check --baseline` (a report of a few thousand findings). */
  baseline: 5_000_000,
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
export function readBounded(path: string, limit: number, options: { noFollow?: boolean } = {}): string {
  return readBoundedBytes(path, limit, options).toString('utf8');
}

/** As readBounded, the bytes as they are. */
export function readBoundedBytes(path: string, limit: number, { noFollow = false } = {}): Buffer {
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
    return Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
}

/** A file named by a flag, read up to `limit` bytes: unreadable or larger is a UsageError naming the flag (exit 2). */
export function readFlagFile(cwd: string, flag: string, path: string, limit: number): string {
  let bytes: Buffer;
  try {
    bytes = readBoundedBytes(resolve(cwd, path), limit);
  } catch (e) {
    if (e instanceof TooLargeError)
      throw new UsageError(`${flag} ${path}: ${e.message}, the most ${flag} reads (is it the right file?)`);
    throw new UsageError(`${flag} ${path}: cannot read the file`);
  }
  const text = decodeText(bytes);
  if (typeof text === 'string') return text;
  throw new UsageError(
    `${flag} ${path}: not UTF-8 text (byte 0x${text.byte.toString(16).padStart(2, '0')} on line ${text.line}); save it as UTF-8 (a spreadsheet's "CSV UTF-8")`,
  );
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Text as editors save it: UTF-8 (a byte-order mark kept for the reader to drop), or UTF-16 with its
 * byte-order mark (a spreadsheet's "Unicode text"). Anything else — Latin-1, Windows-1252 — is refused
 * with where the first byte that is not UTF-8 stands, rather than read as replacement characters.
 */
export function decodeText(bytes: Buffer): string | { byte: number; line: number } {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  try {
    return UTF8.decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    let line = 1;
    for (let i = 0; i < bad; i++) if (bytes[i] === 0x0a) line++;
    return { byte: bytes[bad]!, line };
  }
}

/** Where the first byte that starts no well-formed UTF-8 sequence stands (to point at it; the decoder judges). */
function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    const more =
      lead < 0x80
        ? 0
        : lead >= 0xc2 && lead <= 0xdf
          ? 1
          : lead >= 0xe0 && lead <= 0xef
            ? 2
            : lead >= 0xf0 && lead <= 0xf4
              ? 3
              : -1;
    if (more < 0) return i;
    for (let k = 1; k <= more; k++) if ((bytes[i + k] ?? 0) >> 6 !== 2) return i;
    i += more + 1;
  }
  return Math.max(0, bytes.length - 1);
}
