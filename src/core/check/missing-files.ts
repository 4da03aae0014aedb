/** `repo.missing-file`: a file the manifest records as generated is gone, so the repository is incomplete. */
import { isEssential, MANIFEST_FILE } from '../facts/index.js';
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
