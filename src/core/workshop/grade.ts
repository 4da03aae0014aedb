/**
 * Grading a workshop: every attendee's repository checked as `pipelines-oidc check` would. An exercise
 * is fixed when its finding is gone and check reports no error; an attendee without an exercise passes
 * when the repository is clean.
 */
import { runChecks, type SchemaValidator, type FindingId } from '../check/index.js';
import type { CheckInput } from '../iam-eval/index.js';
import type { RepoModel } from '../repo/index.js';
import { PIPELINE_FILE } from '../facts/index.js';
import { findExercise } from './exercises.js';
import type { WorkshopState } from './types.js';

export type GradedAttendee = Pick<WorkshopState['attendees'][number], 'attendee' | 'repo' | 'exercise'>;

/**
 * One repository as `check` reads it: its files, and for a generated one the model and rendering to
 * compare with; or why check could not read it (a manifest it cannot read).
 */
export type RepoUnderGrade =
  { input: CheckInput; model?: RepoModel; expected?: Map<string, string> } | { unreadable: string };

export interface GradeRow {
  attendee: string;
  repo: string;
  exercise: string | null;
  /** False when check could not run: the folder is missing, holds no pipeline or policy, or a manifest check cannot read. */
  checked: boolean;
  fixed: boolean;
  /** The errors check still reports: how many, and their ids (each once, in report order). */
  findingsLeft: { count: number; ids: FindingId[] };
  warnings: number;
  /** Why the row is not a plain verdict: a missing folder, a repository stripped of what it must hold, an unknown exercise. */
  note?: string;
}

export interface GradeOptions {
  schemaValidator?: SchemaValidator;
  now: Date;
}

/** What every exercise and every generated repository holds: without one of them, check has nothing to object to. */
function missingParts(input: CheckInput): string[] {
  return [
    ...(input.pipeline ? [] : [PIPELINE_FILE]),
    ...(input.trustPolicies.length ? [] : ['trust policy']),
    ...(input.permissionPolicies.length ? [] : ['permissions policy']),
  ];
}

/** `repo` undefined: the attendee's folder does not exist. */
export function gradeAttendee(
  attendee: GradedAttendee,
  repo: RepoUnderGrade | undefined,
  options: GradeOptions,
): GradeRow {
  const row = { attendee: attendee.attendee, repo: attendee.repo, exercise: attendee.exercise };
  const none = { checked: false, fixed: false, findingsLeft: { count: 0, ids: [] }, warnings: 0 };
  if (!repo) return { ...row, ...none, note: `folder ${attendee.repo} is missing` };
  if ('unreadable' in repo) return { ...row, ...none, note: repo.unreadable };
  const missing = missingParts(repo.input);
  if (missing.length) return { ...row, ...none, note: `${attendee.repo} holds no ${missing.join(', no ')}` };

  const report = runChecks(repo.input, {
    schemaValidator: options.schemaValidator,
    model: repo.model,
    expected: repo.expected,
    now: options.now,
  });
  const errors = report.findings.filter((f) => f.severity === 'error');
  const exercise = attendee.exercise === null ? undefined : findExercise(attendee.exercise);
  const exerciseLeft = exercise !== undefined && report.findings.some((f) => f.id === exercise.findingId);
  return {
    ...row,
    checked: true,
    fixed: report.ok && !exerciseLeft,
    findingsLeft: { count: errors.length, ids: [...new Set(errors.map((f) => f.id))] },
    warnings: report.findings.length - errors.length,
    ...(attendee.exercise !== null && !exercise
      ? { note: `unknown exercise ${attendee.exercise}: graded as clean or not` }
      : {}),
  };
}

/** `repos` by repository slug; a slug absent from the map or mapped to undefined has no folder. */
export function gradeWorkshop(
  attendees: readonly GradedAttendee[],
  repos: ReadonlyMap<string, RepoUnderGrade | undefined>,
  options: GradeOptions,
): GradeRow[] {
  return attendees.map((a) => gradeAttendee(a, repos.get(a.repo), options));
}

export function gradeTotals(rows: readonly GradeRow[]) {
  const count = (xs: readonly GradeRow[]) => ({ fixed: xs.filter((r) => r.fixed).length, total: xs.length });
  return {
    ...count(rows),
    exercises: count(rows.filter((r) => r.exercise !== null)),
    others: count(rows.filter((r) => r.exercise === null)),
    unchecked: rows.filter((r) => !r.checked).length,
  };
}
