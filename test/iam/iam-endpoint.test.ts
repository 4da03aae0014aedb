/** The local IAM/STS endpoint, driven by the real AWS SDK clients: what they send, parse and retry. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import {
  AddClientIDToOpenIDConnectProviderCommand,
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  DeleteRolePolicyCommand,
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListOpenIDConnectProvidersCommand,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  paginateListRolePolicies,
  PutRolePolicyCommand,
  TagOpenIDConnectProviderCommand,
  TagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateOpenIDConnectProviderThumbprintCommand,
  UpdateRoleCommand,
  type IAMClientConfig,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../support/fixtures.ts';
import {
  applyEnv,
  awsEnv,
  startIamEndpoint,
  TEST_ACCESS_KEY_ID,
  withEnv,
  type IamEndpoint,
} from '../support/iam-endpoint.ts';

const ISSUER = 'https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc';
const AUDIENCE = 'ari:cloud:bitbucket::workspace/0b7e4a8c-5a4b-4d6e-9f10-1c2d3e4f5a6b';
const PROVIDER_ARN =
  'arn:aws:iam::123456789012:oidc-provider/api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc';
const THUMBPRINT = 'a031c46782e6e6c662c2c87c76da9aa62ccabd8e';
const credentials = { accessKeyId: 'AKIDEXPLICIT', secretAccessKey: 'explicit-secret' };

const trustPolicy = (providerArn = PROVIDER_ARN) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: providerArn },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { [`${providerArn.split('oidc-provider/')[1]}:aud`]: AUDIENCE } },
    },
  ],
});
const PERMISSIONS = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }],
};

let iam: IamEndpoint;
let client: IAMClient;
let restoreEnv: () => void;

/**
 * Explicitly configured, as the task's own code may be. The suite still runs with awsEnv applied: the SDK
 * reads retry settings (and a profile) from the environment and ~/.aws lazily, which must not be the machine's.
 */
const newClient = (config: IAMClientConfig = {}) =>
  new IAMClient({ region: 'us-east-1', endpoint: iam.url, credentials, ...config });

type AwsError = Error & { Code?: string; $metadata: { httpStatusCode?: number; attempts?: number } };

async function failure(call: Promise<unknown>): Promise<AwsError> {
  try {
    await call;
  } catch (error) {
    return error as AwsError;
  }
  throw new Error('the call succeeded; it should have failed');
}

function assertError(error: AwsError, name: string, code: string, status: number, message?: string): void {
  assert.is(error.name, name);
  assert.is(error.Code, code);
  assert.is(error.$metadata.httpStatusCode, status);
  if (message !== undefined) assert.is(error.message, message);
}

/** A request as a client without the SDK would send it. */
const rawPost = (body: string, headers: Record<string, string> = {}) =>
  fetch(iam.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });

async function createProvider(): Promise<string> {
  const out = await client.send(
    new CreateOpenIDConnectProviderCommand({ Url: ISSUER, ClientIDList: [AUDIENCE], ThumbprintList: [THUMBPRINT] }),
  );
  return out.OpenIDConnectProviderArn ?? '';
}

test.before(async () => {
  iam = await startIamEndpoint();
  restoreEnv = applyEnv(awsEnv(iam));
  client = newClient();
});
test.before.each(() => iam.reset());
test.after(async () => {
  client.destroy();
  restoreEnv();
  await iam.close();
});

// ---- OpenID Connect providers

test('CreateOpenIDConnectProvider: the ARN from the URL, tags echoed, state holds what was sent', async () => {
  const out = await client.send(
    new CreateOpenIDConnectProviderCommand({
      Url: ISSUER,
      ClientIDList: [AUDIENCE],
      ThumbprintList: [THUMBPRINT],
      Tags: [{ Key: 'owner', Value: 'platform' }],
    }),
  );
  assert.is(out.OpenIDConnectProviderArn, PROVIDER_ARN);
  assert.equal(out.Tags, [{ Key: 'owner', Value: 'platform' }]);
  const stored = iam.state.providers.get(PROVIDER_ARN);
  assert.is(stored?.url, ISSUER);
  assert.equal(stored?.clientIds, [AUDIENCE]);
  assert.equal(stored?.thumbprints, [THUMBPRINT]);
  assert.equal(stored?.tags, { owner: 'platform' });
  assert.equal(iam.calls[0]?.params['ClientIDList.member.1'], AUDIENCE);
});

test('GetOpenIDConnectProvider: Url without https://, lists, CreateDate and tags as IAM returns them', async () => {
  const arn = await createProvider();
  await client.send(
    new TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, Tags: [{ Key: 'a', Value: '1' }] }),
  );
  await client.send(
    new TagOpenIDConnectProviderCommand({
      OpenIDConnectProviderArn: arn,
      Tags: [
        { Key: 'a', Value: '2' },
        { Key: 'b', Value: '' },
      ],
    }),
  );
  const out = await client.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  assert.is(out.Url, ISSUER.slice('https://'.length));
  assert.equal(out.ClientIDList, [AUDIENCE]);
  assert.equal(out.ThumbprintList, [THUMBPRINT]);
  assert.instance(out.CreateDate, Date);
  assert.ok(Math.abs((out.CreateDate?.getTime() ?? 0) - Date.now()) < 60_000, 'CreateDate is about now');
  assert.equal(out.Tags, [
    { Key: 'a', Value: '2' },
    { Key: 'b', Value: '' },
  ]);
});

test('CreateOpenIDConnectProvider without thumbprints: IAM fills one in', async () => {
  await client.send(new CreateOpenIDConnectProviderCommand({ Url: ISSUER, ClientIDList: [] }));
  const out = await client.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER_ARN }));
  assert.equal(out.ClientIDList, []);
  assert.is(out.ThumbprintList?.length, 1);
  assert.match(out.ThumbprintList?.[0] ?? '', /^[0-9a-f]{40}$/);
  assert.is(out.Tags, undefined);
});

test('ListOpenIDConnectProviders lists created and seeded providers', async () => {
  assert.equal((await client.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList, []);
  const seeded = iam.seedProvider({
    url: 'https://token.actions.githubusercontent.com',
    clientIds: ['sts.amazonaws.com'],
  });
  assert.is(seeded.arn, 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com');
  await createProvider();
  const out = await client.send(new ListOpenIDConnectProvidersCommand({}));
  assert.equal(out.OpenIDConnectProviderList, [{ Arn: seeded.arn }, { Arn: PROVIDER_ARN }]);
});

test('AddClientIDToOpenIDConnectProvider appends once; UpdateOpenIDConnectProviderThumbprint replaces', async () => {
  const arn = await createProvider();
  await client.send(
    new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'second' }),
  );
  await client.send(
    new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'second' }),
  );
  const other = 'b'.repeat(40);
  await client.send(
    new UpdateOpenIDConnectProviderThumbprintCommand({ OpenIDConnectProviderArn: arn, ThumbprintList: [other] }),
  );
  const out = await client.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  assert.equal(out.ClientIDList, [AUDIENCE, 'second']);
  assert.equal(out.ThumbprintList, [other]);
});

test('provider errors: duplicate URL, unknown and malformed ARNs, http URL, bad thumbprint', async () => {
  await createProvider();
  assertError(
    await failure(createProvider()),
    'EntityAlreadyExistsException',
    'EntityAlreadyExists',
    409,
    `Provider with url ${ISSUER} already exists.`,
  );
  const missing = 'arn:aws:iam::123456789012:oidc-provider/example.com';
  assertError(
    await failure(client.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: missing }))),
    'NoSuchEntityException',
    'NoSuchEntity',
    404,
    `OpenIDConnect Provider not found for arn ${missing}`,
  );
  assertError(
    await failure(
      client.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: missing, ClientID: 'x' })),
    ),
    'NoSuchEntityException',
    'NoSuchEntity',
    404,
  );
  assertError(
    await failure(client.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: 'example.com' }))),
    'InvalidInputException',
    'InvalidInput',
    400,
  );
  assertError(
    await failure(client.send(new CreateOpenIDConnectProviderCommand({ Url: 'http://example.com' }))),
    'InvalidInputException',
    'InvalidInput',
    400,
  );
  const short = await failure(
    client.send(
      new UpdateOpenIDConnectProviderThumbprintCommand({
        OpenIDConnectProviderArn: PROVIDER_ARN,
        ThumbprintList: ['abc'],
      }),
    ),
  );
  assertError(short, 'ValidationError', 'ValidationError', 400);
  assert.match(short.message, "Value 'abc' at 'thumbprintList.member' failed to satisfy constraint");
  assert.equal(iam.state.providers.get(PROVIDER_ARN)?.thumbprints, [THUMBPRINT]);
});

// ---- roles

test('CreateRole returns the role; GetRole hands the trust policy back URL-encoded', async () => {
  await createProvider();
  const document = JSON.stringify(trustPolicy());
  const created = await client.send(
    new CreateRoleCommand({
      RoleName: 'deploy-role',
      AssumeRolePolicyDocument: document,
      Description: 'Deploys <main> & "tags"',
      MaxSessionDuration: 7200,
      Path: '/ci/',
      Tags: [{ Key: 'managed-by', Value: 'pipelines-oidc' }],
    }),
  );
  assert.is(created.Role?.Arn, 'arn:aws:iam::123456789012:role/ci/deploy-role');
  const role = (await client.send(new GetRoleCommand({ RoleName: 'deploy-role' }))).Role;
  assert.is(role?.RoleName, 'deploy-role');
  assert.is(role?.Path, '/ci/');
  assert.match(role?.RoleId ?? '', /^AROA[A-Z2-7]{17}$/);
  assert.is(role?.RoleId, created.Role?.RoleId);
  assert.instance(role?.CreateDate, Date);
  assert.is(role?.Description, 'Deploys <main> & "tags"');
  assert.is(role?.MaxSessionDuration, 7200);
  assert.equal(role?.Tags, [{ Key: 'managed-by', Value: 'pipelines-oidc' }]);
  assert.is(role?.AssumeRolePolicyDocument, encodeURIComponent(document));
  assert.equal(JSON.parse(decodeURIComponent(role?.AssumeRolePolicyDocument ?? '')), trustPolicy());
  assert.equal(iam.state.roles.get('deploy-role')?.trustPolicy, trustPolicy());
});

test('UpdateAssumeRolePolicy, UpdateRole, TagRole and ListRoleTags change and show the role', async () => {
  const arn = await createProvider();
  iam.seedRole({ name: 'deploy-role', trustPolicy: { Version: '2012-10-17', Statement: [] }, tags: { a: '1' } });
  await client.send(
    new UpdateAssumeRolePolicyCommand({ RoleName: 'deploy-role', PolicyDocument: JSON.stringify(trustPolicy(arn)) }),
  );
  await client.send(
    new UpdateRoleCommand({ RoleName: 'deploy-role', Description: 'now described', MaxSessionDuration: 43200 }),
  );
  // __proto__ is a valid tag key: it must be stored like any other
  await client.send(
    new TagRoleCommand({
      RoleName: 'deploy-role',
      Tags: [
        { Key: 'a', Value: '2' },
        { Key: '__proto__', Value: '3' },
      ],
    }),
  );
  const role = (await client.send(new GetRoleCommand({ RoleName: 'deploy-role' }))).Role;
  assert.equal(JSON.parse(decodeURIComponent(role?.AssumeRolePolicyDocument ?? '')), trustPolicy(arn));
  assert.is(role?.Description, 'now described');
  assert.is(role?.MaxSessionDuration, 43200);
  const tags = await client.send(new ListRoleTagsCommand({ RoleName: 'deploy-role' }));
  assert.equal(tags.Tags, [
    { Key: 'a', Value: '2' },
    { Key: '__proto__', Value: '3' },
  ]);
  assert.equal(Object.keys(iam.state.roles.get('deploy-role')?.tags ?? {}), ['a', '__proto__']);
  assert.is(tags.IsTruncated, false);
});

test('inline policies: Put, Get (URL-encoded), List, Delete', async () => {
  iam.seedRole({ name: 'deploy-role', trustPolicy: trustPolicy() });
  const document = JSON.stringify(PERMISSIONS);
  await client.send(
    new PutRolePolicyCommand({ RoleName: 'deploy-role', PolicyName: 'deploy', PolicyDocument: document }),
  );
  await client.send(
    new PutRolePolicyCommand({
      RoleName: 'deploy-role',
      PolicyName: 'extra',
      PolicyDocument: '{"Version":"2012-10-17","Statement":[]}',
    }),
  );
  const got = await client.send(new GetRolePolicyCommand({ RoleName: 'deploy-role', PolicyName: 'deploy' }));
  assert.is(got.RoleName, 'deploy-role');
  assert.is(got.PolicyName, 'deploy');
  assert.is(got.PolicyDocument, encodeURIComponent(document));
  assert.equal((await client.send(new ListRolePoliciesCommand({ RoleName: 'deploy-role' }))).PolicyNames, [
    'deploy',
    'extra',
  ]);
  await client.send(new DeleteRolePolicyCommand({ RoleName: 'deploy-role', PolicyName: 'extra' }));
  assert.equal([...(iam.state.roles.get('deploy-role')?.inlinePolicies.keys() ?? [])], ['deploy']);
  assertError(
    await failure(client.send(new GetRolePolicyCommand({ RoleName: 'deploy-role', PolicyName: 'extra' }))),
    'NoSuchEntityException',
    'NoSuchEntity',
    404,
    'The role policy with name extra cannot be found.',
  );
  assertError(
    await failure(client.send(new DeleteRolePolicyCommand({ RoleName: 'deploy-role', PolicyName: 'extra' }))),
    'NoSuchEntityException',
    'NoSuchEntity',
    404,
  );
  assertError(
    await failure(
      client.send(
        new PutRolePolicyCommand({ RoleName: 'deploy-role', PolicyName: 'bad', PolicyDocument: 'Version: 2012-10-17' }),
      ),
    ),
    'MalformedPolicyDocumentException',
    'MalformedPolicyDocument',
    400,
  );
});

test('list calls page with MaxItems and Marker, so the SDK paginators see every item', async () => {
  const names = ['p1', 'p2', 'p3'];
  iam.seedRole({
    name: 'deploy-role',
    trustPolicy: trustPolicy(),
    inlinePolicies: Object.fromEntries(names.map((n) => [n, PERMISSIONS])),
  });
  const first = await client.send(new ListRolePoliciesCommand({ RoleName: 'deploy-role', MaxItems: 2 }));
  assert.equal(first.PolicyNames, ['p1', 'p2']);
  assert.is(first.IsTruncated, true);
  const all: string[] = [];
  for await (const page of paginateListRolePolicies({ client, pageSize: 1 }, { RoleName: 'deploy-role' }))
    all.push(...(page.PolicyNames ?? []));
  assert.equal(all, names);
  assert.is(iam.state.roles.get('deploy-role')?.inlinePolicies.get('p1'), JSON.stringify(PERMISSIONS));
});

test('AttachRolePolicy and ListAttachedRolePolicies: the policy name comes from the ARN', async () => {
  iam.seedRole({
    name: 'deploy-role',
    trustPolicy: trustPolicy(),
    attached: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
  });
  const arn = 'arn:aws:iam::123456789012:policy/team/deploy-boundary';
  await client.send(new AttachRolePolicyCommand({ RoleName: 'deploy-role', PolicyArn: arn }));
  await client.send(new AttachRolePolicyCommand({ RoleName: 'deploy-role', PolicyArn: arn }));
  const out = await client.send(new ListAttachedRolePoliciesCommand({ RoleName: 'deploy-role' }));
  assert.equal(out.AttachedPolicies, [
    { PolicyName: 'ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
    { PolicyName: 'deploy-boundary', PolicyArn: arn },
  ]);
  assertError(
    await failure(client.send(new AttachRolePolicyCommand({ RoleName: 'deploy-role', PolicyArn: 'ReadOnlyAccess' }))),
    'InvalidInputException',
    'InvalidInput',
    400,
  );
});

test('a role holds at most 10 managed policies: LimitExceeded (which the SDK retries as throttling)', async () => {
  iam.seedRole({
    name: 'deploy-role',
    trustPolicy: trustPolicy(),
    attached: Array.from({ length: 10 }, (_, i) => `arn:aws:iam::aws:policy/P${i}`),
  });
  const once = newClient({ maxAttempts: 1 });
  const error = await failure(
    once.send(new AttachRolePolicyCommand({ RoleName: 'deploy-role', PolicyArn: 'arn:aws:iam::aws:policy/P10' })),
  );
  once.destroy();
  assertError(error, 'LimitExceededException', 'LimitExceeded', 409, 'Cannot exceed quota for PoliciesPerRole: 10');
  assert.is(iam.state.roles.get('deploy-role')?.attached.length, 10);
});

test('role errors: missing role, name taken in another case, bad JSON, unknown federated provider, bad input', async () => {
  const missing = await failure(client.send(new GetRoleCommand({ RoleName: 'nobody' })));
  assertError(missing, 'NoSuchEntityException', 'NoSuchEntity', 404, 'The role with name nobody cannot be found.');
  assert.is(iam.calls.at(-1)?.status, 404);
  assert.is(iam.calls.at(-1)?.code, 'NoSuchEntity');

  iam.seedRole({ name: 'Deploy-Role', trustPolicy: trustPolicy() });
  const create = (fields: Partial<ConstructorParameters<typeof CreateRoleCommand>[0]>) =>
    failure(
      client.send(
        new CreateRoleCommand({ RoleName: 'other', AssumeRolePolicyDocument: '{"Statement":[]}', ...fields }),
      ),
    );
  assertError(
    await create({ RoleName: 'deploy-role' }),
    'EntityAlreadyExistsException',
    'EntityAlreadyExists',
    409,
    'Role with name deploy-role already exists.',
  );
  assertError(
    await create({ AssumeRolePolicyDocument: '{"Statement": [' }),
    'MalformedPolicyDocumentException',
    'MalformedPolicyDocument',
    400,
    'This policy contains invalid Json',
  );
  assertError(
    await create({ AssumeRolePolicyDocument: JSON.stringify(trustPolicy()) }),
    'MalformedPolicyDocumentException',
    'MalformedPolicyDocument',
    400,
    `Invalid principal in policy: "Federated":"${PROVIDER_ARN}"`,
  );
  assertError(await create({ RoleName: 'has space' }), 'ValidationError', 'ValidationError', 400);
  assertError(await create({ MaxSessionDuration: 43201 }), 'ValidationError', 'ValidationError', 400);
  assertError(await create({ Path: 'ci' }), 'ValidationError', 'ValidationError', 400);
  assert.equal([...iam.state.roles.keys()], ['Deploy-Role']);
  // lookups ignore case as IAM's do
  assert.is((await client.send(new GetRoleCommand({ RoleName: 'DEPLOY-ROLE' }))).Role?.RoleName, 'Deploy-Role');
});

test('seeded roles: a raw trust policy string is returned exactly; objects are stored as JSON', async () => {
  const raw = '{ "Version": "2012-10-17",\n  "Statement": [] }';
  iam.seedRole({ name: 'seeded', trustPolicy: raw, maxSessionDuration: 5400, description: 'from a test' });
  const role = (await client.send(new GetRoleCommand({ RoleName: 'seeded' }))).Role;
  assert.is(decodeURIComponent(role?.AssumeRolePolicyDocument ?? ''), raw);
  assert.is(role?.MaxSessionDuration, 5400);
  assert.is(role?.Description, 'from a test');
  assert.is(role?.Tags, undefined);
});

test('text with XML metacharacters, quotes, newlines and non-ASCII survives the round trip', async () => {
  const value = `<a href="x">&amp;</a> 'q' ü ✓\r\nnext`;
  iam.seedRole({ name: 'escaped', trustPolicy: trustPolicy(), tags: { note: value }, description: value });
  const role = (await client.send(new GetRoleCommand({ RoleName: 'escaped' }))).Role;
  assert.is(role?.Description, value);
  assert.equal(role?.Tags, [{ Key: 'note', Value: value }]);
});

// ---- STS

test('GetCallerIdentity answers the account and the tester user', async () => {
  const sts = new STSClient({ region: 'us-east-1', endpoint: iam.url, credentials });
  const out = await sts.send(new GetCallerIdentityCommand({}));
  sts.destroy();
  assert.is(out.Account, '123456789012');
  assert.is(out.Arn, 'arn:aws:iam::123456789012:user/tester');
  assert.is(out.Arn, iam.callerArn);
  assert.match(out.UserId ?? '', /^AIDA/);
  assert.equal(iam.calls, [{ action: 'GetCallerIdentity', params: {}, status: 200, accessKeyId: 'AKIDEXPLICIT' }]);
});

test('another account, given as an option, shows in ARNs and the caller', async () => {
  const other = await startIamEndpoint({ account: '210987654321' });
  try {
    const account = await withEnv(awsEnv(other), async () => {
      const sts = new STSClient({});
      const identity = await sts.send(new GetCallerIdentityCommand({}));
      sts.destroy();
      return identity.Account;
    });
    assert.is(account, '210987654321');
    assert.is(process.env.AWS_ENDPOINT_URL_STS, iam.url, 'withEnv restores the environment');
    assert.is(other.seedRole({ name: 'r', trustPolicy: {} }).arn, 'arn:aws:iam::210987654321:role/r');
    assert.is(other.calls.length, 1);
    assert.is(iam.calls.length, 0, 'endpoints do not share calls');
  } finally {
    await other.close();
  }
});

// ---- authentication and the test's interventions

test('a request without a SigV4 Authorization header: 403 MissingAuthenticationToken, recorded', async () => {
  const response = await rawPost('Action=GetRole&Version=2010-05-08&RoleName=x');
  assert.is(response.status, 403);
  const body = await response.text();
  assert.match(
    body,
    /^<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type><Code>MissingAuthenticationToken<\/Code>/,
  );
  assert.equal(iam.calls, [
    {
      action: 'GetRole',
      params: { RoleName: 'x' },
      status: 403,
      code: 'MissingAuthenticationToken',
      accessKeyId: undefined,
    },
  ]);
});

test('an unknown action: 400 InvalidAction; a credential scoped to another service is refused', async () => {
  const authorization = (service: string) => ({
    authorization: `AWS4-HMAC-SHA256 Credential=AKIDRAW/20250101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=00`,
  });
  const unknown = await rawPost('Action=DeleteRole&Version=2010-05-08&RoleName=x', authorization('iam'));
  assert.is(unknown.status, 400);
  assert.match(
    await unknown.text(),
    '<Code>InvalidAction</Code><Message>Could not find operation DeleteRole for version 2010-05-08</Message>',
  );
  const scoped = await rawPost('Action=GetCallerIdentity&Version=2011-06-15', authorization('iam'));
  assert.is(scoped.status, 403);
  assert.match(
    await scoped.text(),
    /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">.*<Code>SignatureDoesNotMatch<\/Code>/,
  );
  assert.equal(
    iam.calls.map((c) => [c.action, c.status, c.accessKeyId]),
    [
      ['DeleteRole', 400, 'AKIDRAW'],
      ['GetCallerIdentity', 403, 'AKIDRAW'],
    ],
  );
});

test('deny: AccessDenied with AWS message naming the caller, action and resource; other actions still work', async () => {
  iam.seedRole({ name: 'deploy-role', trustPolicy: trustPolicy() });
  iam.deny('UpdateAssumeRolePolicy');
  iam.deny('CreateOpenIDConnectProvider', 'custom refusal');
  const denied = await failure(
    client.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'deploy-role', PolicyDocument: '{}' })),
  );
  assertError(
    denied,
    'AccessDenied',
    'AccessDenied',
    403,
    'User: arn:aws:iam::123456789012:user/tester is not authorized to perform: iam:UpdateAssumeRolePolicy on resource: arn:aws:iam::123456789012:role/deploy-role because no identity-based policy allows the iam:UpdateAssumeRolePolicy action',
  );
  assert.is(denied.$metadata.attempts, 1, 'AccessDenied is not retried');
  assertError(await failure(createProvider()), 'AccessDenied', 'AccessDenied', 403, 'custom refusal');
  assert.ok(await client.send(new GetRoleCommand({ RoleName: 'deploy-role' })));
  assert.equal(iam.state.roles.get('deploy-role')?.trustPolicy, trustPolicy(), 'a denied call changes nothing');
  assert.equal(
    iam.writes().map((c) => [c.action, c.status]),
    [
      ['UpdateAssumeRolePolicy', 403],
      ['CreateOpenIDConnectProvider', 403],
    ],
  );
});

test('throttle(action, 2): the SDK retries with backoff and the third attempt succeeds', async () => {
  iam.seedRole({ name: 'deploy-role', trustPolicy: trustPolicy() });
  iam.throttle('GetRole', 2);
  const out = await client.send(new GetRoleCommand({ RoleName: 'deploy-role' }));
  assert.is(out.Role?.RoleName, 'deploy-role');
  assert.is(out.$metadata.attempts, 3);
  assert.equal(
    iam.calls.map((c) => [c.action, c.status, c.code]),
    [
      ['GetRole', 400, 'Throttling'],
      ['GetRole', 400, 'Throttling'],
      ['GetRole', 200, undefined],
    ],
  );
});

test('throttle(action, 5): the SDK gives up after its default 3 attempts with the Throttling error', async () => {
  iam.throttle('CreateRole', 5);
  const error = await failure(
    client.send(new CreateRoleCommand({ RoleName: 'deploy-role', AssumeRolePolicyDocument: '{}' })),
  );
  assertError(error, 'Throttling', 'Throttling', 400, 'Rate exceeded');
  assert.is(error.$metadata.attempts, 3);
  assert.is(iam.calls.length, 3);
  assert.is(iam.state.roles.size, 0);
});

test('beforeNext: a role appearing just before CreateRole is handled gives EntityAlreadyExists, once', async () => {
  let runs = 0;
  iam.beforeNext('CreateRole', () => {
    runs += 1;
    iam.seedRole({ name: 'deploy-role', trustPolicy: { Version: '2012-10-17', Statement: [] } });
  });
  assert.is(iam.state.roles.size, 0, 'the hook waits for the call');
  const raced = await failure(
    client.send(new CreateRoleCommand({ RoleName: 'deploy-role', AssumeRolePolicyDocument: '{"Statement":[]}' })),
  );
  assertError(raced, 'EntityAlreadyExistsException', 'EntityAlreadyExists', 409);
  await client.send(new CreateRoleCommand({ RoleName: 'second-role', AssumeRolePolicyDocument: '{"Statement":[]}' }));
  assert.is(runs, 1);
});

test('writes() leaves out Get*/List* calls; reset() forgets calls, interventions and (unless keepState) state', async () => {
  await createProvider();
  await client.send(new ListOpenIDConnectProvidersCommand({}));
  await client.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER_ARN }));
  iam.seedRole({ name: 'deploy-role', trustPolicy: {} });
  const interventions = () => {
    iam.deny('GetRole');
    iam.throttle('ListRoleTags', 1);
    iam.beforeNext('GetRole', () => iam.state.roles.clear());
  };
  const readBoth = async () => {
    await client.send(new GetRoleCommand({ RoleName: 'deploy-role' }));
    await client.send(new ListRoleTagsCommand({ RoleName: 'deploy-role' }));
  };
  assert.equal(
    iam.writes().map((c) => c.action),
    ['CreateOpenIDConnectProvider'],
  );

  interventions();
  iam.reset({ keepState: true });
  assert.is(iam.calls.length, 0);
  await readBoth();
  assert.equal(
    iam.calls.map((c) => c.status),
    [200, 200],
  );
  assert.ok(iam.state.providers.has(PROVIDER_ARN));

  interventions();
  iam.reset();
  assert.is(iam.state.providers.size + iam.state.roles.size, 0);
  iam.seedRole({ name: 'deploy-role', trustPolicy: {} });
  await readBoth();
  assert.equal(
    iam.calls.map((c) => c.status),
    [200, 200],
  );
});

// ---- configuration through the environment

test('awsEnv: in-process clients configured only by the environment reach the endpoint', async () => {
  const env = awsEnv(iam);
  assert.ok(env.AWS_CONFIG_FILE?.startsWith(tmpdir()));
  assert.not.ok(existsSync(env.AWS_CONFIG_FILE ?? ''));
  assert.is(env.AWS_SHARED_CREDENTIALS_FILE, env.AWS_CONFIG_FILE);
  assert.is(env.AWS_REGION, 'us-east-1');
  assert.ok('AWS_PROFILE' in env && env.AWS_PROFILE === undefined, 'an inherited profile is unset');
  iam.seedRole({ name: 'deploy-role', trustPolicy: trustPolicy() });
  // the suite runs with this environment applied: clients given no configuration at all
  const sts = new STSClient({});
  const iamClient = new IAMClient({});
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  await iamClient.send(new GetRoleCommand({ RoleName: 'deploy-role' }));
  sts.destroy();
  iamClient.destroy();
  assert.is(identity.Account, '123456789012');
  assert.equal(
    iam.calls.map((c) => [c.action, c.accessKeyId]),
    [
      ['GetCallerIdentity', TEST_ACCESS_KEY_ID],
      ['GetRole', TEST_ACCESS_KEY_ID],
    ],
  );
});

test('awsEnv: a child process with the SDK reaches the endpoint and prints no warnings', async () => {
  iam.seedRole({ name: 'deploy-role', trustPolicy: trustPolicy() });
  const script = `
    import { IAMClient, GetRoleCommand } from '@aws-sdk/client-iam';
    import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
    const identity = await new STSClient({}).send(new GetCallerIdentityCommand({}));
    const role = await new IAMClient({}).send(new GetRoleCommand({ RoleName: 'deploy-role' }));
    console.log(JSON.stringify({ account: identity.Account, arn: role.Role.Arn }));`;
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    // FORCE_COLOR next to NO_COLOR makes Node print a warning of its own
    env: { ...process.env, FORCE_COLOR: undefined, ...awsEnv(iam) },
    encoding: 'utf8',
  });
  assert.equal(JSON.parse(stdout), { account: '123456789012', arn: 'arn:aws:iam::123456789012:role/deploy-role' });
  assert.is(stderr, '');
  assert.equal(
    iam.calls.map((c) => [c.action, c.status, c.accessKeyId]),
    [
      ['GetCallerIdentity', 200, TEST_ACCESS_KEY_ID],
      ['GetRole', 200, TEST_ACCESS_KEY_ID],
    ],
  );
});

test('close() returns while the SDK still holds a kept-alive connection, and the port stops answering', async () => {
  const other = await startIamEndpoint();
  const sts = new STSClient({ region: 'us-east-1', endpoint: other.url, credentials });
  await sts.send(new GetCallerIdentityCommand({}));
  await other.close();
  const error = await failure(fetch(other.url, { method: 'POST' }));
  assert.instance(error, TypeError);
  sts.destroy();
});

test.run();
