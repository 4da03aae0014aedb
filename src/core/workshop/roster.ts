/**
 * The workshop roster: a CSV file with a header line and one attendee per row. Columns: `attendee`
 * (required), `repo` (slug; derived from the attendee when empty), `repo_uuid`, and any answer of the
 * chosen targets by its question name. Pure: every bad row is collected as `line N: …`, none is fatal
 * on its own, so the facilitator fixes the whole file in one go.
 */
import { type Question, repoSlug, uuid } from '../answers/index.js';
import { FACILITATOR_DIR } from '../facts/index.js';
import { parseCsv } from './csv.js';
import type { Attendee } from './types.js';

export interface RosterOptions {
  /** Prefix of every role name (`--role-name`), already valid for IAM. */
  rolePrefix: string;
  /** Questions of the chosen targets: each may be a column, named as the question. */
  questions: readonly Question[];
  /** Deployment environments: each role name gets `-<environment>` appended, within IAM's 64 characters. */
  environments: readonly string[];
}

export interface Roster {
  attendees: Attendee[];
  problems: string[];
}

const FIXED = ['attendee', 'repo', 'repo_uuid'] as const;
const IAM_ROLE_NAME_MAX = 64;

const shown = (value: string) => {
  const s = JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 57)}…"` : s;
};

/** Lowercase ASCII letters and digits, every other run of characters one `-`, none at either end (accents dropped). */
export function slugOf(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Every role an attendee gets: one, or one per deployment environment. */
export function roleNamesOf(roleName: string, environments: readonly string[]): string[] {
  return environments.length ? environments.map((e) => `${roleName}-${e}`) : [roleName];
}

export function parseRoster(text: string, options: RosterOptions): Roster {
  const { records, problems } = parseCsv(text);
  const [header, ...rows] = records;
  // blank lines are skipped, before the header too; a line that failed to parse before it is no header
  const brokenBefore = problems.some((p) => Number(/^line (\d+):/.exec(p)?.[1]) <= (header?.line ?? 0));
  if (!header || brokenBefore) {
    return {
      attendees: [],
      problems: [
        ...problems,
        `line ${header?.line ?? 1}: the roster needs a header line naming its columns (attendee, and optionally repo, repo_uuid, …)`,
      ],
    };
  }
  const at = `line ${header.line}:`;
  const known = [...FIXED, ...options.questions.map((q) => q.name as string)];
  const columns = header.fields.map((f) => f.trim());
  for (const [i, name] of columns.entries()) {
    if (!known.includes(name)) problems.push(`${at} unknown column ${shown(name)} (known: ${known.join(', ')})`);
    else if (columns.indexOf(name) !== i) problems.push(`${at} column ${shown(name)} appears twice`);
  }
  if (!columns.includes('attendee')) problems.push(`${at} no attendee column (the header must name one)`);
  if (problems.some((p) => p.startsWith(at))) return { attendees: [], problems };
  if (!rows.length && !problems.length)
    return { attendees: [], problems: ['no attendees: the roster has only its header line'] };

  const attendees: Attendee[] = [];
  const repoLines = new Map<string, number>();
  const roleLines = new Map<string, number>();
  for (const { line, fields } of rows) {
    if (fields.length !== columns.length) {
      problems.push(
        `line ${line}: ${fields.length} field${fields.length === 1 ? '' : 's'}, but the header has ${columns.length}`,
      );
      continue;
    }
    const cell = (name: string) => (fields[columns.indexOf(name)] ?? '').trim();
    const bad = (message: string) => problems.push(`line ${line}: ${message}`);
    const before = problems.length;

    const attendee = cell('attendee');
    if (!attendee) bad('missing attendee (the attendee column is empty)');
    let repo = cell('repo');
    if (repo) {
      const r = repoSlug(repo);
      if ('error' in r) bad(`repo ${r.error} (got ${shown(repo)})`);
      else if (repo === FACILITATOR_DIR)
        bad(`repo ${shown(repo)} is the name of the facilitator's folder; choose another`);
    } else if (attendee) {
      repo = slugOf(attendee);
      const r = repoSlug(repo);
      if ('error' in r)
        bad(
          `the repository slug derived from attendee ${shown(attendee)} (${shown(repo)}) ${r.error}; give one in the repo column`,
        );
      else if (repo === FACILITATOR_DIR)
        bad(
          `the repository slug derived from attendee ${shown(attendee)} is the name of the facilitator's folder; give another in the repo column`,
        );
    }
    let repoUuid = cell('repo_uuid');
    if (repoUuid) {
      const r = uuid(repoUuid);
      if ('error' in r) bad(`repo_uuid ${r.error} (got ${shown(repoUuid)})`);
      else repoUuid = r.value;
    }
    const targetAnswers: Record<string, string> = {};
    for (const q of options.questions) {
      const raw = columns.includes(q.name) ? cell(q.name) : '';
      if (!raw) continue;
      const r = q.rule(raw);
      if ('error' in r) bad(`${q.name} ${r.error} (got ${shown(raw)})`);
      else targetAnswers[q.name] = r.value;
    }
    if (problems.length > before || !attendee) continue;

    const roleName = `${options.rolePrefix}-${slugOf(attendee) || repo}`;
    const roleNames = roleNamesOf(roleName, options.environments);
    const tooLong = roleNames.find((n) => n.length > IAM_ROLE_NAME_MAX);
    if (tooLong)
      bad(
        `role name ${JSON.stringify(tooLong)} is ${tooLong.length} characters, more than IAM's ${IAM_ROLE_NAME_MAX}; choose a shorter --role-name prefix`,
      );
    const repoSeen = repoLines.get(repo);
    if (repoSeen !== undefined) bad(`repo ${shown(repo)} is already used on line ${repoSeen}`);
    else repoLines.set(repo, line);
    // IAM role names are unique regardless of case
    for (const name of roleNames) {
      const seen = roleLines.get(name.toLowerCase());
      if (seen !== undefined)
        bad(`role name ${shown(name)} is already used on line ${seen} (IAM role names ignore case)`);
      else roleLines.set(name.toLowerCase(), line);
    }
    if (problems.length === before) attendees.push({ line, attendee, repo, repoUuid, roleName, targetAnswers });
  }
  // malformed records were found while reading: put every problem in line order
  const lineOf = (p: string) => Number(/^line (\d+):/.exec(p)?.[1] ?? 0);
  return { attendees, problems: problems.sort((a, b) => lineOf(a) - lineOf(b)) };
}
