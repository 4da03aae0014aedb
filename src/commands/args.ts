/** Argument parsing shared by the commands: node's parseArgs, its errors turned into usage errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Question } from '../core/answers.js';
import type { Gallery } from '../core/targets/index.js';
import { UsageError } from '../errors.js';
import { targetFlags, targetFlagValues } from '../io/gallery.js';

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

/** Options for answers given as flags: each question's own flag (`--environment` repeats) and every target question's. */
export function answerOptions(questions: readonly Question[], gallery: Gallery): Options {
  return {
    ...targetFlags(gallery),
    ...Object.fromEntries(questions.map((q) => [q.flag, q.name === 'environments' ? { type: 'string' as const, multiple: true } : { type: 'string' as const }])),
  };
}

/** The values of those options → answers by name (`--environment a --environment b` → `a,b`). */
export function answerFlagValues(questions: readonly Question[], gallery: Gallery, values: Record<string, unknown>): Record<string, string | undefined> {
  const flags: Record<string, string | undefined> = { ...targetFlagValues(gallery, values) };
  for (const q of questions) {
    const given = values[q.flag];
    const value = Array.isArray(given) ? given.join(',') : given;
    if (typeof value === 'string') flags[q.name] = value;
  }
  return flags;
}
