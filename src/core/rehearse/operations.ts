/**
 * Which IAM action an AWS API request needs, on which resource, with which condition keys — read from the
 * request itself (credential scope, `X-Amz-Target`, `Action=`, REST path), as IAM authorizes it. Covers
 * the services the gallery's steps call; anything else is named `<service>:<Operation>` on `*`.
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

const check = (action: string, resource: string, context: Record<string, string> = {}): Authorization => ({
  action,
  resource,
  context,
});
const passRole = (scope: Scope, roleArn: string, service: string) =>
  check('iam:PassRole', roleArn, { 'iam:PassedToService': service });
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const roleArnOf = (scope: Scope, nameOrArn: string) =>
  nameOrArn.startsWith('arn:') ? nameOrArn : `arn:${scope.partition}:iam::${scope.account}:role/${nameOrArn}`;

function query(req: AwsRequest, scope: Scope): Operation {
  const service = req.service ?? 'sts';
  const name = req.form['Action'] ?? 'Unknown';
  const action = `${service}:${name}`;
  const f = req.form;
  if (service === 'iam') {
    const resource = f['RoleName'] ? roleArnOf(scope, f['RoleName']) : (f['OpenIDConnectProviderArn'] ?? '*');
    return { service, name, checks: [check(action, resource)] };
  }
  if (service === 'sts') return { service, name, checks: [check(action, f['RoleArn'] ?? '*')] };
  if (service === 'cloudformation') {
    const stack = f['StackName'];
    const resource = !stack
      ? '*'
      : stack.startsWith('arn:')
        ? stack
        : `arn:${scope.partition}:cloudformation:${scope.region}:${scope.account}:stack/${stack}/*`;
    const role = f['RoleARN'];
    const checks = [check(action, resource, role ? { 'cloudformation:RoleArn': role } : {})];
    if (role) checks.push(passRole(scope, role, 'cloudformation.amazonaws.com'));
    return { service, name, checks };
  }
  return { service, name, checks: [check(action, '*')] };
}

function json(req: AwsRequest, scope: Scope): Operation {
  const [prefix = '', name = 'Unknown'] = (req.target ?? '').split('.');
  const service = req.service ?? prefix;
  const body = req.json;
  const arn = (rest: string) => `arn:${scope.partition}:${service}:${scope.region}:${scope.account}:${rest}`;
  if (service === 'ecr') {
    const repository = str(body['repositoryName']);
    return { service, name, checks: [check(`ecr:${name}`, repository ? arn(`repository/${repository}`) : '*')] };
  }
  if (service === 'ecs') {
    if (name === 'RegisterTaskDefinition') {
      const checks = [check('ecs:RegisterTaskDefinition', arn(`task-definition/${str(body['family']) ?? ''}:*`))];
      for (const key of ['taskRoleArn', 'executionRoleArn']) {
        const role = str(body[key]);
        if (role) checks.push(passRole(scope, role, 'ecs-tasks.amazonaws.com'));
      }
      return { service, name, checks };
    }
    const cluster = (str(body['cluster']) ?? 'default').replace(/^arn:.*:cluster\//, '');
    const services =
      name === 'DescribeServices' ? ((body['services'] as string[] | undefined) ?? []) : [str(body['service']) ?? ''];
    const resources = services.map((s) => (s.startsWith('arn:') ? s : arn(`service/${cluster}/${s}`)));
    return { service, name, checks: resources.map((r) => check(`ecs:${name}`, r)) };
  }
  return { service, name, checks: [check(`${service}:${name}`, '*')] };
}

const LAMBDA_PATHS: Array<[string, RegExp, string]> = [
  ['PUT', /^\/2015-03-31\/functions\/([^/]+)\/code$/, 'UpdateFunctionCode'],
  ['GET', /^\/2015-03-31\/functions\/([^/]+)\/configuration$/, 'GetFunctionConfiguration'],
  ['PUT', /^\/2015-03-31\/functions\/([^/]+)\/configuration$/, 'UpdateFunctionConfiguration'],
  ['POST', /^\/2015-03-31\/functions\/([^/]+)\/versions$/, 'PublishVersion'],
  ['GET', /^\/2015-03-31\/functions\/([^/]+)$/, 'GetFunction'],
];

const CLOUDFRONT_PATHS: Array<[string, RegExp, string]> = [
  ['POST', /^\/\d{4}-\d{2}-\d{2}\/distribution\/([^/]+)\/invalidation$/, 'CreateInvalidation'],
  ['GET', /^\/\d{4}-\d{2}-\d{2}\/distribution\/([^/]+)\/invalidation\/[^/]+$/, 'GetInvalidation'],
  ['GET', /^\/\d{4}-\d{2}-\d{2}\/distribution\/([^/]+)$/, 'GetDistribution'],
];

const CODEARTIFACT_PATHS: Array<[string, RegExp, string]> = [
  ['POST', /^\/v1\/authorization-token$/, 'GetAuthorizationToken'],
  ['GET', /^\/v1\/repository\/endpoint$/, 'GetRepositoryEndpoint'],
];

function byPath(table: Array<[string, RegExp, string]>, req: AwsRequest): { name: string; id: string } | undefined {
  for (const [method, pattern, name] of table) {
    const m = req.method === method ? pattern.exec(req.path) : null;
    if (m) return { name, id: decodeURIComponent(m[1] ?? '') };
  }
  return undefined;
}

function s3(req: AwsRequest, scope: Scope): Operation {
  const [, bucket = '', ...rest] = req.path.split('/');
  const key = rest.map(decodeURIComponent).join('/');
  const bucketArn = `arn:${scope.partition}:s3:::${bucket}`;
  const objectArn = (k: string) => `${bucketArn}/${k}`;
  const m = req.method;
  if (!key) {
    if ('delete' in req.query && m === 'POST') {
      const keys = [...req.body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((x) =>
        x[1]!
          .replace(/&amp;/g, '&')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&quot;/g, '"')
          .replace(/&apos;/g, "'"),
      );
      return { service: 's3', name: 'DeleteObjects', checks: keys.map((k) => check('s3:DeleteObject', objectArn(k))) };
    }
    if (m === 'GET' || m === 'HEAD')
      return {
        service: 's3',
        name: m === 'HEAD' ? 'HeadBucket' : 'ListObjectsV2',
        checks: [check('s3:ListBucket', bucketArn)],
      };
    if (m === 'PUT') return { service: 's3', name: 'CreateBucket', checks: [check('s3:CreateBucket', bucketArn)] };
    return { service: 's3', name: `${m} bucket`, checks: [check(`s3:${m}Bucket`, bucketArn)] };
  }
  if (m === 'GET' || m === 'HEAD')
    return {
      service: 's3',
      name: m === 'HEAD' ? 'HeadObject' : 'GetObject',
      checks: [check('s3:GetObject', objectArn(key))],
    };
  if (m === 'DELETE')
    return {
      service: 's3',
      name: 'DeleteObject',
      checks: [check(req.query['uploadId'] ? 's3:AbortMultipartUpload' : 's3:DeleteObject', objectArn(key))],
    };
  // PUT, and the multipart upload's POSTs, all need s3:PutObject
  return {
    service: 's3',
    name: m === 'PUT' ? 'PutObject' : 'MultipartUpload',
    checks: [check('s3:PutObject', objectArn(key))],
  };
}

/** The IAM checks one request needs. `scope` supplies the account and region ARNs are built with. */
export function operationOf(req: AwsRequest, scope: Scope): Operation {
  if (req.form['Action']) return query(req, scope);
  if (req.target) return json(req, scope);
  const service = req.service ?? 'unknown';
  if (service === 's3') return s3(req, scope);
  if (service === 'lambda') {
    const hit = byPath(LAMBDA_PATHS, req);
    const name = hit?.name ?? `${req.method} ${req.path}`;
    const fn = hit?.id ?? '';
    const resource = fn.startsWith('arn:')
      ? fn
      : `arn:${scope.partition}:lambda:${scope.region}:${scope.account}:function:${fn}`;
    return { service, name, checks: [check(`lambda:${name}`, hit ? resource : '*')] };
  }
  if (service === 'cloudfront') {
    const hit = byPath(CLOUDFRONT_PATHS, req);
    const name = hit?.name ?? `${req.method} ${req.path}`;
    return {
      service,
      name,
      checks: [
        check(
          `cloudfront:${name}`,
          hit ? `arn:${scope.partition}:cloudfront::${scope.account}:distribution/${hit.id}` : '*',
        ),
      ],
    };
  }
  if (service === 'codeartifact') {
    const hit = byPath(CODEARTIFACT_PATHS, req);
    const domain = req.query['domain'] ?? '';
    const arn = (rest: string) =>
      `arn:${scope.partition}:codeartifact:${scope.region}:${req.query['domain-owner'] ?? scope.account}:${rest}`;
    if (hit?.name === 'GetAuthorizationToken') {
      return {
        service,
        name: hit.name,
        // the token is an STS bearer token: IAM also checks sts:GetServiceBearerToken for CodeArtifact
        checks: [
          check('codeartifact:GetAuthorizationToken', arn(`domain/${domain}`)),
          check('sts:GetServiceBearerToken', '*', { 'sts:AWSServiceName': 'codeartifact.amazonaws.com' }),
        ],
      };
    }
    if (hit)
      return {
        service,
        name: hit.name,
        checks: [check(`codeartifact:${hit.name}`, arn(`repository/${domain}/${req.query['repository'] ?? ''}`))],
      };
  }
  return { service, name: `${req.method} ${req.path}`, checks: [check(`${service}:${req.method}`, '*')] };
}

/** Operations everyone may call: IAM does not authorize them. */
export const UNAUTHORIZED_ACTIONS = ['sts:GetCallerIdentity'];
