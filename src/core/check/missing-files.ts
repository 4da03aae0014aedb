/** `repo.missing-file`: a file the manifest records as generated is gone, so the repository is incomplete. */
import type { RepositorySource } from './drift.js';
import type { FileHit } from './report.js';

/** Files whose absence leaves the repository without a working pipeline or IAM side; the rest only warn. */
const essential = (file: string) =>
  file === 'bitbucket-pipelines.yml' || /^(iam|terraform|cloudformation)\//.test(file);

export function missingFiles(repo: RepositorySource): FileHit[] {
  return (repo.missing ?? []).map((file) => ({
    file,
    message: `${file} was generated (it is recorded in .pipelines-oidc.json) but is not there`,
    fix: 'Run pipelines-oidc update to restore it',
    ...(essential(file) ? {} : { severity: 'warning' as const }),
  }));
}
