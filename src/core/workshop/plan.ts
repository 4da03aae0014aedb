/**
 * From the base answers (flags, answers file, defaults) and the roster to one model per attendee, each
 * built exactly as `new` would build it for that attendee's answers. Pure: throws UsageError with every
 * bad roster row at once, so nothing is written until the whole roster is right.
 */
import {
  type Answers,
  type Question,
  asQuestion,
  resolveAnswers,
  type AnswerSources,
  parseEnvironments,
  DEFAULT_ROLE_PREFIX,
} from '../answers/index.js';
import { buildRepoModel, type RepoModel } from '../repo/index.js';
import { findTarget, questionsOf, type Gallery } from '../targets/index.js';
import { environmentsWithUuids } from '../bitbucket-setup/index.js';
import { didYouMean } from '../util/index.js';
import { UsageError } from '../../errors.js';
import { parseRoster } from './roster.js';
import type { Attendee, Exercise } from './types.js';

/** In --exercise, an attendee who gets the plain repository. */
export const NO_EXERCISE = 'none';

export interface WorkshopEntry {
  attendee: Attendee;
  answers: Answers;
  model: RepoModel;
  exercise: Exercise | null;
}

export interface WorkshopPlan {
  rolePrefix: string;
  /** The answers every attendee shares (name, repository UUID and role name are per attendee). */
  base: Answers;
  entries: WorkshopEntry[];
}

export interface PlanInput {
  /** Base answers: flags by answer name (never name or repoUuid: those come from the roster), answers file, environment. */
  sources: AnswerSources;
  gallery: Gallery;
  /** The roster as text, and how to name it in messages. */
  roster: { label: string; text: string };
  /** Exercises in round-robin order (null: no exercise); empty when --exercise is not given. */
  exercises: ReadonlyArray<Exercise | null>;
  /** Repository UUIDs Bitbucket knows, by slug: they fill an empty repo_uuid, and a different one is a problem of its line. */
  knownRepoUuids?: Readonly<Record<string, string>>;
  /** The deployment environments Bitbucket knows in each repository, by slug: their UUIDs scope the roles. */
  knownEnvironments?: Readonly<Record<string, ReadonlyArray<{ name: string; uuid: string }>>>;
}

/** `--exercise a,none,b` → the exercises in order; every id must be known. */
export function parseExerciseList(raw: string, catalog: readonly Exercise[]): Array<Exercise | null> {
  const known = [...catalog.map((e) => e.id), NO_EXERCISE];
  const ids = raw.split(',').map((s) => s.trim());
  return ids.map((id) => {
    if (id === NO_EXERCISE) return null;
    const found = catalog.find((e) => e.id === id);
    if (!found)
      throw new UsageError(
        `--exercise: unknown exercise ${JSON.stringify(id)}${didYouMean(id, known) || ` (known: ${known.join(', ')})`}`,
      );
    return found;
  });
}

function rosterError(label: string, problems: string[]): UsageError {
  if (problems.length === 1) return new UsageError(`--roster ${label}: ${problems[0]}`);
  return new UsageError(
    `--roster ${label}: ${problems.length} problems, nothing was written:\n${problems.map((p) => `  ${p}`).join('\n')}`,
  );
}

/**
 * The answers shared by all attendees, checked once: a bad flag is reported once, not on every row.
 * Target questions the roster may answer get their example for this check only.
 */
function baseAnswers(sources: AnswerSources, gallery: Gallery, rolePrefix: string): Answers {
  const fileTargets = (sources.file?.values['targetAnswers'] ?? {}) as Record<string, unknown>;
  const fillers: Record<string, string> = {};
  for (const q of gallery.flatMap((t) => t.questions)) {
    if (
      sources.flags[q.name] === undefined &&
      fileTargets[q.name] === undefined &&
      !q.optional &&
      q.default === undefined
    )
      fillers[q.name] = q.example;
  }
  const probe = resolveAnswers(
    { ...sources, flags: { ...fillers, ...sources.flags, name: 'workshop', repoUuid: '', roleName: rolePrefix } },
    gallery,
  );
  return { ...probe, targetAnswers: {} };
}

export function planWorkshop(input: PlanInput): WorkshopPlan {
  const { sources, gallery } = input;
  const fileRoleName = sources.file?.values['roleName'];
  const rolePrefix =
    sources.flags['roleName'] ?? (typeof fileRoleName === 'string' ? fileRoleName : DEFAULT_ROLE_PREFIX);
  const base = baseAnswers(sources, gallery, rolePrefix);
  const targets = base.target.split(',').map((id) => findTarget(gallery, id)!);
  const questions: Question[] = questionsOf(targets).map(asQuestion);
  const parsed = parseEnvironments(base.environments);
  if (parsed.some((e) => e.uuid)) {
    // Bitbucket gives each repository's environments their own UUIDs: one UUID cannot serve every attendee
    throw new UsageError(
      '--environment: a deployment environment has another UUID in every repository; give only names here (--environment test), not name=uuid',
    );
  }
  const environments = parsed.map((e) => e.name);

  const roster = parseRoster(input.roster.text, { rolePrefix: base.roleName, questions, environments });
  const problems = [...roster.problems];
  const fileTargets = (sources.file?.values['targetAnswers'] ?? {}) as Record<string, unknown>;
  const entries: WorkshopEntry[] = [];
  roster.attendees.forEach((attendee, i) => {
    const missing = questions.filter(
      (q) =>
        !q.optional &&
        !q.fallback &&
        !attendee.targetAnswers[q.name] &&
        sources.flags[q.name] === undefined &&
        fileTargets[q.name] === undefined,
    );
    if (missing.length) {
      const names = missing.map((q) => `${q.name} (--${q.flag})`).join(', ');
      problems.push(
        `line ${attendee.line}: no value for ${names}: fill the column, or give the flag or put it in --answers for everyone`,
      );
      return;
    }
    const known = input.knownRepoUuids?.[attendee.repo];
    if (known && attendee.repoUuid && known !== attendee.repoUuid) {
      problems.push(
        `line ${attendee.line}: repo_uuid {${attendee.repoUuid}} differs from the UUID Bitbucket gives ${attendee.repo} ({${known}})`,
      );
      return;
    }
    let answers: Answers;
    try {
      answers = resolveAnswers(
        {
          ...sources,
          flags: {
            ...sources.flags,
            ...attendee.targetAnswers,
            name: attendee.repo,
            repoUuid: attendee.repoUuid || known || '',
            roleName: attendee.roleName,
            environments: environmentsWithUuids(base.environments, input.knownEnvironments?.[attendee.repo] ?? []),
          },
        },
        gallery,
      );
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      problems.push(`line ${attendee.line}: ${e.message}`);
      return;
    }
    const exercise = input.exercises.length ? (input.exercises[i % input.exercises.length] ?? null) : null;
    entries.push({ attendee, answers, model: buildRepoModel(answers, gallery), exercise });
  });
  if (problems.length) throw rosterError(input.roster.label, problems);
  return { rolePrefix: base.roleName, base, entries };
}
