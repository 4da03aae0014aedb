/**
 * The inputs each target's step reads from the repository (a site folder, a task definition, a template,
 * `package.json`…), as the targets' rehearsal files declare them: `rehearse` makes up the missing ones in
 * its scratch copy and says so, `check` warns about the missing ones. One list serves both.
 */
import { environmentParam } from '../answers/index.js';
import { rehearsalFiles } from '../targets/index.js';
import { targetStepName, type RepoModel } from './model.js';

export interface StepInput {
  /** The path the step reads, relative to the repository (a file or a folder). */
  input: string;
  /** A stand-in file in it, with its content, for a rehearsal. */
  path: string;
  content: string;
  /** Made up only when this input was made up too (a lockfile beside a made-up package.json). */
  alongside?: string;
  target: string;
  environment?: string;
  /** The name of the step that reads it, as the pipeline names it. */
  step: string;
}

export function stepInputs(model: RepoModel): StepInput[] {
  const environments = [...new Set(model.roles.map((r) => r.environment))];
  // each environment's own answer, else the shared one
  const rawIn = (environment: string | undefined) => (name: string) =>
    (environment && model.values[environmentParam(name, environment)]) || model.values[name] || '';
  const givenIn = (environment: string | undefined) => (name: string) => Boolean(rawIn(environment)(name));
  return environments.flatMap((environment) =>
    model.targets.flatMap((t) =>
      rehearsalFiles(t, givenIn(environment), rawIn(environment)).map((f) => ({
        ...f,
        target: t.id,
        ...(environment ? { environment } : {}),
        step: targetStepName(t, environment),
      })),
    ),
  );
}
