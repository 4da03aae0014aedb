/**
 * Every command's options, defined once as data: parsing, the unknown-flag error, each command's help,
 * the global usage and the flags a gallery question may not take are all derived from this table.
 */
import { DEFAULT_ROLE_PREFIX, QUESTIONS, type AnswerFlag, type AnswerName } from '../answers/index.js';
import { MANIFEST_FILE, PIPELINE_FILE } from '../facts/index.js';
import { TIMEOUTS } from '../util/index.js';

export interface OptionSpec {
  /** Long flag without dashes. */
  flag: string;
  /** The value's placeholder in help, e.g. `<dir>`; none for a switch. */
  value?: string;
  short?: string;
  /** May be given more than once; the values are joined with commas. */
  multiple?: boolean;
  /** `true`: the command refuses to run without it; `'answer'`: an answer that may also come from --answers. */
  required?: true | 'answer';
  /** The default as help shows it. */
  default?: string;
  /** What it does, and the rule its value must follow. */
  description: string;
  /** An answer of `new` given as a flag: that answer's name. */
  answer?: AnswerName;
  /** Given on its own, with no other argument: a usage line of its own. */
  alone?: true;
}

export interface CommandSpec {
  /** As typed after `pipelines-oidc`, e.g. `workshop grade`. */
  name: string;
  /** The positional arguments of the usage line, e.g. `<name>` or `[dir]`. */
  args: string;
  summary: string;
  options: readonly OptionSpec[];
  /** Every gallery target's questions are flags of this command too. */
  targetFlags?: boolean;
  /** Two command lines, without `pipelines-oidc`, that show it used. */
  examples: readonly [string, string];
}

/** An option as written: its flag and whether it takes a value stay literal types, for OptionsOf. */
const option = <const O extends OptionSpec>(o: O): O => o;

/** The options every command takes, handled before the command runs. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { flag: 'help', short: 'h', description: 'this help' },
  { flag: 'version', short: 'v', description: 'the version' },
  { flag: 'verbose', description: "show the stack of unexpected errors, and each of check's trust scenarios" },
];

/** An answer as a flag: a value always, never `required: true` (the answer may come from --answers). */
type AnswerOption<N extends AnswerName> = OptionSpec & {
  readonly flag: AnswerFlag<N>;
  readonly value: string;
  readonly answer: N;
  readonly required?: 'answer';
};

/** An answer of `new` as a flag: its flag, rule and default come from its question. */
function answer<N extends AnswerName>(name: N, value: string): AnswerOption<N> {
  const q = QUESTIONS.find((x) => x.name === name)!;
  const fallback = q.fallbackText ?? q.fallback?.({}, {});
  return {
    // the question of `name` spells this flag: AnswerFlag<N> is read from the same list
    flag: q.flag as AnswerFlag<N>,
    value,
    description: q.description,
    answer: name,
    ...(q.name === 'environments' ? { multiple: true } : {}),
    ...(fallback !== undefined ? { default: fallback } : q.optional ? {} : { required: 'answer' as const }),
  };
}

const WORKSPACE = answer('workspace', '<slug>');
const WORKSPACE_UUID = answer('workspaceUuid', '<uuid>');
const ACCOUNT = answer('account', '<12 digits>');
const REGION = answer('region', '<region>');
const REPO_UUID = answer('repoUuid', '<uuid>');
const ROLE_NAME = answer('roleName', '<name>');
const IAC = answer('iac', 'terraform|cloudformation|both|none');
const AUTH = answer('auth', 'token-file|assume-role');
const SESSION_DURATION = answer('sessionDuration', '<duration>');
const TARGET = answer('target', '<id>[,<id>…]');
const ENVIRONMENT = answer('environments', '<name>[=<uuid>][:<type>]');

const ANSWERS_FILE = option({
  flag: 'answers',
  value: '<file.json>',
  description: `answers as a JSON object keyed by answer name, or a generated ${MANIFEST_FILE}; flags win`,
});
const GALLERY = option({
  flag: 'gallery',
  value: '<dir>',
  description: 'a folder of target definitions (*.json) added to the built-in targets',
});
/** A checked repository's manifest may name only a gallery inside it: this one is taken from the user instead. */
const CHECKED_GALLERY = option({
  ...GALLERY,
  description: 'the target definitions of the checked repositories, when their gallery is not inside them',
});
/** The manifest of the repository worked on may name only a gallery inside it: this one is taken from the user instead. */
const REPOSITORY_GALLERY = option({
  ...GALLERY,
  description: "the repository's target definitions, when its gallery is not inside it",
});
const DRY_RUN = option({ flag: 'dry-run', description: 'list what would be written, write nothing' });
const FORCE = option({
  flag: 'force',
  description: 'overwrite the generated files in a non-empty folder; other files are left alone',
});
const NEW_FORCE = option({
  flag: 'force',
  description:
    'overwrite the files of a folder pipelines-oidc generated before; a folder it did not generate is added to, never overwritten',
});
const FORCE_OURS = option({
  flag: 'force',
  description: 'take our version of every file you edited instead of merging; yours is kept as <file>.orig',
});
const YES = option({ flag: 'yes', short: 'y', description: 'ask nothing: take flags, --answers and defaults' });
const JSON_OUTPUT = option({ flag: 'json', description: 'print the result as JSON (asks nothing)' });
const REPO_DIR = option({ flag: 'dir', value: '<repo>', default: '.', description: 'the generated repository' });
const DIFF = option({ flag: 'diff', description: 'show the change of every file as a unified diff' });
const SCHEMA = option({
  flag: 'schema',
  value: '<file>',
  description: `Atlassian's ${PIPELINE_FILE} JSON schema from a file instead of the cached copy`,
});
/** How `check` prints its report: for a person, for a program, for code scanning, for a CI's test report. */
export const CHECK_FORMATS = ['text', 'json', 'sarif', 'junit'] as const;
export type CheckFormat = (typeof CHECK_FORMATS)[number];
const PROFILE = option({ flag: 'profile', value: '<p>', description: 'the AWS profile to use' });
const AWS_REGION = option({
  flag: 'region',
  value: '<r>',
  default: "the repository's region",
  description: 'the AWS region to call',
});

const PUSH_TIMEOUT = option({
  flag: 'push-timeout',
  value: '<seconds>',
  default: String(TIMEOUTS.push),
  description: `give up a push that gets no answer for this long (1 to ${TIMEOUTS.max}); the local repository is kept`,
});
const AWS_TIMEOUT = option({
  flag: 'timeout',
  value: '<seconds>',
  default: String(TIMEOUTS.aws),
  description: `give up an AWS request that gets no answer for this long (1 to ${TIMEOUTS.max}; each of the SDK's 3 attempts)`,
});
const BITBUCKET_TOKEN = option({
  flag: 'bitbucket-token',
  value: '@<file>',
  description:
    'Bitbucket credentials from a file (an access token, or email:api-token); default: BITBUCKET_EMAIL + BITBUCKET_API_TOKEN, or BITBUCKET_ACCESS_TOKEN',
});

/** The workshop's --concurrency (pushes at once): its default and its largest value. */
export const WORKSHOP_CONCURRENCY = { default: 4, max: 32 } as const;

/** The answers of a repository but its targets and environments (in help's order). */
const REPOSITORY_ANSWERS = [
  WORKSPACE,
  WORKSPACE_UUID,
  ACCOUNT,
  REGION,
  REPO_UUID,
  ROLE_NAME,
  IAC,
  AUTH,
  SESSION_DURATION,
] as const;
/** The answers of a repository, as `new` asks them and `update` changes them (in help's order). */
const ANSWER_OPTIONS = [...REPOSITORY_ANSWERS, TARGET, ENVIRONMENT, GALLERY] as const;

/** As written, every name and flag a literal type: CommandName and OptionsOf are derived from it. */
const TABLE = [
  {
    name: 'new',
    args: '<name>',
    summary: 'write a starter repository: pipeline, IAM policies, Terraform/CloudFormation, README',
    options: [
      ...ANSWER_OPTIONS,
      ANSWERS_FILE,
      { flag: 'dir', value: '<path>', default: './<name>', description: 'the folder to write' },
      { flag: 'no-git', description: 'no git repository, no commit' },
      { flag: 'push', value: '<remote-url>', description: 'add the remote as origin and push main' },
      PUSH_TIMEOUT,
      DRY_RUN,
      NEW_FORCE,
      YES,
      { flag: 'json', description: 'print {"dir", "files", "roleArn", "next"} (asks nothing)' },
      {
        flag: 'bitbucket',
        description:
          'set Bitbucket up first (repository, Pipelines, environments, variables: planned, asked, never deleted), then push with the token',
      },
      { flag: 'project', value: '<key>', description: 'with --bitbucket: the project of a repository it creates' },
      { flag: 'apply', description: 'with --bitbucket: then create the IAM side (as pipelines-oidc apply)' },
      { flag: 'run', description: 'with --bitbucket: then run the check pipeline and print its result' },
      BITBUCKET_TOKEN,
    ],
    targetFlags: true,
    examples: [
      "new phub-oidc-check --workspace phub --workspace-uuid '{7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a}' --account 123456789012 --region eu-west-1",
      'new site --answers examples/phub-oidc-check.answers.json --target s3-static-site --site-bucket www.example.com --dry-run',
    ],
  },
  {
    name: 'add',
    args: '<target>',
    summary: 'add a deploy target to a generated repository',
    // the target is the argument; the environments stay as they are
    options: asRecorded([REPO_DIR, ...REPOSITORY_ANSWERS, GALLERY, DIFF, DRY_RUN, FORCE_OURS, YES, JSON_OUTPUT]),
    targetFlags: true,
    examples: [
      'add ecr-push --dir phub-oidc-check --ecr-repository acme/web',
      'add lambda-deploy --function-name acme-api --diff --dry-run',
    ],
  },
  {
    name: 'update',
    args: '',
    summary: 're-render a generated repository with changed answers, keeping hand edits',
    options: asRecorded([REPO_DIR, ...ANSWER_OPTIONS, DIFF, DRY_RUN, FORCE_OURS, YES, JSON_OUTPUT, BITBUCKET_TOKEN]),
    targetFlags: true,
    examples: [
      'update --dir phub-oidc-check --iac cloudformation --diff',
      "update --repo-uuid '{0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d}' --yes",
    ],
  },
  {
    name: 'gallery',
    args: '',
    summary: 'list the deploy targets and the questions each asks',
    options: [GALLERY, { flag: 'json', description: 'print the targets and their questions as JSON' }],
    examples: ['gallery', 'gallery --gallery ./targets --json'],
  },
  {
    name: 'check',
    args: '[dir]',
    summary: 'verify a repository offline (pipeline, trust and inline policies, IaC) and explain a token',
    options: [
      {
        flag: 'format',
        value: `<${CHECK_FORMATS.join('|')}>`,
        default: 'text',
        description: 'how to print the report: sarif for code scanning, junit for a CI test report',
      },
      { flag: 'json', description: 'the same as --format json' },
      {
        flag: 'baseline',
        value: '<file>',
        description:
          'a report an earlier check --format json wrote: its findings (same rule, file and message) do not count',
      },
      SCHEMA,
      {
        flag: 'refresh-schema',
        description: "fetch Atlassian's schema and cache it (check never reaches the network otherwise)",
      },
      CHECKED_GALLERY,
      {
        flag: 'token',
        value: '<jwt|@file>',
        description: 'an OIDC token (or @file holding one): decoded, and evaluated against every trust policy',
      },
    ],
    examples: ['check phub-oidc-check', 'check --format junit --baseline check-baseline.json'],
  },
  {
    name: 'apply',
    args: '[dir]',
    summary: 'create or update the OIDC provider and roles in AWS (plans first, never deletes)',
    options: [
      PROFILE,
      AWS_REGION,
      AWS_TIMEOUT,
      {
        flag: 'thumbprint',
        value: '<sha1>',
        description: 'a certificate thumbprint for a new provider: 40 hex digits (IAM no longer needs one)',
      },
      { flag: 'dry-run', description: 'show the plan, change nothing' },
      { flag: 'yes', short: 'y', description: 'apply the plan without asking' },
      REPOSITORY_GALLERY,
    ],
    examples: ['apply phub-oidc-check --dry-run', 'apply --profile deploy-admin --yes'],
  },
  {
    name: 'doctor',
    args: '[dir]',
    summary: 'compare the live AWS account with the repository, with the fix for each difference',
    options: [
      PROFILE,
      AWS_REGION,
      AWS_TIMEOUT,
      { flag: 'json', description: 'print the checks as JSON' },
      BITBUCKET_TOKEN,
      REPOSITORY_GALLERY,
    ],
    examples: ['doctor phub-oidc-check', 'doctor --profile audit --json'],
  },
  {
    name: 'why',
    args: '[dir]',
    summary:
      "read the real AssumeRoleWithWebIdentity attempts on the repository's roles from CloudTrail, and why each was refused",
    options: [
      PROFILE,
      {
        flag: 'region',
        value: '<r>',
        default: "the repository's region",
        description:
          "the region whose event history to read: that of the STS endpoint the step called (the AWS CLI v2 calls AWS_DEFAULT_REGION's; the global endpoint records in us-east-1)",
      },
      AWS_TIMEOUT,
      {
        flag: 'since',
        value: '<duration>',
        default: '24h',
        description: 'how far back to read (e.g. 30m, 6h, 72h; at most 2160h, the 90 days CloudTrail keeps)',
      },
      { flag: 'json', description: 'print {region, since, attempts, unreadable, otherRoles, truncated} as JSON' },
      REPOSITORY_GALLERY,
    ],
    examples: ['why phub-oidc-check', 'why --since 2h --region us-east-1 --json'],
  },
  {
    name: 'rehearse',
    args: '[dir]',
    summary:
      "run the pipeline's AWS steps locally against an AWS emulator (moto), each call authorized by the role's inline policy",
    options: [
      {
        flag: 'pipeline',
        value: 'custom:<name>|branches:<name>|default',
        description: 'only the oidc steps of this pipeline (default: every pipeline with oidc steps)',
      },
      { flag: 'environment', value: '<name>', description: 'only the steps of this deployment environment' },
      {
        flag: 'runs',
        value: '<1-10>',
        default: '2',
        description: 'how often everything runs: a first deploy and a redeploy take different paths',
      },
      {
        flag: 'endpoint',
        value: '<url>',
        description: 'a running local emulator (http://127.0.0.1:<port>) instead of starting moto_server',
      },
      {
        flag: 'live',
        description:
          'use the provider and roles the emulator holds (made by apply or terraform) instead of creating them',
      },
      {
        flag: 'allow-unknown-commands',
        description:
          'also run the script lines with commands rehearse does not know (it names them when it refuses; only in the sandbox)',
      },
      {
        flag: 'strict',
        description:
          'fail the steps that passed only with made-up inputs (files the repository lacks, added to the scratch copy)',
      },
      {
        flag: 'json',
        description:
          'print {ok, sandbox, tools, madeUp, plan, runs:[{run, steps:[{name, ok, madeUpInputs, image, calls, left, output}]}]}',
      },
      REPOSITORY_GALLERY,
    ],
    examples: ['rehearse phub-oidc-check', 'rehearse --runs 1 --pipeline custom:deploy-s3-static-site --json'],
  },
  {
    name: 'run',
    args: '[dir]',
    summary: "run the repository's check pipeline in Bitbucket and explain a refused token",
    options: [
      {
        flag: 'pipeline',
        value: 'custom:<name>',
        default: 'custom:test-aws-oidc',
        description: `the custom pipeline of ${PIPELINE_FILE} to run`,
      },
      { flag: 'branch', value: '<b>', default: 'main', description: 'the branch to run it on' },
      {
        flag: 'follow',
        description:
          'wait for the end: the result, the log of a failed step, and why STS refused a token; `--follow <build number>` follows a pipeline already started instead of starting one',
      },
      {
        flag: 'follow-timeout',
        value: '<duration>',
        default: `${TIMEOUTS.follow / 60}m`,
        description: `with --follow: stop waiting after this long, exit 1 (e.g. 90s, 30m, 2h; at most ${TIMEOUTS.maxFollow / 3600}h); the pipeline goes on`,
      },
      BITBUCKET_TOKEN,
    ],
    examples: ['run phub-oidc-check --follow', 'run phub-oidc-check --follow 42'],
  },
  {
    name: 'workshop',
    args: '',
    summary: 'a repository per attendee of a roster (optionally an exercise), the IaC of all their roles, and pushes',
    options: [
      {
        flag: 'roster',
        value: '<attendees.csv>',
        required: true,
        description: 'CSV with a header line: attendee, and optionally repo, repo_uuid and target answers',
      },
      {
        flag: 'out',
        value: '<dir>',
        required: true,
        description: "the folder of the attendees' repositories and the facilitator's",
      },
      {
        flag: 'exercise',
        value: '<id>[,<id>…]',
        description: 'exercises handed out round-robin in roster order (none: a plain repository)',
      },
      {
        flag: 'list-exercises',
        alone: true,
        description: 'list the exercises, each with the finding check reports for it',
      },
      WORKSPACE,
      WORKSPACE_UUID,
      ACCOUNT,
      REGION,
      {
        ...ROLE_NAME,
        value: '<prefix>',
        default: DEFAULT_ROLE_PREFIX,
        description: "the prefix of every role name: <prefix>-<attendee's repository>",
      },
      IAC,
      AUTH,
      TARGET,
      {
        ...ENVIRONMENT,
        value: '<name>',
        description: 'a deployment environment (names only: UUIDs differ per repository)',
      },
      GALLERY,
      ANSWERS_FILE,
      {
        flag: 'push-template',
        value: '<url with {repo}>',
        description: "each repository's remote: {repo} becomes the attendee's repository slug",
      },
      {
        flag: 'concurrency',
        value: `<1-${WORKSHOP_CONCURRENCY.max}>`,
        default: String(WORKSHOP_CONCURRENCY.default),
        description: `pushes at once: a whole number from 1 to ${WORKSHOP_CONCURRENCY.max}`,
      },
      PUSH_TIMEOUT,
      DRY_RUN,
      FORCE,
      YES,
      { flag: 'json', description: 'print every attendee, folder and push result as JSON (asks nothing)' },
      {
        flag: 'bitbucket',
        description:
          "set every attendee's repository up in Bitbucket first (repository, Pipelines, environments, variables: planned, asked, never deleted), then push each with the token",
      },
      { flag: 'project', value: '<key>', description: 'with --bitbucket: the project of the repositories it creates' },
      BITBUCKET_TOKEN,
    ],
    targetFlags: true,
    examples: [
      "workshop --roster attendees.csv --out workshop --workspace phub --workspace-uuid '{7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a}' --account 123456789012 --region eu-west-1",
      "workshop --roster attendees.csv --out workshop --answers base.json --exercise sub-exact,none --push-template 'git@bitbucket.org:phub/{repo}.git'",
    ],
  },
  {
    name: 'workshop grade',
    args: '<dir>',
    summary: "check every attendee's repository of a workshop folder and tell which exercises are fixed",
    options: [{ flag: 'json', description: 'print a row per attendee as JSON' }, SCHEMA, CHECKED_GALLERY],
    examples: ['workshop grade workshop', 'workshop grade workshop --json'],
  },
] as const satisfies readonly CommandSpec[];

export const COMMAND_TABLE: readonly (CommandSpec & { readonly name: CommandName })[] = TABLE;

/**
 * `add` and `update` start from the answers the repository records: a flag changes one. The types stay
 * true: an answer's `required` and `default` are optional in them.
 */
function asRecorded<const T extends readonly OptionSpec[]>(options: T): T {
  return options.map((option) => {
    if (option.answer === undefined) return option;
    const { required: _required, ...rest } = option;
    return { ...rest, default: 'the recorded answer' };
  }) as readonly OptionSpec[] as T;
}

type Table = typeof TABLE;

/** A command as the table names it and as typed after `pipelines-oidc`: `new`, …, `workshop grade`. */
export type CommandName = Table[number]['name'];

/** The commands that take the gallery's target questions as flags too. */
export type TargetCommand = Extract<Table[number], { targetFlags: true }>['name'];

type OptionOf<C extends CommandName> = Extract<Table[number], { name: C }>['options'][number];

/** `dry-run` → `dryRun`: an option's key in OptionsOf, spelled as TypeScript names things. */
export type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

/** A switch is a boolean; a value is a string (a repeated option's values joined), there for sure when required. */
type ValueOf<O> = O extends { value: string } ? (O extends { required: true } ? string : string | undefined) : boolean;

/**
 * The options of command `C` as `parseCommand` returns them, keyed by the camelCase of their flag
 * (`--dry-run` → `dryRun`); an option given alone (`--list-exercises`) is not among them. For a union of
 * commands, the union of their options.
 */
export type OptionsOf<C extends CommandName> = C extends CommandName
  ? { readonly [O in Exclude<OptionOf<C>, { alone: true }> as CamelCase<O['flag']>]: ValueOf<O> }
  : never;

/** The options of `C` that are given alone, with no other argument, by the key OptionsOf would give them. */
export type AloneOf<C extends CommandName> = CamelCase<Extract<OptionOf<C>, { alone: true }>['flag']>;

/** The key of a flag in OptionsOf: its camelCase. */
export function optionKey<F extends string>(flag: F): CamelCase<F> {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()) as CamelCase<F>;
}

/** Whether the gallery's target questions are flags of `name` too. */
export function takesTargetFlags(name: CommandName): name is TargetCommand {
  return commandSpec(name)?.targetFlags === true;
}

export function commandSpec(name: string): CommandSpec | undefined {
  return COMMAND_TABLE.find((c) => c.name === name);
}

/** Every flag some command (or the CLI itself) takes, with the commands that take it. */
export function commandFlags(): Map<string, string[]> {
  const flags = new Map<string, string[]>();
  for (const c of COMMAND_TABLE) for (const o of c.options) flags.set(o.flag, [...(flags.get(o.flag) ?? []), c.name]);
  for (const o of GLOBAL_OPTIONS) flags.set(o.flag, ['pipelines-oidc']);
  return flags;
}
