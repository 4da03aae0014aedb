/** Argument parsing shared by the commands: node's parseArgs, its errors turned into usage errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export function parse(argv: string[], options: Options) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    const first = (e as Error).message.split('\n')[0] ?? '';
    throw new UsageError(`${first.replace(/^Unknown option '([^']*)'.*$/, 'unknown option $1')} (see pipelines-oidc --help)`);
  }
}

/** The value of `--gallery` before the full parse: target flags depend on the gallery it loads. */
export function galleryArg(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--gallery') return argv[i + 1];
    if (a.startsWith('--gallery=')) return a.slice('--gallery='.length);
  }
  return undefined;
}

export const COMMON: Options = {
  dir: { type: 'string' },
  'dry-run': { type: 'boolean' },
  force: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  json: { type: 'boolean' },
  gallery: { type: 'string' },
};
