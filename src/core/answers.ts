/**
 * The questions `new` asks, defined once: the command-line flags, the answers file, the prompts of our
 * CLI and of plop are all derived from this list.
 */
import { TARGETS } from './targets/index.js';
import * as rules from './validate.js';
import type { Rule } from './validate.js';

export const IAC_CHOICES = ['terraform', 'cloudformation', 'both', 'none'] as const;
export const AUTH_CHOICES = ['token-file', 'assume-role'] as const;

export interface Answers {
  name: string;
  workspace: string;
  workspaceUuid: string;
  account: string;
  region: string;
  /** Empty until the Bitbucket repository exists: the trust policy then stays closed. */
  repoUuid: string;
  roleName: string;
  iac: (typeof IAC_CHOICES)[number];
  auth: (typeof AUTH_CHOICES)[number];
  target: string;
}

export type AnswerName = keyof Answers;

export interface Choice {
  value: string;
  description: string;
}

export interface Question {
  name: AnswerName;
  /** Long flag without dashes, e.g. `workspace-uuid`. */
  flag: string;
  message: string;
  description: string;
  example: string;
  rule: Rule;
  choices?: Choice[];
  /** May be left empty (only the repository UUID: the repository may not exist yet). */
  optional?: boolean;
  /** A default derived from earlier answers or the environment; none means the answer is required. */
  fallback?: (earlier: Partial<Answers>, env: Readonly<Record<string, string | undefined>>) => string | undefined;
}

const choices = (values: readonly string[], describe: (v: string) => string): Choice[] =>
  values.map((value) => ({ value, description: describe(value) }));

const IAC_TEXT: Record<string, string> = {
  terraform: 'Terraform module in terraform/',
  cloudformation: 'CloudFormation template in cloudformation/',
  both: 'both Terraform and CloudFormation',
  none: 'only the IAM JSON files (create the role by hand or with `pipelines-oidc apply`)',
};
const AUTH_TEXT: Record<string, string> = {
  'token-file': 'write the token to a file; every AWS CLI/SDK call picks it up (no extra tools)',
  'assume-role': 'call `aws sts assume-role-with-web-identity` and export the session keys',
};

export const QUESTIONS: readonly Question[] = [
  {
    name: 'name',
    flag: 'name',
    message: 'Repository name (Bitbucket slug)',
    description: 'Slug of the Bitbucket repository the starter is for; also the default folder name.',
    example: 'phub-oidc-check',
    rule: rules.repoSlug,
  },
  {
    name: 'workspace',
    flag: 'workspace',
    message: 'Bitbucket workspace slug',
    description: 'Workspace ID as in bitbucket.org/<workspace>/; it is part of the identity provider URL.',
    example: 'phub',
    rule: rules.workspaceSlug,
  },
  {
    name: 'workspaceUuid',
    flag: 'workspace-uuid',
    message: 'Workspace UUID (Repository settings → Pipelines → OpenID Connect)',
    description: 'UUID of the workspace: the token audience is ari:cloud:bitbucket::workspace/<uuid>.',
    example: '{7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a}',
    rule: rules.uuid,
  },
  {
    name: 'account',
    flag: 'account',
    message: 'AWS account ID',
    description: 'The 12-digit AWS account that holds the role.',
    example: '123456789012',
    rule: rules.accountId,
  },
  {
    name: 'region',
    flag: 'region',
    message: 'AWS region',
    description: 'Region the pipeline works in (AWS_DEFAULT_REGION); defaults to $AWS_REGION or $AWS_DEFAULT_REGION.',
    example: 'eu-west-1',
    rule: rules.region,
    fallback: (_, env) => env['AWS_REGION'] || env['AWS_DEFAULT_REGION'] || undefined,
  },
  {
    name: 'repoUuid',
    flag: 'repo-uuid',
    message: 'Repository UUID (empty if the repository does not exist yet)',
    description: 'UUID of the Bitbucket repository; the role trusts only its steps. Without it the role trusts nobody yet.',
    example: '{0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d}',
    rule: rules.uuid,
    optional: true,
  },
  {
    name: 'roleName',
    flag: 'role-name',
    message: 'IAM role name',
    description: 'Name of the IAM role the pipeline assumes; defaults to bitbucket-<name>.',
    example: 'bitbucket-pipeline-oidc-role',
    rule: rules.roleName,
    fallback: (earlier) => (earlier.name ? rules.roleNameFor(earlier.name) : undefined),
  },
  {
    name: 'iac',
    flag: 'iac',
    message: 'Infrastructure as code',
    description: 'How the IAM side is written: terraform, cloudformation, both or none.',
    example: 'terraform',
    rule: rules.oneOf(IAC_CHOICES),
    choices: choices(IAC_CHOICES, (v) => IAC_TEXT[v] ?? v),
    fallback: () => 'terraform',
  },
  {
    name: 'auth',
    flag: 'auth',
    message: 'How the pipeline gets credentials',
    description: 'token-file (AWS_WEB_IDENTITY_TOKEN_FILE) or assume-role (explicit STS call).',
    example: 'token-file',
    rule: rules.oneOf(AUTH_CHOICES),
    choices: choices(AUTH_CHOICES, (v) => AUTH_TEXT[v] ?? v),
    fallback: () => 'token-file',
  },
  {
    name: 'target',
    flag: 'target',
    message: 'Deploy target',
    description: 'What the pipeline does with the role (see `pipelines-oidc gallery`).',
    example: 'sts-check',
    rule: rules.oneOf(TARGETS.map((t) => t.id)),
    choices: TARGETS.map((t) => ({ value: t.id, description: t.description })),
    fallback: () => 'sts-check',
  },
];

export function questionFor(name: string): Question | undefined {
  return QUESTIONS.find((q) => q.name === name);
}
