/**
 * Our pipelines inside a repository's own `bitbucket-pipelines.yml`: added as YAML (the file's comments
 * and every other entry kept), replaced on a later update, and refused when a name is already taken. Pure.
 */
import { isMap, isScalar, parseDocument, type Document, type Pair, type YAMLMap } from 'yaml';
import { RunError } from '../../errors.js';
import { PIPELINE_FILE, SETUP_README } from '../facts/index.js';

/** The comment above the lines we append to a repository's own file. */
export const ADDED_NOTE = 'added by pipelines-oidc';
/** The comment above each pipeline we add to a repository's own file. */
export const PIPELINE_NOTE = `added by pipelines-oidc: see ${SETUP_README}`;

/** Entries under `pipelines:` keyed by name (custom, branches, tags, bookmarks, pull-requests); `default` is one entry. */
type Section = string;

const keyOf = (pair: Pair): string => String(isScalar(pair.key) ? pair.key.value : pair.key);

function parse(text: string, what: string): Document {
  const doc = parseDocument(text);
  if (doc.errors.length)
    throw new RunError(`${what} is not valid YAML (${doc.errors[0]!.message.split('\n')[0]}): fix it first`);
  if (doc.contents !== null && !isMap(doc.contents)) throw new RunError(`${what} is not a YAML mapping: fix it first`);
  return doc;
}

/** Our entries: `[section, name]` for each named pipeline, `[default]` for the default one. */
function entriesOf(doc: Document): Array<{ path: string[]; pair: Pair }> {
  const pipelines = doc.get('pipelines');
  if (!isMap(pipelines)) return [];
  return (pipelines as YAMLMap).items.flatMap((section) => {
    const name: Section = keyOf(section);
    if (isMap(section.value))
      return (section.value as YAMLMap).items.map((entry) => ({ path: [name, keyOf(entry)], pair: entry }));
    return [{ path: [name], pair: section }];
  });
}

const shown = (path: string[]) => `pipelines.${path.join('.')}`;

/** `theirs` with every pipeline of `ours` added; a name `theirs` already uses is a RunError naming it. */
export function addOurPipelines(theirs: string, ours: string, note: string): string {
  const doc = parse(theirs, PIPELINE_FILE);
  const clashes = entriesOf(parse(ours, 'our pipeline'))
    .map((e) => e.path)
    .filter((path) => doc.hasIn(['pipelines', ...path]));
  if (clashes.length)
    throw new RunError(
      `${PIPELINE_FILE} already has ${clashes.map(shown).join(', ')}, which pipelines-oidc would add: rename yours (or remove it), then run the command again. Nothing was written`,
    );
  return withEntries(doc, ours, note);
}

function withEntries(doc: Document, ours: string, note: string): string {
  for (const { path, pair } of entriesOf(parse(ours, 'our pipeline'))) {
    if (isScalar(pair.key)) pair.key.commentBefore = ` ${note}`;
    if (path.length === 1) doc.setIn(['pipelines', path[0]], pair.value);
    else {
      if (!doc.hasIn(['pipelines', path[0]])) doc.setIn(['pipelines', path[0]], doc.createNode({}));
      (doc.getIn(['pipelines', path[0]]) as YAMLMap).items.push(pair);
    }
  }
  return doc.toString({ lineWidth: 0 });
}

/** `theirs` with the pipelines of `last` (what we added before) taken out and those of `ours` put in. */
export function replaceOurPipelines(theirs: string, last: string, ours: string, note: string): string {
  const doc = parse(theirs, PIPELINE_FILE);
  for (const { path } of entriesOf(parse(last, 'our earlier pipeline'))) {
    doc.deleteIn(['pipelines', ...path]);
    const section = doc.getIn(['pipelines', path[0]!]);
    if (isMap(section) && !section.items.length) doc.deleteIn(['pipelines', path[0]!]);
  }
  return withEntries(doc, ours, note);
}

/** `theirs` with the lines of `ours` it lacks appended (a `.gitignore`): nothing of theirs changes. */
export function appendMissingLines(theirs: string, ours: string, heading: string): string {
  const have = new Set(theirs.split('\n').map((l) => l.trim()));
  const missing = ours.split('\n').filter((l) => l.trim() && !l.startsWith('#') && !have.has(l.trim()));
  if (!missing.length) return theirs;
  return `${theirs}${theirs.endsWith('\n') || theirs === '' ? '' : '\n'}\n# ${heading}\n${missing.join('\n')}\n`;
}
