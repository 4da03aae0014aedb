/**
 * What a rehearsal made up because the repository lacks it — the files its steps read, the repository UUID —
 * and what it ran with instead of the steps' images. A step that passed only with something made up is
 * reported so ("passed with made-up inputs"), and fails with --strict: the first real run would not pass.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_UUID_PLACEHOLDER } from '../core/facts/index.js';
import type { RehearsalPlan } from '../core/rehearse/index.js';
import type { StepReport } from '../io/rehearse/rehearsal.js';

export interface MadeUp {
  /** The UUID (without braces, as in the answers) the tokens carry and the trust policies were given, when the manifest has none. */
  repoUuid?: string;
  /** Inputs the repository lacks, each with the stand-in file written into the scratch copy. */
  inputs: Array<{ input: string; path: string }>;
}

/** The plan's inputs the repository lacks: only their stand-in files are written into the scratch copy. */
export function missingInputs(dir: string, files: RehearsalPlan['files']): RehearsalPlan['files'] {
  // a file made up only beside another made-up one (a lockfile beside package.json) is not, when that one is there
  return files.filter(
    (f) => !existsSync(join(dir, f.input)) && (f.alongside === undefined || !existsSync(join(dir, f.alongside))),
  );
}

/**
 * A made-up repository UUID, read into the trust policies in place of the placeholder they hold until it is
 * set: the rehearsal's tokens carry it, so the trust policies are judged as they will be once it is set.
 */
export function withMadeUpRepoUuid(read: (file: string) => string | undefined): {
  read: (file: string) => string | undefined;
  repoUuid: string;
} {
  const uuid = randomUUID();
  return { read: (file) => read(file)?.replaceAll(REPO_UUID_PLACEHOLDER, uuid), repoUuid: uuid };
}

export interface StepVerdict {
  ok: boolean;
  /** Inputs of the step that were made up ("repository UUID" too, when it was). */
  madeUp: string[];
  status: 'passed' | 'passed with made-up inputs' | 'failed' | 'failed (--strict): passed only with made-up inputs';
}

export function stepVerdict(step: StepReport, madeUp: MadeUp, strict: boolean): StepVerdict {
  const made = [
    ...(madeUp.repoUuid ? ['repository UUID'] : []),
    ...step.inputs.filter((i) => madeUp.inputs.some((m) => m.input === i)),
  ];
  if (!step.ok) return { ok: false, madeUp: made, status: 'failed' };
  if (!made.length) return { ok: true, madeUp: made, status: 'passed' };
  return strict
    ? { ok: false, madeUp: made, status: 'failed (--strict): passed only with made-up inputs' }
    : { ok: true, madeUp: made, status: 'passed with made-up inputs' };
}

/** What the report says of each made-up thing, in a line. */
export function madeUpLines(madeUp: MadeUp, manifest: string): string[] {
  return [
    ...(madeUp.repoUuid
      ? [
          `repository UUID {${madeUp.repoUuid}}: ${manifest} has none, so the trust policies match no token yet (set it with pipelines-oidc update --repo-uuid <uuid>)`,
        ]
      : []),
    ...madeUp.inputs.map(
      (i) =>
        `${i.input}${i.path === i.input ? '' : ` (a stand-in ${i.path})`}: not in the repository, a step reads it; add it before the first push`,
    ),
  ];
}
