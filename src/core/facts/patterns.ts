import { UUID_PATTERN } from './bitbucket.js';

/**
 * Patterns of normalised values, shared with the Terraform validation blocks and the CloudFormation
 * AllowedPattern of the generated files (written to work in JavaScript, RE2 and Java regex alike).
 */
export const PATTERN = {
  repoSlug: '^[a-z0-9][a-z0-9._-]{0,61}$',
  workspace: '^[a-z0-9][a-z0-9_-]{0,61}$',
  uuid: UUID_PATTERN,
  account: '^[0-9]{12}$',
  region: '^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$',
  roleName: '^[A-Za-z0-9+=,.@_-]{1,64}$',
  /** A path in the repository: no leading `/` or `-` (it lands on a command line); see also `repositoryPath`. */
  repositoryPath: '^[A-Za-z0-9._][A-Za-z0-9._/-]*$',
} as const;
