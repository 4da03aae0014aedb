/**
 * The rehearsal's AWS endpoint on loopback. It answers STS AssumeRoleWithWebIdentity itself (token
 * signature, provider, audience and trust policy judged as STS would), authorizes every other call
 * against the session's inline policy, records it, and passes it to the emulator — or answers it
 * itself where the emulator cannot (listed in EMULATED).
 */
import { createVerify, randomBytes } from 'node:crypto';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { explainToken, decodeToken, type Provider } from '../../core/check/index.js';
import { KMS_OPERATIONS, packageCheck, packageName, type AwsRequest, type Scope } from '../../core/aws/index.js';
import { ecsRollout } from './ecs-rollout.js';
import {
  authorize,
  judgeStackTemplate,
  type Verdict,
  operationOf,
  UNAUTHORIZED_ACTIONS,
} from '../../core/rehearse/index.js';
import { emulatorGet, kmsKeys } from './sse-kms.js';

/** What the emulator lacks, and how the front fills in: the rehearsal prints this. */
export const EMULATED = [
  'sts:AssumeRoleWithWebIdentity: token signature, provider, audience and trust policy judged here (moto checks no trust policy), credentials issued by moto',
  "authorization: every call judged here against the role's inline policy (moto compares resources only for S3, IAM and STS, and treats every condition as unmet)",
  "cloudformation: the template of a change set is judged here (moto checks none of it): the capabilities it needs, the caller's right to each AWS transform, and each resource's create actions against the service role's policies; a resource the service role may not create fails ExecuteChangeSet here, where AWS would roll the stack back (ROLLBACK_COMPLETE)",
  "cloudformation: a change set's TemplateURL (`deploy --s3-bucket`) is read here from the emulator's S3 with the caller's rights, as CloudFormation reads it, and handed to the emulator as the template body (moto reads TemplateURLs only on AWS's hosts)",
  "s3: the customer managed KMS key an object's data is encrypted with (the request's SSE-KMS headers, its multipart upload's, the object's, else the bucket's default encryption) is looked up in the emulator and kms:GenerateDataKey or kms:Decrypt authorized on it, as S3 asks KMS with the caller's credentials (moto calls no KMS)",
  'codeartifact: GetAuthorizationToken, GetRepositoryEndpoint, DescribePackageVersion and the package registry answered here (moto has no CodeArtifact); the registry keeps what is published and refuses a version again, as CodeArtifact does',
  'ecr: BatchCheckLayerAvailability, InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload answered here (moto lacks them)',
  "ecs: an UpdateService is judged here before moto applies it (moto starts no task and reports every revision running): an image of this account's ECR that its repository lacks cannot be pulled, so the tasks fail to start and DescribeServices answers as after the deployment circuit breaker's rollback (one PRIMARY deployment on the previous revision, rollout COMPLETED, the circuit breaker's reason); whether tasks start and stay up is not proven",
  'cloudfront: the answered distribution ID is mapped onto the one moto created; an invalidation is InProgress when created and at its first read, then Completed as AWS spells it (moto answers COMPLETED at once, which the waiter of the CLI never accepts), so a waiter polls at least twice',
];

export interface RoleSource {
  /** Trust policy, inline policies, and the provider, as the repository files say or as the emulator holds them. */
  role(arn: string): Promise<{ trustPolicy: unknown; policies: unknown[] } | undefined>;
  provider(issuer: string): Promise<Provider | undefined>;
  /** Every identity policy of a role in the emulator (a CloudFormation service role), or undefined without the role. */
  policies(arn: string): Promise<unknown[] | undefined>;
}

export interface RecordedCall {
  operation: string;
  action: string;
  resource: string;
  /** Condition keys the request sets (iam:PassedToService, …), when it sets any. */
  context?: Record<string, string>;
  allowed: boolean;
  reason: string;
  missing?: Verdict['missing'];
  /** What the rehearsal could not judge of this call: a green does not prove it. */
  unproven?: string[];
  /** An ECS service update ECS would roll back, and why. */
  rollout?: string;
}

interface Session {
  roleArn: string;
  sessionArn: string;
  policies: unknown[];
}

export interface Front {
  url: string;
  /** Calls since the last `take()`. */
  take(): RecordedCall[];
  /** The answered name of a resource whose emulator name differs (a CloudFront distribution ID). */
  alias(answered: string, actual: string): void;
  close(): Promise<void>;
}

const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const tag = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseRequest(req: IncomingMessage, body: Buffer): AwsRequest {
  const url = new URL(req.url ?? '/', 'http://front');
  const type = String(req.headers['content-type'] ?? '');
  const text = body.toString('utf8');
  const scope = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(String(req.headers['authorization'] ?? ''));
  let json: Record<string, unknown> = {};
  if (type.includes('json') && text) {
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = {};
    }
  }
  const form = type.includes('x-www-form-urlencoded') ? Object.fromEntries(new URLSearchParams(text)) : {};
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    ...(scope ? { service: scope[1]! } : {}),
    ...(req.headers['x-amz-target'] ? { target: String(req.headers['x-amz-target']) } : {}),
    form: { ...Object.fromEntries(url.searchParams), ...form },
    json,
    body: text,
  };
}

/** An error in the shape the request's protocol uses, so the AWS CLI prints it as AWS's own. */
function sendError(res: ServerResponse, req: AwsRequest, status: number, code: string, message: string): void {
  if (req.target || req.service === 'lambda' || req.service === 'codeartifact') {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': code });
    res.end(JSON.stringify({ __type: code, message, Message: message }));
    return;
  }
  res.writeHead(status, { 'content-type': 'text/xml' });
  const error = `<Error><Type>Sender</Type><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message></Error>`;
  res.end(
    req.service === 's3'
      ? `<?xml version="1.0" encoding="UTF-8"?>\n${error}`
      : `<ErrorResponse>${error}<RequestId>${randomBytes(8).toString('hex')}</RequestId></ErrorResponse>`,
  );
}

function sendJson(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

function forward(
  moto: string,
  req: IncomingMessage,
  body: Buffer,
  path: string,
  rewrite?: (text: string) => string,
): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  const target = new URL(moto);
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    const out = httpRequest({ host: target.hostname, port: target.port, method: req.method, path, headers }, (res) => {
      readBody(res).then((raw) => {
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers))
          if (v !== undefined && k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection')
            h[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({
          status: res.statusCode ?? 500,
          headers: h,
          body: rewrite ? Buffer.from(rewrite(raw.toString('utf8'))) : raw,
        });
      }, reject);
    });
    out.on('error', reject);
    out.end(body);
  });
}

function verifySignature(token: string, publicKey: string): boolean {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) return false;
  return createVerify('RSA-SHA256')
    .update(`${header}.${payload}`)
    .verify(publicKey, Buffer.from(signature, 'base64url'));
}

export async function startFront(options: {
  moto: string;
  scope: Scope;
  publicKey: string;
  roles: RoleSource;
  now: () => Date;
}): Promise<Front> {
  const { moto, scope } = options;
  const sessions = new Map<string, Session>();
  const registryTokens = new Map<string, Session>();
  const aliases = new Map<string, string>();
  const polled = new Map<string, number>();
  /** How many times this invalidation has been read, this time included. */
  const invalidationPolls = (path: string) => {
    const n = (polled.get(path) ?? 0) + 1;
    polled.set(path, n);
    return n;
  };
  /** Stack name → the service role's denied create actions, failing its ExecuteChangeSet. */
  const rollbacks = new Map<string, RecordedCall[]>();
  /** Published versions by package (`<domain>/<repository>/<format>/<namespace>/<name>`), across runs. */
  const published = new Map<string, Set<string>>();
  const assets = new Set<string>();
  const packageKey = (domain: string, repository: string, format: string, given: string, namespace?: string) => {
    const p = packageName(format, given, namespace);
    return `${domain}/${repository}/${format}/${p.namespace}/${p.name}`;
  };
  const keys = kmsKeys(moto);
  let calls: RecordedCall[] = [];
  let url = '';
  const rollout = ecsRollout(moto, scope, options.now);

  const judge = (
    session: Session,
    operation: string,
    checks: ReturnType<typeof operationOf>['checks'],
  ): RecordedCall[] =>
    checks.map((c) => {
      const free = UNAUTHORIZED_ACTIONS.includes(c.action);
      const verdict = free ? { allowed: true, reason: 'needs no permission' } : authorize(session.policies, c);
      return {
        operation,
        action: c.action,
        resource: c.resource,
        ...(Object.keys(c.context).length ? { context: c.context } : {}),
        allowed: verdict.allowed,
        reason: verdict.reason,
        ...('missing' in verdict && verdict.missing ? { missing: verdict.missing } : {}),
      };
    });

  const denial = (session: Session, call: RecordedCall) =>
    `User: ${session.sessionArn} is not authorized to perform: ${call.action} on resource: ${call.resource} ${call.reason.startsWith('explicitly denied') ? 'with an explicit deny in an identity-based policy' : `because no identity-based policy allows the ${call.action} action`}`;

  async function assumeRole(
    req: IncomingMessage,
    body: Buffer,
    parsed: AwsRequest,
    res: ServerResponse,
  ): Promise<void> {
    const roleArn = parsed.form['RoleArn'] ?? '';
    const token = parsed.form['WebIdentityToken'] ?? '';
    const record = (allowed: boolean, reason: string) =>
      calls.push({
        operation: 'AssumeRoleWithWebIdentity',
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: roleArn,
        allowed,
        reason,
      });
    const refuse = (status: number, code: string, message: string, reason: string) => {
      record(false, reason);
      sendError(res, parsed, status, code, message);
    };
    let claims;
    try {
      claims = decodeToken(token).claims;
    } catch (e) {
      return refuse(
        400,
        'InvalidIdentityToken',
        "Couldn't retrieve verification key from your identity provider",
        (e as Error).message,
      );
    }
    if (!verifySignature(token.trim(), options.publicKey))
      return refuse(
        400,
        'InvalidIdentityToken',
        'The web identity token signature could not be verified',
        'the token is not signed by the rehearsal key',
      );
    const provider = await options.roles.provider(claims.iss);
    if (!provider)
      return refuse(
        400,
        'InvalidIdentityToken',
        `No OpenIDConnect provider found in your account for ${claims.iss}`,
        `no provider for ${claims.iss}`,
      );
    const role = await options.roles.role(roleArn);
    if (!role)
      return refuse(
        403,
        'AccessDenied',
        `Not authorized to perform sts:AssumeRoleWithWebIdentity`,
        `no role ${roleArn}`,
      );
    const report = explainToken(
      claims,
      [{ name: roleArn, trustPolicy: role.trustPolicy, file: roleArn }],
      provider,
      options.now(),
    );
    const verdict = report.roles[0]!;
    if (!verdict.accepted) {
      const audience = !provider.clientIds.some((id) =>
        (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).includes(id),
      );
      const reason = verdict.reasons.join('; ');
      return audience
        ? refuse(400, 'InvalidIdentityToken', 'Incorrect token audience', reason)
        : refuse(403, 'AccessDenied', `Not authorized to perform sts:AssumeRoleWithWebIdentity (${reason})`, reason);
    }
    const answer = await forward(moto, req, body, req.url ?? '/');
    const xml = answer.body.toString('utf8');
    const key = tag(xml, 'AccessKeyId');
    if (answer.status !== 200 || !key) {
      record(false, `the emulator refused: ${tag(xml, 'Message') ?? answer.status}`);
    } else {
      sessions.set(key, { roleArn, sessionArn: tag(xml, 'Arn') ?? roleArn, policies: role.policies });
      record(true, 'trust policy allows the token');
    }
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }

  /** The package registry behind GetRepositoryEndpoint: npm, pip and twine reach it with the CodeArtifact token. */
  function registry(req: IncomingMessage, parsed: AwsRequest, res: ServerResponse): void {
    const [, , domain = '', repository = '', format = '', ...rest] = parsed.path.split('/');
    const auth = String(req.headers['authorization'] ?? '');
    const token = auth.startsWith('Bearer ')
      ? auth.slice(7)
      : auth.startsWith('Basic ')
        ? (Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':')[1] ?? '')
        : '';
    const session = registryTokens.get(token);
    if (!session) {
      res.writeHead(401);
      res.end('Unauthenticated: the CodeArtifact token is missing or unknown');
      return;
    }
    // npm publishes to /<name> (`@scope%2Fname`) with the version in the document, twine posts name and version
    const publishing =
      req.method === 'GET'
        ? undefined
        : format === 'npm'
          ? decodeURIComponent(rest.join('/'))
          : (parsed.form['name'] ?? '');
    const check = packageCheck(scope, { domain, repository, format }, publishing);
    const [call] = judge(session, `${format} registry ${req.method}`, [check]);
    calls.push(call!);
    if (!call!.allowed) {
      res.writeHead(403);
      res.end(denial(session, call!));
      return;
    }
    if (publishing !== undefined) {
      const version =
        format === 'npm'
          ? Object.keys((parsed.json['versions'] as Record<string, unknown> | undefined) ?? {})[0]
          : parsed.form['version'];
      if (!version) {
        res.writeHead(400);
        res.end(`Bad Request: no version of ${publishing} in the request`);
        return;
      }
      const key = packageKey(domain, repository, format, publishing);
      const versions = published.get(key) ?? new Set<string>();
      // a PyPI version is its files (wheel, sdist), each uploaded once; an npm version is one document
      const asset = `${key}@${version}/${parsed.form['filename'] ?? ''}`;
      if (format === 'pypi' ? assets.has(asset) : versions.has(version)) {
        res.writeHead(409);
        res.end(`Conflict: You cannot publish over the previously published versions: ${version}`);
        return;
      }
      published.set(key, versions.add(version));
      assets.add(asset);
    }
    sendJson(res, { ok: true });
  }

  /**
   * The template a change set names by TemplateURL, read as CloudFormation reads it: from S3, with the
   * caller's credentials (path-style, as `aws cloudformation deploy --s3-bucket` writes it).
   */
  async function templateAt(
    templateUrl: string,
    session: Session,
    headers: IncomingMessage['headers'],
  ): Promise<{ calls: RecordedCall[]; text?: string }> {
    let path: string;
    try {
      path = new URL(templateUrl).pathname;
    } catch {
      path = '';
    }
    const object: AwsRequest = { method: 'GET', path, query: {}, service: 's3', form: {}, json: {}, body: '' };
    // a URL that names no object of a bucket names no template
    if (operationOf(object, scope).name !== 'GetObject') return { calls: [] };
    object.kmsKey = await keys.of(object, 'GetObject', headers);
    const judged = judge(session, 'GetObject (TemplateURL, by CloudFormation)', operationOf(object, scope).checks);
    const answer = judged.every((c) => c.allowed) ? await emulatorGet(moto, path, headers) : undefined;
    return answer?.status === 200 ? { calls: judged, text: answer.body } : { calls: judged };
  }

  /**
   * What CloudFormation checks of a change set's template: the refusal CreateChangeSet answers (capabilities,
   * a transform the caller may not use), else the calls recorded; the service role's denials wait for the
   * change set's execution, as the stack's rollback would.
   */
  async function stackTemplate(
    parsed: AwsRequest,
    name: string,
    session: Session,
  ): Promise<{ calls: RecordedCall[]; refusal?: [number, string, string] }> {
    const stack = parsed.form['StackName'] ?? '';
    const stackArn = `arn:${scope.partition}:cloudformation:${scope.region}:${scope.account}:stack/${stack}/*`;
    const note = (allowed: boolean, reason: string, unproven?: string[]): RecordedCall => ({
      operation: name,
      action: `cloudformation:${name}`,
      resource: stackArn,
      allowed,
      reason,
      ...(unproven?.length ? { unproven } : {}),
    });
    rollbacks.delete(stack);
    const text = parsed.form['TemplateBody'];
    if (text === undefined)
      return { calls: [note(true, 'template not read', ['the request names no template: nothing was evaluated'])] };
    const capabilities = Object.entries(parsed.form)
      .filter(([k]) => /^Capabilities\.member\.\d+$/.test(k))
      .map(([, v]) => v);
    const verdict = judgeStackTemplate(text, { stack, capabilities, scope });
    if (verdict.unreadable)
      return {
        calls: [
          note(true, 'template not read', [
            `the template could not be read (${verdict.unreadable}): nothing of it was evaluated`,
          ]),
        ],
      };
    const transforms = judge(session, name, verdict.transforms);
    const deniedTransform = transforms.find((c) => !c.allowed);
    if (deniedTransform) return { calls: transforms, refusal: [403, 'AccessDenied', denial(session, deniedTransform)] };
    if (verdict.missingCapabilities.length) {
      const message = `Requires capabilities : [${verdict.missingCapabilities.join(', ')}]`;
      return {
        calls: [...transforms, note(false, `InsufficientCapabilities: ${message}`)],
        refusal: [400, 'InsufficientCapabilitiesException', message],
      };
    }
    if (verdict.invalid.length) {
      const message = verdict.invalid.join('; ');
      return { calls: [...transforms, note(false, message)], refusal: [400, 'ValidationError', message] };
    }
    // without a service role CloudFormation creates the resources with the caller's own credentials
    const role = parsed.form['RoleARN'];
    const policies = role ? await options.roles.policies(role) : session.policies;
    if (!policies) {
      const message = `Role ${role} is invalid or cannot be assumed`;
      return { calls: [...transforms, note(false, message)], refusal: [400, 'ValidationError', message] };
    }
    const created = judge(
      { ...session, policies },
      `${name} (resources, as ${role ?? 'the caller'})`,
      verdict.resources,
    );
    const denied = created.filter((c) => !c.allowed);
    if (denied.length) rollbacks.set(stack, denied);
    return {
      calls: [
        ...transforms,
        ...created.filter((c) => c.allowed),
        ...(verdict.notEvaluated.length
          ? [
              note(
                true,
                'template partly judged',
                verdict.notEvaluated.map((n) => `not evaluated: ${n}`),
              ),
            ]
          : []),
      ],
    };
  }

  /** Operations moto lacks, answered here once authorized. */
  function emulate(parsed: AwsRequest, name: string, session: Session, res: ServerResponse): boolean {
    if (parsed.service === 'codeartifact') {
      if (name === 'GetAuthorizationToken') {
        const token = randomBytes(24).toString('base64url');
        registryTokens.set(token, session);
        sendJson(res, { authorizationToken: token, expiration: Math.floor(options.now().getTime() / 1000) + 3600 });
        return true;
      }
      if (name === 'DescribePackageVersion') {
        const q = parsed.query;
        const format = q['format'] ?? '';
        const key = packageKey(q['domain'] ?? '', q['repository'] ?? '', format, q['package'] ?? '', q['namespace']);
        const version = q['version'] ?? '';
        if (!published.get(key)?.has(version)) {
          sendError(
            res,
            parsed,
            404,
            'ResourceNotFoundException',
            `Package version ${version} of ${q['package']} not found`,
          );
          return true;
        }
        const p = packageName(format, q['package'] ?? '', q['namespace']);
        sendJson(res, {
          packageVersion: {
            format,
            ...(p.namespace ? { namespace: p.namespace } : {}),
            packageName: p.name,
            version,
            status: 'Published',
          },
        });
        return true;
      }
      if (name === 'GetRepositoryEndpoint') {
        sendJson(res, {
          repositoryEndpoint: `${url}/registry/${parsed.query['domain']}/${parsed.query['repository']}/${parsed.query['format']}/`,
        });
        return true;
      }
    }
    if (parsed.service === 'ecr') {
      const repo = String(parsed.json['repositoryName'] ?? '');
      const answers: Record<string, unknown> = {
        BatchCheckLayerAvailability: {
          layers: [],
          failures: ((parsed.json['layerDigests'] as string[] | undefined) ?? []).map((d) => ({
            layerDigest: d,
            failureCode: 'MissingLayerDigest',
            failureReason: 'not uploaded yet',
          })),
        },
        InitiateLayerUpload: { uploadId: randomBytes(8).toString('hex'), partSize: 10485760 },
        UploadLayerPart: {
          registryId: scope.account,
          repositoryName: repo,
          uploadId: parsed.json['uploadId'],
          lastByteReceived: 0,
        },
        CompleteLayerUpload: {
          registryId: scope.account,
          repositoryName: repo,
          uploadId: parsed.json['uploadId'],
          layerDigest: (parsed.json['layerDigests'] as string[] | undefined)?.[0],
        },
      };
      if (name in answers) {
        sendJson(res, answers[name]);
        return true;
      }
    }
    return false;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const parsed = parseRequest(req, body);
    if (parsed.path.startsWith('/registry/')) return registry(req, parsed, res);
    if (parsed.form['Action'] === 'AssumeRoleWithWebIdentity') return assumeRole(req, body, parsed, res);
    let op = operationOf(parsed, scope);
    const key = /Credential=([^/]+)\//.exec(String(req.headers['authorization'] ?? ''))?.[1] ?? '';
    const session = sessions.get(key);
    if (!session) {
      calls.push({
        operation: op.name,
        action: op.checks[0]?.action ?? op.name,
        resource: op.checks[0]?.resource ?? '*',
        allowed: false,
        reason: 'not signed with credentials of an assumed OIDC role',
      });
      return sendError(
        res,
        parsed,
        403,
        'InvalidClientTokenId',
        'The security token included in the request is invalid.',
      );
    }
    if (parsed.service === 's3' && KMS_OPERATIONS.includes(op.name)) {
      parsed.kmsKey = await keys.of(parsed, op.name, req.headers);
      op = operationOf(parsed, scope);
    }
    const judged = judge(session, op.name, op.checks);
    calls.push(...judged);
    const denied = judged.find((c) => !c.allowed);
    if (denied)
      return sendError(
        res,
        parsed,
        403,
        parsed.target || parsed.service === 'lambda' ? 'AccessDeniedException' : 'AccessDenied',
        denial(session, denied),
      );
    let forwarded = body;
    if (parsed.service === 'cloudformation' && ['CreateChangeSet', 'CreateStack', 'UpdateStack'].includes(op.name)) {
      const templateUrl = parsed.form['TemplateBody'] === undefined ? parsed.form['TemplateURL'] : undefined;
      if (templateUrl !== undefined) {
        const template = await templateAt(templateUrl, session, req.headers);
        calls.push(...template.calls);
        if (template.text === undefined)
          return sendError(
            res,
            parsed,
            400,
            'ValidationError',
            'TemplateURL must reference a valid S3 object to which you have access.',
          );
        // the emulator reads a TemplateURL only on AWS's hosts: it gets the body CloudFormation would read
        const form = new URLSearchParams(body.toString('utf8'));
        form.delete('TemplateURL');
        form.set('TemplateBody', template.text);
        forwarded = Buffer.from(form.toString());
        parsed.form['TemplateBody'] = template.text;
      }
      const judgedTemplate = await stackTemplate(parsed, op.name, session);
      calls.push(...judgedTemplate.calls);
      if (judgedTemplate.refusal) return sendError(res, parsed, ...judgedTemplate.refusal);
    }
    const rollback = op.name === 'ExecuteChangeSet' ? rollbacks.get(parsed.form['StackName'] ?? '') : undefined;
    if (rollback) {
      calls.push(...rollback);
      return sendError(
        res,
        parsed,
        400,
        'ValidationError',
        `the stack would end in ROLLBACK_COMPLETE: the service role may not ${rollback.map((c) => `${c.action} on ${c.resource}`).join(', ')}`,
      );
    }
    if (emulate(parsed, op.name, session, res)) return;
    let path = req.url ?? '/';
    let rewrite: ((text: string) => string) | undefined;
    if (parsed.service === 'ecs' && op.name === 'UpdateService') {
      const { rollout: rolledBack, unproven } = await rollout.update(
        parsed.json,
        String(req.headers['authorization'] ?? ''),
      );
      Object.assign(judged[0]!, rolledBack ? { rollout: rolledBack } : {}, unproven.length ? { unproven } : {});
    }
    if (parsed.service === 'ecs' && op.name === 'DescribeServices') rewrite = rollout.describe(parsed.json);
    if (parsed.service === 'cloudfront') {
      for (const [answered, actual] of aliases)
        path = path.replace(`/distribution/${answered}/`, `/distribution/${actual}/`);
      // an invalidation is InProgress when created and at its first poll, Completed after: the waiter really waits
      const polls = op.name === 'GetInvalidation' ? invalidationPolls(parsed.path) : 0;
      const status = op.name === 'CreateInvalidation' || polls === 1 ? 'InProgress' : 'Completed';
      rewrite = (text) =>
        [...aliases]
          .reduce((t, [answered, actual]) => t.split(actual).join(answered), text)
          .replace(/<Status>(InProgress|COMPLETED|Completed)<\/Status>/, `<Status>${status}</Status>`);
    }
    const answer = await forward(moto, req, forwarded, path, rewrite);
    if (op.name === 'CreateMultipartUpload' && answer.status === 200)
      keys.started(parsed.kmsKey, answer.body.toString('utf8'));
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`rehearsal front: ${(e as Error).message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    take() {
      const taken = calls;
      calls = [];
      return taken;
    },
    alias(answered, actual) {
      aliases.set(answered, actual);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
