/**
 * Argument parsing from the command table: node's parseArgs with the options of one command (and, for
 * commands that take answers, the gallery's target questions), its errors turned into usage errors.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { commandSpec, type CommandSpec } from '../core/cli/index.js';
import { didYouMean } from '../core/util/index.js';
import { environmentAnswerKey } from '../core/answers/index.js';
import type { Gallery } from '../core/targets/index.js';
import { UsageError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  /** Option values by flag; a repeated option's values joined with commas. */
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  /** Answers given as flags, by answer name: the command's own and the target questions'. */
  answers: Record<string, string>;
}

/** The parseArgs options of a command: every target question's (if it takes them), and its own from the table. */
function optionsOf(spec: CommandSpec, gallery: Gallery): Options {
  const options: Options = {};
  if (spec.targetFlags) for (const t of gallery) for (const q of t.questions) options[q.flag] = { type: 'string' };
  for (const o of spec.options) {
    options[o.flag] = {
      type: o.value === undefined ? 'boolean' : 'string',
      ...(o.short ? { short: o.short } : {}),
      ...(o.multiple ? { multiple: true } : {}),
    };
  }
  return options;
}

const helpHint = (spec: CommandSpec) => `see pipelines-oidc ${spec.name} --help`;

/**
 * Takes `--<flag>.<environment> <value>` (or `=<value>`) of the gallery's questions out of argv: the
 * environments are known only once the answers are, so the resolver checks each one.
 */
function environmentAnswers(argv: string[], gallery: Gallery): { rest: string[]; answers: Record<string, string> } {
  const byFlag = new Map(gallery.flatMap((t) => t.questions.map((q) => [q.flag, q.name] as const)));
  const rest: string[] = [];
  const answers: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z0-9-]+)\.([a-z0-9-]*)(?:=(.*))?$/s.exec(argv[i]!);
    const name = m && byFlag.get(m[1]!);
    if (!m || !name) {
      rest.push(argv[i]!);
      continue;
    }
    const value = m[3] ?? argv[++i];
    if (value === undefined) throw new UsageError(`option '${argv[i - 1]}' argument missing`);
    answers[environmentAnswerKey(name, m[2]!)] = value;
  }
  return { rest, answers };
}

/** `command` as the table names it (`new`, `workshop grade`); `gallery` for the commands that take target answers. */
export function parseCommand(command: string, argv: string[], gallery: Gallery = []): ParsedArgs {
  const spec = commandSpec(command);
  if (!spec) throw new Error(`${command} is not in the command table`);
  const options = optionsOf(spec, gallery);
  const perEnvironment = spec.targetFlags ? environmentAnswers(argv, gallery) : { rest: argv, answers: {} };
  let parsed;
  try {
    parsed = parseArgs({ args: perEnvironment.rest, options, allowPositionals: true, strict: true });
  } catch (e) {
    const first = (e as Error).message.split('\n')[0] ?? '';
    const unknown = /^Unknown option '(-{1,2})([^']*)'/.exec(first);
    if (!unknown) throw new UsageError(`${first} (${helpHint(spec)})`);
    const [, dashes, flag] = unknown;
    const hint = dashes === '--' ? didYouMean(flag!, Object.keys(options), (f) => `--${f}`) : '';
    throw new UsageError(`unknown option ${dashes}${flag}${hint} (${helpHint(spec)})`);
  }
  const values: ParsedArgs['values'] = {};
  for (const [flag, value] of Object.entries(parsed.values))
    values[flag] = Array.isArray(value) ? value.join(',') : value;
  const missing = spec.options.filter((o) => o.required === true && values[o.flag] === undefined);
  if (missing.length) {
    const needed = spec.options.filter((o) => o.required === true).map((o) => `--${o.flag} ${o.value}`);
    throw new UsageError(`${spec.name} needs ${needed.join(' and ')} (${helpHint(spec)})`);
  }
  const answers: ParsedArgs['answers'] = { ...perEnvironment.answers };
  const take = (name: string, flag: string) => {
    const value = values[flag];
    if (typeof value === 'string') answers[name] = value;
  };
  if (spec.targetFlags) for (const t of gallery) for (const q of t.questions) take(q.name, q.flag);
  for (const o of spec.options) if (o.answer !== undefined) take(o.answer, o.flag);
  return { values, positionals: parsed.positionals, answers };
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
