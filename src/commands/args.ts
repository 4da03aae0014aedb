/**
 * Argument parsing from the command table: node's parseArgs with the options of one command (and, for
 * commands that take answers, the gallery's target questions), its errors turned into usage errors.
 * The options come back typed from the table (OptionsOf): keyed by the camelCase of their flag, so
 * `--dry-run` is `options.dryRun`, a switch is a boolean, a value a string (a repeated option's values
 * joined with commas) that is there for sure only when the option is required.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import {
  commandSpec,
  optionKey,
  type AloneOf,
  type CommandName,
  type CommandSpec,
  type OptionsOf,
  type TargetCommand,
} from '../core/cli/index.js';
import { didYouMean } from '../core/util/index.js';
import { environmentAnswerKey } from '../core/answers/index.js';
import type { Gallery } from '../core/targets/index.js';
import { UsageError } from '../errors.js';

export type { CommandName, OptionsOf, TargetCommand } from '../core/cli/index.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | undefined>;

/** What every parse gives besides the typed options. */
export interface ParsedArgs {
  positionals: string[];
  /** Answers given as flags, by answer name: the command's own and the target questions'. */
  answers: Record<string, string>;
}

export interface Parsed<C extends CommandName> extends ParsedArgs {
  /** The command's own options, typed: `--dry-run` is `options.dryRun`. */
  options: OptionsOf<C>;
}

/** An option given alone (`workshop --list-exercises`): nothing else was given, nothing else parsed. */
type AloneParse<C extends CommandName> = [AloneOf<C>] extends [never] ? never : { alone: AloneOf<C> };

export type ParsedCommand<C extends CommandName> = Parsed<C> | AloneParse<C>;

function specOf(command: CommandName): CommandSpec {
  const spec = commandSpec(command);
  if (!spec) throw new Error(`${command} is not in the command table`);
  return spec;
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
function environmentAnswers(
  argv: readonly string[],
  gallery: Gallery,
): { rest: string[]; answers: Record<string, string> } {
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

/** The options of a command by their key in OptionsOf; `lenient`: only those given, and of the right kind. */
function typedOptions(
  spec: CommandSpec,
  values: Values,
  lenient = false,
): Record<string, string | boolean | undefined> {
  const typed: Record<string, string | boolean | undefined> = {};
  for (const o of spec.options) {
    if (o.alone) continue;
    const value = values[o.flag];
    const ofItsKind = o.value === undefined ? value === true : typeof value === 'string';
    // a switch not given is false; leniently read, an option not given (or of the wrong kind) is left out
    if (!lenient) typed[optionKey(o.flag)] = o.value === undefined ? value === true : value;
    else if (ofItsKind) typed[optionKey(o.flag)] = value;
  }
  return typed;
}

/** The option given that must be given alone (`workshop --list-exercises`), if any: anything with it is refused. */
function aloneOption(spec: CommandSpec, values: Values, argc: number): { alone: string } | undefined {
  const alone = spec.options.find((o) => o.alone && values[o.flag] === true);
  if (!alone) return undefined;
  if (argc > 1) throw new UsageError(`--${alone.flag} takes no other arguments`);
  return { alone: optionKey(alone.flag) };
}

/**
 * `command` as the table names it (`new`, `workshop grade`); `gallery` for the commands that take target
 * answers. The options come typed (`options`), keyed by the camelCase of their flags.
 */
export function parseCommand<C extends CommandName>(
  command: C,
  argv: readonly string[],
  gallery: Gallery = [],
): ParsedCommand<C> {
  const spec = specOf(command);
  const options = optionsOf(spec, gallery);
  const perEnvironment = spec.targetFlags ? environmentAnswers(argv, gallery) : { rest: [...argv], answers: {} };
  let parsed;
  try {
    parsed = parseArgs({ args: perEnvironment.rest, options, allowPositionals: true, strict: true });
  } catch (e) {
    const first = (e as Error).message.split('\n')[0] ?? '';
    const unknown = /^Unknown option '(-{1,2})([^']*)'/.exec(first);
    if (!unknown) throw new UsageError(`${first} (${helpHint(spec)})`);
    const [, dashes, flag] = unknown;
    // commands that take the folder as their argument, not as --dir (which new, update and add take)
    if (dashes === '--' && flag === 'dir' && spec.args.includes('[dir]'))
      throw new UsageError(
        `unknown option --dir: ${spec.name} takes the folder as its argument: pipelines-oidc ${spec.name} <dir> (${helpHint(spec)})`,
      );
    const hint = dashes === '--' ? didYouMean(flag!, Object.keys(options), (f) => `--${f}`) : '';
    throw new UsageError(`unknown option ${dashes}${flag}${hint} (${helpHint(spec)})`);
  }
  const values: Values = {};
  for (const [flag, value] of Object.entries(parsed.values))
    values[flag] = Array.isArray(value) ? value.join(',') : value;
  const alone = aloneOption(spec, values, argv.length);
  // the table's `alone` options are exactly AloneOf<C>
  if (alone) return alone as ParsedCommand<C>;
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
  // typedOptions gives every option of the table's spec of C its key and kind: OptionsOf<C>, read from the same table
  const typed = typedOptions(spec, values) as OptionsOf<C>;
  return { positionals: parsed.positionals, answers, options: typed } as ParsedCommand<C>;
}

/** The command's own options as given, read leniently: unknown flags (a gallery's questions) skipped. */
function lenientValues(spec: CommandSpec, argv: readonly string[]): Values {
  const { values } = parseArgs({
    args: [...argv],
    options: optionsOf(spec, []),
    allowPositionals: true,
    strict: false,
  });
  const kept: Values = {};
  for (const [flag, value] of Object.entries(values)) {
    // a value missing (`--gallery` last) reads as `true`: typedOptions leaves it out, and so it goes in a list
    kept[flag] = Array.isArray(value) ? value.filter((v) => typeof v === 'string').join(',') || undefined : value;
  }
  return kept;
}

/**
 * Phase one of a two-phase parse, for what must be known before the full parse (the gallery, whose
 * questions are flags too): the command's own options read leniently, only those given with the right kind.
 */
export function peekOptions<C extends CommandName>(command: C, argv: readonly string[]): Partial<OptionsOf<C>> {
  const spec = specOf(command);
  return typedOptions(spec, lenientValues(spec, argv), true) as Partial<OptionsOf<C>>;
}

/**
 * Parses a command whose gallery's questions are flags too: its own options, read leniently
 * (peekOptions), choose what `load` loads (the gallery, or a repository with its gallery), then everything
 * is parsed with that gallery's flags. An option given alone is answered before anything is loaded.
 */
export function parseWithGallery<C extends TargetCommand, L extends { gallery: Gallery }>(
  command: C,
  argv: readonly string[],
  load: (chosen: Partial<OptionsOf<C>>) => L,
): (Parsed<C> & { loaded: L }) | AloneParse<C> {
  const spec = specOf(command);
  const given = lenientValues(spec, argv);
  const alone = aloneOption(spec, given, argv.length);
  if (alone) return alone as AloneParse<C>;
  const loaded = load(typedOptions(spec, given, true) as Partial<OptionsOf<C>>);
  const parsed = parseCommand(command, argv, loaded.gallery);
  return 'alone' in parsed ? parsed : { ...parsed, loaded };
}
