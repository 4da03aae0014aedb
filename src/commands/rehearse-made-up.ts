/**
 * What a rehearsal made up because the repository lacks it — the files its steps read, the repository UUID —
 * and what it ran with instead of the steps' images. A step that passed only with something made up is
 * reported so ("passed with made-up inputs"), and fails with --strict: the first real run would not pass.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnvironments } from '../core/answers/index.js';
import { ENVIRONMENT_UUID_PLACEHOLDER, REPO_UUID_PLACEHOLDER } from '../core/facts/index.js';
import type { RepoModel } from '../core/repo/index.js';
import type { RehearsalPlan } from '../core/rehearse/index.js';
import type { StepReport } from '../io/rehearse/rehearsal.js';

export interface MadeUp {
  /** The UUID (without braces, as in the answers) the tokens carry and the trust policies were given, when the manifest has none. */
  repoUuid?: string;
  /** The same for each deployment environment the manifest has no UUID of, by name. */
  environmentUuids: Record<string, string>;
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
 * Made-up UUIDs for the repository and each deployment environment the manifest has none of, read into the
 * trust policies in place of the placeholders they hold until they are set: the rehearsal's tokens carry them,
 * so the trust policies are judged as they will be once they are set.
 */
export function withMadeUpUuids(
  model: RepoModel,
  read: (file: string) => string | undefined,
): {
  read: (file: string) => string | undefined;
  repoUuid?: string;
  environmentUuids: Record<string, string>;
} {
  const repoUuid = model.repoUuidMissing ? randomUUID() : undefined;
  const environmentUuids = Object.fromEntries(
    parseEnvironments(model.answers.environments)
      .filter((e) => !e.uuid)
      .map((e) => [e.name, randomUUID()]),
  );
  // each environment's placeholder only in its own role's files: they all hold the same placeholder text
  const byFile = new Map(
    model.roles.flatMap((r) =>
      r.environment && environmentUuids[r.environment]
        ? [r.trustFile, r.permissionsFile].map((f) => [f, environmentUuids[r.environment!]!] as const)
        : [],
    ),
  );
  return {
    read: (file) => {
      let text = read(file);
      if (text !== undefined && repoUuid) text = text.replaceAll(REPO_UUID_PLACEHOLDER, repoUuid);
      const environmentUuid = byFile.get(file);
      if (text !== undefined && environmentUuid) text = text.replaceAll(ENVIRONMENT_UUID_PLACEHOLDER, environmentUuid);
      return text;
    },
    ...(repoUuid ? { repoUuid } : {}),
    environmentUuids,
  };
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
    ...(step.environment && madeUp.environmentUuids[step.environment] ? [`${step.environment} environment UUID`] : []),
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
    ...Object.entries(madeUp.environmentUuids).map(
      ([name, uuid]) =>
        `${name} environment UUID {${uuid}}: ${manifest} has none, so its role's trust policy matches no token yet (set it with pipelines-oidc update --environment ${name}=<uuid>)`,
    ),
    ...madeUp.inputs.map(
      (i) =>
        `${i.input}${i.path === i.input ? '' : ` (a stand-in ${i.path})`}: not in the repository, a step reads it; add it before the first push`,
    ),
  ];
}
