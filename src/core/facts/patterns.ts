import { UUID_PATTERN } from './bitbucket.js';

/**
 * Patterns of normalised values, shared with the Terraform validation blocks and the CloudFormation
 * AllowedPattern of the generated files (written to work in JavaScript, RE2 and Java regex alike).
 */
const REGION = '[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}';
/** A pattern's body, to compose it into a larger one. */
const body = (pattern: string) => pattern.slice(1, -1);

export const PATTERN = {
  repoSlug: '^[a-z0-9][a-z0-9._-]{0,61}$',
  workspace: '^[a-z0-9][a-z0-9_-]{0,61}$',
  uuid: UUID_PATTERN,
  account: '^[0-9]{12}$',
  region: `^${REGION}$`,
  roleName: '^[A-Za-z0-9+=,.@_-]{1,64}$',
  /** A path in the repository: no leading `/` or `-` (it lands on a command line); see also `repositoryPath`. */
  repositoryPath: '^[A-Za-z0-9._][A-Za-z0-9._/-]*$',
  /** A KMS key's ARN: its key ID a UUID, or `mrk-` and 32 hex digits for a multi-Region key. */
  kmsKeyArn: `^arn:aws(-[a-z]+)*:kms:${REGION}:[0-9]{12}:key/(mrk-[0-9a-f]{32}|${body(UUID_PATTERN)})$`,
} as const;
