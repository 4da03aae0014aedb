/**
 * `repo.missing-file`: a file the manifest records as generated is gone, so the repository is incomplete.
 * `repo.missing-input`: a path a target's step reads is not there, so the step's first run fails.
 */
import { isEssential, MANIFEST_FILE, PIPELINE_FILE } from '../facts/index.js';
import { stepInputs } from '../repo/index.js';
import type { RepositorySource } from './drift.js';
import type { FileHit } from '../iam-eval/index.js';

export function missingFiles(repo: RepositorySource): FileHit[] {
  return (repo.missing ?? []).map((file) => ({
    file,
    message: `${file} was generated (it is recorded in ${MANIFEST_FILE}) but is not there`,
    fix: 'Run pipelines-oidc update to restore it',
    ...(isEssential(file) ? {} : { severity: 'warning' as const }),
  }));
}

export function missingInputs(repo: RepositorySource): FileHit[] {
  const absent = new Set(repo.missingInputs ?? []);
  if (!repo.model || !absent.size) return [];
  const steps = new Map<string, string[]>();
  for (const i of stepInputs(repo.model))
    if (absent.has(i.input)) steps.set(i.input, [...new Set([...(steps.get(i.input) ?? []), i.step])]);
  return [...steps].map(([input, names]) => ({
    file: input,
    message: `${input} is not in the repository, and ${PIPELINE_FILE}'s step ${names.map((n) => `"${n}"`).join(', ')} reads it: its first run fails`,
    fix: `Add ${input} (rehearse stands in a made-up one for it and says so; --strict fails such steps)`,
  }));
}
