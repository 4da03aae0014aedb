/**
 * What a rehearsal seed line may be. Seeds run with bash before the steps, to create in the emulator what a
 * step expects; a gallery's seeds come from whoever wrote the gallery, so a line is taken only in the forms
 * the built-in targets use, and nothing else a shell would do with it:
 *
 *   aws <service> <create-…|register-…|put-…|tag-…|mb> <argument>… [> "$REHEARSAL_ALIASES"/<name>]
 *   printf <text> | aws s3 cp - s3://<key>          printf <text> > "$REHEARSAL_TMP"/<name>
 *   (cd "$REHEARSAL_TMP" && zip -q <name> <name>…)
 *
 * An argument is literal text (no shell syntax outside single quotes), `{{question}}` (filled in shell-quoted),
 * or `fileb://"$REHEARSAL_TMP"/<name>`; none names a file elsewhere (`/…`, `~…`, `..`, `file://…`).
 */
import { PLACEHOLDER } from './definition.js';
import { fail } from './definition-error.js';

type Fragment =
  | { kind: 'literal'; text: string }
  | { kind: 'quoted'; text: string }
  | { kind: 'placeholder'; name: string }
  | { kind: 'scratch'; variable: string };
type Token = { op: '|' | '&&' | '>' | '(' | ')' } | { word: Fragment[] };

const SCRATCH = ['REHEARSAL_TMP', 'REHEARSAL_ALIASES'];
const SAFE = /[A-Za-z0-9_@%+=:,./-]/;
const KEBAB = /^[a-z0-9][a-z0-9-]*$/;
/** Operations that create what a step expects; nothing that reads or writes files of this machine. */
const CREATING = /^(mb|(create|register|put|tag)-[a-z0-9-]+)$/;
/** Options whose value the AWS CLI reads as a local file path, or that send the call elsewhere than the emulator. */
const REFUSED_OPTIONS = new Set([
  '--body',
  '--outfile',
  '--cli-input-json',
  '--cli-input-yaml',
  '--endpoint-url',
  '--profile',
  '--ca-bundle',
]);
const HAS_PLACEHOLDER = new RegExp(PLACEHOLDER.source);

/** The tokens of a line; anything a shell would read as more than words and these operators is refused. */
function tokens(line: string, where: string): Token[] {
  const out: Token[] = [];
  let word: Fragment[] | undefined;
  const end = () => (word && out.push({ word }), (word = undefined));
  const add = (f: Fragment) => (word ??= []).push(f);
  for (let i = 0; i < line.length;) {
    const rest = line.slice(i);
    const placeholder = /^\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/.exec(rest);
    const scratch = /^"\$([A-Z_]+)"/.exec(rest);
    const op = /^(&&|\||>|\(|\))/.exec(rest);
    if (rest[0] === ' ') (end(), i++);
    else if (placeholder) (add({ kind: 'placeholder', name: placeholder[1]! }), (i += placeholder[0].length));
    else if (scratch && SCRATCH.includes(scratch[1]!))
      (add({ kind: 'scratch', variable: scratch[1]! }), (i += scratch[0].length));
    else if (rest[0] === "'") {
      const close = line.indexOf("'", i + 1);
      if (close < 0) fail(where, 'has an unterminated single quote');
      // an answer is filled in already quoted: inside quotes, its quotes would end them
      if (HAS_PLACEHOLDER.test(line.slice(i + 1, close))) fail(where, 'puts a {{placeholder}} inside single quotes');
      add({ kind: 'quoted', text: line.slice(i + 1, close) });
      i = close + 1;
    } else if (op) (end(), out.push({ op: op[1] as '|' }), (i += op[0].length));
    else if (SAFE.test(rest[0]!)) {
      const last = word?.[word.length - 1];
      if (last?.kind === 'literal') last.text += rest[0];
      else add({ kind: 'literal', text: rest[0]! });
      i++;
    } else fail(where, `uses ${JSON.stringify(rest[0])} outside single quotes, which a seed line may not`);
  }
  end();
  return out;
}

const isWord = (t: Token | undefined): t is { word: Fragment[] } => t !== undefined && 'word' in t;
const literal = (t: Token | undefined): string | undefined =>
  isWord(t) && t.word.length === 1 && t.word[0]!.kind === 'literal' ? t.word[0]!.text : undefined;
const plainText = (t: Token | undefined): boolean =>
  isWord(t) && t.word.length === 1 && (t.word[0]!.kind === 'literal' || t.word[0]!.kind === 'quoted');

/** A word as written, fragments in their written form: a shape to compare with the forms above. */
function shape(t: Token | undefined): string {
  if (t === undefined) return '';
  if ('op' in t) return t.op;
  return t.word
    .map((f) =>
      f.kind === 'literal'
        ? f.text
        : f.kind === 'quoted'
          ? `'${f.text}'`
          : f.kind === 'placeholder'
            ? `{{${f.name}}}`
            : `"$${f.variable}"`,
    )
    .join('');
}

/** `"$<variable>"/<name>`: a file directly in a scratch folder, named literally or by a placeholder `named` allows. */
function scratchFile(t: Token | undefined, variables: string[], named: (placeholder: string) => boolean): boolean {
  const m = /^"\$([A-Z_]+)"\/(?:([A-Za-z0-9_][A-Za-z0-9._-]*)|\{\{([A-Za-z][A-Za-z0-9]*)\}\})$/.exec(shape(t));
  return m !== null && variables.includes(m[1]!) && (m[2] !== undefined || named(m[3]!));
}

/**
 * An argument of aws: no local file but one of the rehearsal's own, no path leading out of the seed's
 * folder. An argument that starts with an answer takes one that cannot hold a `:` (so no `file://…`).
 */
function checkArgument(t: Token, previous: string | undefined, where: string, holds: Holds): void {
  if (!isWord(t)) fail(where, 'puts an operator where an argument of aws belongs');
  const first = t.word[0]!;
  if (first.kind === 'literal' && /^fileb?:\/\/$/.test(first.text))
    if (scratchFile({ word: t.word.slice(1) }, ['REHEARSAL_TMP'], () => false)) return;
  for (const f of t.word) {
    if (f.kind === 'scratch') fail(where, 'names a scratch folder where only fileb://"$REHEARSAL_TMP"/<name> may');
    if (f.kind === 'placeholder') continue;
    if (/file:\/\/|fileb:\/\//i.test(f.text))
      fail(where, 'reads a local file; only fileb://"$REHEARSAL_TMP"/<name> may be read');
    if (f.kind === 'literal' && /(^|\/)\.\.(\/|$)/.test(f.text)) fail(where, 'names a path with ..');
  }
  if (first.kind === 'literal' && /^[/~]/.test(first.text))
    fail(where, 'names a path outside the seed folder (/…, ~…)');
  if (first.kind === 'placeholder' && holds(first.name, ':'))
    fail(
      where,
      `starts an argument with {{${first.name}}}, whose answers may hold ":" (a file:// the AWS CLI would read)`,
    );
  const option = first.kind === 'literal' ? first.text.split('=')[0]! : '';
  for (const o of [previous, option])
    if (o !== undefined && REFUSED_OPTIONS.has(o))
      fail(where, `gives ${o}, which reads a local file or leaves the emulator`);
}

function checkAws(words: Token[], where: string, holds: Holds): void {
  const [service, operation, ...args] = words.slice(1);
  const s = literal(service);
  const o = literal(operation);
  if (!s || !KEBAB.test(s) || !o || !KEBAB.test(o)) fail(where, 'must name the aws service and operation literally');
  const copies = s === 's3' && o === 'cp';
  if (!copies && !CREATING.test(o))
    fail(where, `runs aws ${s} ${o}; a seed only creates (create-…, register-…, put-…, tag-…, s3 mb, s3 cp - s3://…)`);
  if (
    copies &&
    !(literal(args[0]) === '-' && isWord(args[1]) && literal({ word: args[1].word.slice(0, 1) })?.startsWith('s3://'))
  )
    fail(where, 'copies with aws s3 cp only from standard input to s3://…');
  args.forEach((a, i) => {
    if (copies && i === 0) return;
    checkArgument(a, literal(args[i - 1]), where, holds);
  });
}

/** Whether the answers of placeholder `name` may hold the character `c`. */
export type Holds = (name: string, c: string) => boolean;

/**
 * Checks one seed line (placeholders not filled in). `{{name}}` may name a file in a scratch folder only when
 * its answers cannot hold a `/`.
 */
export function checkSeedLine(line: string, where: string, holds: Holds): void {
  const all = tokens(line, where);
  // (cd "$REHEARSAL_TMP" && zip -q <name> <name>…)
  if (literal(all[1]) === 'cd') {
    const zip = /^\( cd "\$REHEARSAL_TMP" && zip -q( [A-Za-z0-9_][A-Za-z0-9._-]*){2,} \)$/;
    if (!zip.test(all.map(shape).join(' ')))
      fail(where, 'may use a subshell only as (cd "$REHEARSAL_TMP" && zip -q <name> <name>…)');
    return;
  }
  const redirect = all.findIndex((t) => 'op' in t && t.op === '>');
  const body = redirect < 0 ? all : all.slice(0, redirect);
  if (redirect >= 0) {
    if (redirect !== all.length - 2) fail(where, 'may redirect only once, at its end');
    if (!scratchFile(all[all.length - 1], SCRATCH, (name) => !holds(name, '/')))
      fail(
        where,
        'may write only to "$REHEARSAL_ALIASES"/<name> or "$REHEARSAL_TMP"/<name> (a literal name, or a question whose answers hold no /)',
      );
  }
  const commands: Token[][] = [[]];
  for (const t of body) {
    if ('op' in t && t.op === '|') commands.push([]);
    else if ('op' in t) fail(where, `uses ${t.op} outside the forms a seed line may take`);
    else commands[commands.length - 1]!.push(t);
  }
  commands.forEach((words, i) => {
    const program = literal(words[0]);
    if (program === 'printf' && i === 0 && words.length === 2 && plainText(words[1])) return;
    if (program === 'aws' && (i > 0 || commands.length === 1)) return checkAws(words, where, holds);
    fail(where, 'must be an aws command that creates something, fed at most by printf <text>');
  });
  if (commands.length > 2) fail(where, 'may pipe printf into aws, nothing longer');
}
