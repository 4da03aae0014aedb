/**
 * `pipelines-oidc workshop grade <dir> [--json] [--schema <file>]`: checks every attendee's repository of a
 * workshop folder, in-process, and tells which exercises are fixed. Never fetches Atlassian's schema:
 * it uses --schema, else the copy `check --refresh-schema` cached, else the structural checks alone.
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isObject, tooDeep } from '../core/util/index.js';
import { FACILITATOR_DIR, WORKSHOP_STATE_FILE } from '../core/facts/index.js';
import {
  gradeTotals,
  gradeWorkshop,
  type GradedAttendee,
  type GradeRow,
  type RepoUnderGrade,
} from '../core/workshop/index.js';
import { CliError, UsageError } from '../errors.js';
import { READ_LIMIT, readBounded } from '../io/bounded-read.js';
import { readCheckTarget } from '../io/check-input.js';
import { loadSchema, schemaValidator } from '../io/schema.js';
import { dim, green, red } from '../io/style.js';
import { loadTemplates } from '../io/templates.js';
import type { TemplateLookup } from '../render/files.js';
import { printable } from '../printable.js';
import { parseCommand } from './args.js';

const STATE = join(FACILITATOR_DIR, WORKSHOP_STATE_FILE);

/** A repository slug names one folder inside the workshop's: no separators, no `.` or `..`. */
const isFolderName = (s: string) => s !== '' && s !== '.' && s !== '..' && !/[/\\\0]/.test(s);

/** The attendees of `<dir>/facilitator/workshop.json`, or a UsageError naming the folder and what is wrong. */
function readAttendees(dir: string, shown: string): GradedAttendee[] {
  let text: string;
  try {
    text = readBounded(join(dir, STATE), READ_LIMIT.inputFile);
  } catch {
    throw new UsageError(`workshop grade: ${shown} has no ${STATE} (give the folder pipelines-oidc workshop wrote)`);
  }
  const invalid = (why: string) =>
    new UsageError(`workshop grade: ${join(shown, STATE)} is not a workshop state: ${why}`);
  const deep = tooDeep(text);
  if (deep) throw invalid(deep);
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (e) {
    throw invalid(`not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (!isObject(state) || state['tool'] !== 'pipelines-oidc') throw invalid('"tool" is not "pipelines-oidc"');
  if (!Array.isArray(state['attendees'])) throw invalid('"attendees" is not a list');
  return state['attendees'].map((a: unknown, i) => {
    const at = `attendees[${i}]`;
    if (!isObject(a)) throw invalid(`${at} is not an object`);
    const { attendee, repo, exercise } = a;
    if (typeof attendee !== 'string') throw invalid(`${at}.attendee is not a string`);
    if (typeof repo !== 'string' || !isFolderName(repo)) throw invalid(`${at}.repo is not a folder name`);
    if (exercise !== null && typeof exercise !== 'string') throw invalid(`${at}.exercise is neither a string nor null`);
    return { attendee, repo, exercise };
  });
}

/**
 * What `check` reads in the folder `repo` of the workshop folder `dir`; undefined for a folder that does
 * not exist. A manifest check cannot read leaves the repository ungraded, with check's message.
 */
async function repoUnderGrade(
  dir: string,
  repo: string,
  templates: () => Promise<TemplateLookup>,
  gallery: string | undefined,
): Promise<RepoUnderGrade | undefined> {
  if (!statSync(join(dir, repo), { throwIfNoEntry: false })?.isDirectory()) return undefined;
  try {
    // an attendee's manifest may name a gallery only inside the workshop folder
    return await readCheckTarget(dir, repo, templates, { ...(gallery === undefined ? {} : { gallery }), within: dir });
  } catch (e) {
    if (e instanceof CliError) return { unreadable: e.message };
    throw e;
  }
}

function table(rows: GradeRow[]): string[] {
  const cells = rows.map((r) => [
    printable(r.attendee),
    printable(r.exercise ?? '(none)'),
    r.fixed ? '✓' : '✗',
    printable(
      r.note && !r.checked
        ? r.note
        : `${r.findingsLeft.count}${r.findingsLeft.ids.length ? ` (${r.findingsLeft.ids.join(', ')})` : ''}${r.note ? `; ${r.note}` : ''}`,
    ),
  ]);
  const header = ['attendee', 'exercise', 'fixed', 'findings left'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[], paint: (s: string) => string = (s) => s) =>
    c
      .map((x, i) => (i === 2 ? paint(x.padEnd(widths[i]!)) : x.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [dim(line(header)), ...cells.map((c, i) => line(c, rows[i]!.fixed ? green : red))];
}

export async function run(
  argv: string[],
  out: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  const args = parseCommand('workshop grade', argv);
  if (args.positionals.length !== 1)
    throw new UsageError(
      `workshop grade takes one <dir>, the folder pipelines-oidc workshop wrote${args.positionals.length ? `; got ${args.positionals.join(' ')}` : ''}`,
    );
  const cwd = process.cwd();
  const shown = args.positionals[0]!;
  const dir = resolve(cwd, shown);
  const attendees = readAttendees(dir, shown);
  const { schema: given, gallery: galleryFlag } = args.options;
  const gallery = galleryFlag === undefined ? undefined : resolve(cwd, galleryFlag);
  const schema = await loadSchema(cwd, given, process.env);

  let loaded: Promise<TemplateLookup> | undefined;
  const templates = () => (loaded ??= loadTemplates());
  const repos = new Map<string, RepoUnderGrade | undefined>();
  for (const a of attendees)
    if (!repos.has(a.repo)) repos.set(a.repo, await repoUnderGrade(dir, a.repo, templates, gallery));
  const validator = await schemaValidator(schema.schema);
  const rows = gradeWorkshop(attendees, repos, { schemaValidator: validator, now: new Date() });

  const totals = gradeTotals(rows);
  if (args.options.json) out(`${JSON.stringify(rows, null, 2)}\n`);
  else {
    const parts = [
      ...(totals.exercises.total ? [`exercises fixed ${totals.exercises.fixed} of ${totals.exercises.total}`] : []),
      ...(totals.others.total
        ? [`repositories without an exercise clean ${totals.others.fixed} of ${totals.others.total}`]
        : []),
      ...(totals.unchecked ? [`${totals.unchecked} not checked`] : []),
    ];
    out(
      [
        ...table(rows),
        '',
        `${totals.fixed === totals.total ? green('✔') : red('✖')} ${totals.fixed} of ${totals.total} done${parts.length ? ` (${parts.join('; ')})` : ''}`,
        dim(schema.note),
        '',
      ].join('\n'),
    );
  }
  return totals.fixed === totals.total ? 0 : 1;
}
