/**
 * The global help and each command's, rendered from the command table: usage, every option with its
 * default and rule, the gallery's target questions for the commands that take them, and examples.
 */
import {
  COMMAND_TABLE,
  commandSpec,
  GLOBAL_OPTIONS,
  takesTargetFlags,
  type CommandName,
  type CommandSpec,
  type OptionSpec,
} from '../core/cli/index.js';
import type { Gallery, TargetQuestion } from '../core/targets/index.js';
import { didYouMean } from '../core/util/index.js';
import { loadGallery } from '../io/gallery.js';
import { peekOptions } from './args.js';

const WIDTH = 120;

/** Words joined into lines of at most WIDTH, every line after the first indented by `indent`. */
function wrap(words: string[], first: string, indent: string): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of words.filter(Boolean)) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = indent + word;
    } else line = empty && first.endsWith(' ') ? `${line}${word}` : `${line} ${word}`;
    empty = false;
  }
  return [...lines, line];
}

const spelled = (o: OptionSpec) => `${o.short ? `-${o.short}|` : ''}--${o.flag}${o.value ? ` ${o.value}` : ''}`;

/** Needed options as they are, the others in brackets; a repeatable one followed by `…`. */
function usageItems(spec: CommandSpec): string[] {
  const items = spec.options
    .filter((o) => !o.alone)
    .map((o) => (o.required ? spelled(o) : `[${spelled(o)}]${o.multiple ? '…' : ''}`));
  return [spec.args, ...items, spec.targetFlags ? '[--<target answer> <value>]…' : ''];
}

function usage(spec: CommandSpec, indent = '  '): string[] {
  const alone = spec.options.filter((o) => o.alone).map((o) => `${indent}pipelines-oidc ${spec.name} ${spelled(o)}`);
  return [...wrap(usageItems(spec), `${indent}pipelines-oidc ${spec.name}`, `${indent}    `), ...alone];
}

/** The usage of every command, as README.md shows it (npm run docs). */
export function usageOfAll(): string {
  return COMMAND_TABLE.flatMap((spec) => usage(spec, '')).join('\n');
}

/** An option's line: its spelling, then what it does, its default and whether it is needed. */
function optionLines(name: string, text: string, width: number): string[] {
  return wrap(text.split(' '), `  ${name.padEnd(width)}  `, ' '.repeat(width + 4));
}

function optionText(o: OptionSpec): string {
  const notes = [
    ...(o.default !== undefined ? [`default: ${o.default}`] : []),
    ...(o.required === true ? ['required'] : o.required === 'answer' ? ['required, here or in --answers'] : []),
    ...(o.multiple ? ['repeatable'] : []),
  ];
  return `${o.description}${notes.length ? ` (${notes.join('; ')})` : ''}`;
}

function questionText(q: TargetQuestion): string {
  const notes = [
    `e.g. ${q.example}`,
    ...(q.default !== undefined ? [`default: ${q.default}`] : []),
    ...(q.optional ? ['optional'] : []),
  ];
  return `${q.description}; must match ${q.pattern} (${notes.join('; ')})`;
}

/** Every target of the gallery with its questions as flags, grouped by target. */
function targetLines(gallery: Gallery): string[] {
  const questionFlag = (q: TargetQuestion) => `--${q.flag} <${q.name}>`;
  const width = Math.max(...gallery.flatMap((t) => t.questions.map((q) => questionFlag(q).length + 2)));
  return gallery.flatMap((t) => [
    `  ${t.id}: ${t.title}${t.questions.length ? '' : ' (no questions)'}`,
    ...t.questions.flatMap((q) => optionLines(`  ${questionFlag(q)}`, questionText(q), width)),
  ]);
}

/** `pipelines-oidc <command> --help`; the commands that take target answers list the gallery's (with --gallery, its folder's too). */
export function commandHelp(spec: CommandSpec, gallery: Gallery): string {
  const width = Math.max(...spec.options.map((o) => `--${o.flag}${o.value ? ` ${o.value}` : ''}`.length + 4));
  const options = spec.options.flatMap((o) =>
    optionLines(
      `${o.short ? `-${o.short}, ` : '    '}--${o.flag}${o.value ? ` ${o.value}` : ''}`,
      optionText(o),
      width,
    ),
  );
  const targets = spec.targetFlags
    ? [
        '',
        `Target answers (flags of the targets chosen${spec.name === 'add' ? ' as <target>' : ' with --target'}; see pipelines-oidc gallery)`,
        ...targetLines(gallery),
      ]
    : [];
  return [
    ...wrap(spec.summary.split(' '), `pipelines-oidc ${spec.name}:`, '  '),
    '',
    'Usage',
    ...usage(spec),
    '',
    'Options',
    ...options,
    ...targets,
    '',
    'Examples',
    ...spec.examples.map((e) => `  pipelines-oidc ${e}`),
    '',
  ].join('\n');
}

export function globalHelp(): string {
  const width = Math.max(...COMMAND_TABLE.map((c) => c.name.length));
  return [
    'pipelines-oidc: Bitbucket Pipelines → AWS with OpenID Connect, no access keys',
    '',
    'Usage',
    ...COMMAND_TABLE.flatMap((spec) => usage(spec)),
    '',
    'Commands',
    ...COMMAND_TABLE.flatMap((c) => wrap(c.summary.split(' '), `  ${c.name.padEnd(width)}  `, ' '.repeat(width + 4))),
    '',
    'Options',
    ...GLOBAL_OPTIONS.map(
      (o) => `  ${`${o.short ? `-${o.short}, ` : '    '}--${o.flag}`.padEnd(width)}  ${o.description}`,
    ),
    '',
    'Each command has its own help: pipelines-oidc <command> --help',
    '',
  ].join('\n');
}

/** Help for `command` (as the table names it); a `--gallery` among the arguments adds its folder's targets. */
export function helpFor(command: CommandName, argv: string[]): string {
  const spec = commandSpec(command);
  if (!spec) throw new Error(`${command} is not in the command table`);
  return commandHelp(
    spec,
    takesTargetFlags(command) ? loadGallery(process.cwd(), peekOptions(command, argv).gallery) : [],
  );
}

/** The one-line refusal of a command name that is not one, with the closest name when there is one. */
export function unknownCommand(name: string, names: string[]): string {
  const hint = didYouMean(name, names) || ` (commands: ${names.join(', ')})`;
  return `unknown command "${name}"${hint} (see pipelines-oidc --help)`;
}
