/**
 * The IAM actions an AWS CLI command calls, on every path the rehearsals take (first deploy and
 * redeploy, waiters included). Each entry is proven by a rehearsal: the rehearse test runs every
 * gallery step and compares what the CLI really called with this table.
 */

export interface CliPermission {
  /** `service command`, or `service wait waiter`. */
  command: string;
  actions: string[];
  /** Further actions when a flag is given, e.g. `s3 sync --delete`. */
  withFlag?: Record<string, string[]>;
}

export const CLI_PERMISSIONS: readonly CliPermission[] = [
  { command: 'iam get-role', actions: ['iam:GetRole'] },
  { command: 's3 sync', actions: ['s3:ListBucket', 's3:PutObject'], withFlag: { '--delete': ['s3:DeleteObject'] } },
  { command: 'cloudfront create-invalidation', actions: ['cloudfront:CreateInvalidation'] },
  { command: 'cloudfront wait invalidation-completed', actions: ['cloudfront:GetInvalidation'] },
  { command: 'ecr get-authorization-token', actions: ['ecr:GetAuthorizationToken'] },
  { command: 'ecr get-login-password', actions: ['ecr:GetAuthorizationToken'] },
  { command: 'lambda update-function-code', actions: ['lambda:UpdateFunctionCode'] },
  { command: 'lambda wait function-updated', actions: ['lambda:GetFunctionConfiguration'] },
  { command: 'lambda publish-version', actions: ['lambda:PublishVersion'] },
  { command: 'ecs register-task-definition', actions: ['ecs:RegisterTaskDefinition'] },
  { command: 'ecs update-service', actions: ['ecs:UpdateService'] },
  { command: 'ecs wait services-stable', actions: ['ecs:DescribeServices'] },
  // a redeploy also reads the deployed template's parameters (GetTemplateSummary) before its change set
  {
    command: 'cloudformation deploy',
    actions: [
      'cloudformation:DescribeStacks',
      'cloudformation:GetTemplateSummary',
      'cloudformation:CreateChangeSet',
      'cloudformation:DescribeChangeSet',
      'cloudformation:ExecuteChangeSet',
    ],
  },
  {
    command: 'codeartifact login',
    actions: ['codeartifact:GetAuthorizationToken', 'sts:GetServiceBearerToken', 'codeartifact:GetRepositoryEndpoint'],
  },
];

/** `aws <service> <command> [<waiter>]` wherever it stands in a line (also inside `$(…)`), with the rest of its words. */
const AWS_CALL = /(?:^|[\s;|&(`])aws\s+([a-z0-9-]+)\s+([a-z0-9-]+)(?:\s+([a-z0-9-]+))?([^;|&)`]*)/g;

/** The table's entries a script line runs, with the actions each needs given its flags. */
export function cliPermissionsOf(line: string): Array<{ command: string; actions: string[] }> {
  return [...line.matchAll(AWS_CALL)].flatMap((m) => {
    const [, service, command, third = '', rest = ''] = m as unknown as string[];
    const entry =
      CLI_PERMISSIONS.find((e) => e.command === `${service} ${command} ${third}`) ??
      CLI_PERMISSIONS.find((e) => e.command === `${service} ${command}`);
    if (!entry) return [];
    const words = `${third} ${rest}`.split(/\s+/);
    const extra = Object.entries(entry.withFlag ?? {}).flatMap(([flag, actions]) =>
      words.includes(flag) ? actions : [],
    );
    return [{ command: `aws ${entry.command}`, actions: [...entry.actions, ...extra] }];
  });
}
