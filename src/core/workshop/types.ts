/** Workshop mode as data: attendees from the roster, the exercises they get, and the state a workshop folder records. */
import type { FindingId } from '../check/index.js';
import type { Markdown, Json } from '../util/index.js';
import type { RepoModel } from '../repo/index.js';

/** One attendee, from one roster row. */
export interface Attendee {
  /** Line of the roster the row is on (the header is line 1). */
  line: number;
  attendee: string;
  /** Repository slug: the folder under the workshop's output and the `{repo}` of --push-template. */
  repo: string;
  /** Repository UUID without braces, or '' when not known yet. */
  repoUuid: string;
  /** The attendee's own role name: a prefix plus the attendee, valid for IAM, unique in the workshop. */
  roleName: string;
  /** Target answers given in the roster's extra columns, by question name. */
  targetAnswers: Record<string, string>;
}

/** A deliberately broken starting point that `check` detects by `findingId`. */
export interface Exercise {
  id: string;
  /** One line: what is broken. */
  summary: string;
  findingId: FindingId;
  /** What the exercise breaks in `model`'s repository, and its EXERCISE.md; never the solution. */
  repository(model: RepoModel): ExerciseRepository;
}

/** What EXERCISE.md says. */
export interface ExerciseText {
  title: string;
  /** The symptom and the goal: never the diagnosis. */
  task: Markdown;
  /** From vague to the fix itself; the last one says exactly what to change. */
  hints: Markdown[];
}

/** A file the exercise writes in place of the generated one, as data: a JSON document, or the pipeline. */
export type ExerciseFile = { path: string; json: Json } | { path: string; pipeline: Json };

/** An exercise repository as data: the files it breaks, and what EXERCISE.md says. */
export interface ExerciseRepository {
  broken: ExerciseFile[];
  text: ExerciseText;
}

/** `<out>/facilitator/workshop.json`: what `workshop grade` and a re-run read. */
export interface WorkshopState {
  tool: 'pipelines-oidc';
  version: string;
  attendees: Array<{ attendee: string; repo: string; exercise: string | null; roleName: string; roleArn: string }>;
}
