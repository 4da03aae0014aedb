/**
 * The questions `new` asks, defined once: the command-line flags, the answers file, the prompts of our
 * CLI and of plop are all derived from this list.
 */
import { AWS_DEFAULT_SESSION, CLOUDFORMATION_DIR, TERRAFORM_DIR } from '../facts/index.js';
import { formatDuration } from '../util/index.js';
import { BUILT_IN_TARGETS, type Gallery } from '../targets/index.js';
import * as rules from './validate.js';
import type { Rule } from './validate.js';

/** A workshop's role-name prefix when neither --role-name nor the answers file gives one. */
export const DEFAULT_ROLE_PREFIX = 'bitbucket-workshop';

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
  /** The role's maximum session, as `sessionDuration` stores it (`1h`, `2h`, `90m`). */
  sessionDuration: string;
  /** Target ids, comma-separated. */
  target: string;
  /** Deployment environments, comma-separated `name` or `name=uuid` (UUID without braces); empty for none. */
  environments: string;
  /** Answers to the targets' own questions, by question name. */
  targetAnswers: Record<string, string>;
}

export type AnswerName = Exclude<keyof Answers, 'targetAnswers'>;

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
  /** May be left empty (the repository UUID: the repository may not exist yet; environments). */
  optional?: boolean;
  /** Several choices may be picked (asked with checkboxes, given comma-separated). */
  multiple?: boolean;
  /** The fallback as help shows it, where it depends on earlier answers or the environment. */
  fallbackText?: string;
  /** A default derived from earlier answers or the environment; none means the answer is required. */
  fallback?: (earlier: Partial<Answers>, env: Readonly<Record<string, string | undefined>>) => string | undefined;
  /**
   * Never asked in a terminal or by plop: its flag or the answers file, else its default (a setting few
   * need). Its default is not recorded in the manifest, so repositories from before it render as they did.
   */
  flagOnly?: true;
}

const choices = (values: readonly string[], describe: (v: string) => string): Choice[] =>
  values.map((value) => ({ value, description: describe(value) }));

const IAC_TEXT: Record<string, string> = {
  terraform: `Terraform module in ${TERRAFORM_DIR}/`,
  cloudformation: `CloudFormation template in ${CLOUDFORMATION_DIR}/`,
  both: 'both Terraform and CloudFormation',
  none: 'only the IAM JSON files (create the role by hand or with `pipelines-oidc apply`)',
};
const AUTH_TEXT: Record<string, string> = {
  'token-file': 'write the token to a file; every AWS CLI/SDK call picks it up (no extra tools)',
  'assume-role': 'call `aws sts assume-role-with-web-identity` and export the session keys',
};

/** As written, each flag a literal type: the command table's option types are derived from them. */
const QUESTION_TABLE = [
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
    rule: rules.workspaceUuid,
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
    description: 'Region the pipeline works in (AWS_DEFAULT_REGION).',
    example: 'eu-west-1',
    rule: rules.region,
    fallbackText: '$AWS_REGION, else $AWS_DEFAULT_REGION',
    fallback: (_, env) => env['AWS_REGION'] || env['AWS_DEFAULT_REGION'] || undefined,
  },
  {
    name: 'repoUuid',
    flag: 'repo-uuid',
    message: 'Repository UUID (empty if the repository does not exist yet)',
    description:
      'UUID of the Bitbucket repository; the role trusts only its steps. Without it the role trusts nobody yet.',
    example: '{0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d}',
    rule: rules.uuid,
    optional: true,
  },
  {
    name: 'roleName',
    flag: 'role-name',
    message: 'IAM role name',
    description: 'Name of the IAM role the pipeline assumes.',
    example: 'bitbucket-pipeline-oidc-role',
    rule: rules.roleName,
    fallbackText: 'bitbucket-<name>',
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
    name: 'sessionDuration',
    flag: 'session-duration',
    message: 'Longest role session',
    description:
      "How long the role's credentials may last (its maximum session): 1h to 12h in whole minutes, e.g. 2h or 90m; above 1h needs --auth assume-role (never asked: an hour suits most steps).",
    example: '2h',
    rule: rules.sessionDuration,
    fallback: () => formatDuration(AWS_DEFAULT_SESSION),
    flagOnly: true,
  },
  {
    name: 'target',
    flag: 'target',
    message: 'Deploy targets',
    description:
      'What the pipeline does with the role: one or more gallery ids, comma-separated (see `pipelines-oidc gallery`).',
    example: 'sts-check',
    rule: rules.idList,
    choices: targetChoices(BUILT_IN_TARGETS),
    multiple: true,
    fallback: () => 'sts-check',
  },
  {
    name: 'environments',
    flag: 'environment',
    message: 'Deployment environments (e.g. test,production=<uuid>; empty for none)',
    description:
      'Bitbucket deployment environments, each with its own role scoped to it: name, name=uuid or name=uuid:type (test, staging, production), repeatable; stages run in that order.',
    example: 'test,production',
    rule: rules.environmentList,
    optional: true,
  },
] as const satisfies readonly Question[];

export const QUESTIONS: readonly Question[] = QUESTION_TABLE;

/** The flag of an answer, e.g. `workspace-uuid` for `workspaceUuid`. */
export type AnswerFlag<N extends AnswerName> = Extract<(typeof QUESTION_TABLE)[number], { name: N }>['flag'];

function targetChoices(gallery: Gallery): Choice[] {
  return gallery.map((t) => ({ value: t.id, description: t.description }));
}

/** The questions with the target choices of a gallery (built-in targets plus a user's folder). */
export function questionsFor(gallery: Gallery): Question[] {
  return QUESTIONS.map((q) => (q.name === 'target' ? { ...q, choices: targetChoices(gallery) } : q));
}

export function questionFor(name: string): Question | undefined {
  return QUESTIONS.find((q) => q.name === name);
}
