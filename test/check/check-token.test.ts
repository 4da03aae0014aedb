/**
 * `check --token`: tokens signed here with the tests' own RSA key, shaped like Bitbucket Pipelines'
 * (claims written out from Atlassian's documentation, not taken from src/), judged against the trust
 * policies the generator writes. Nothing is sent anywhere: decoding and judging are pure.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Answers } from '../../src/core/answers/questions.ts';
import {
  decodeToken,
  explainToken,
  providerFromTrustPolicy,
  type Provider,
  type RoleToCheck,
  type TokenClaims,
} from '../../src/core/check/token.ts';
import { UsageError } from '../../src/errors.ts';
import { answers, renderRepo } from '../support/fixtures.ts';

const WORKSPACE_UUID = '7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a';
const REPO_UUID = '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d';
const OTHER_REPO = '1d2c3b4a-5968-4776-8594-a3b2c1d0e9f8';
const OTHER_WORKSPACE_UUID = '2f3e4d5c-6b7a-4988-a7b6-c5d4e3f2a1b0';
const TEST_ENV = '1a2b3c4d-0001-4a00-8000-00000000000a';
const PROD_ENV = '1a2b3c4d-0003-4c00-a000-00000000000c';
const STEP = '{5f0c8b2e-9d41-4c7a-b3e6-2a1d0c9b8e7f}';
const HOST_PATH = 'api.bitbucket.org/2.0/workspaces/phub/pipelines-config/identity/oidc';
const ISSUER = `https://${HOST_PATH}`;
const PROVIDER_ARN = `arn:aws:iam::123456789012:oidc-provider/${HOST_PATH}`;
const AUDIENCE = `ari:cloud:bitbucket::workspace/${WORKSPACE_UUID}`;
const NOW = new Date('2026-03-01T12:00:00Z');
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

function sign(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT', kid: 'test-key' },
): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
}

/** A step's claims: `sub` is {repo}:{step}, or {repo}:{environment}:{step} for a deployment step. */
function bitbucketClaims(
  o: { repo?: string; env?: string; iss?: string; aud?: string | string[]; exp?: number } = {},
): Record<string, unknown> {
  const repo = `{${o.repo ?? REPO_UUID}}`;
  return {
    iss: o.iss ?? ISSUER,
    aud: o.aud ?? AUDIENCE,
    sub: o.env ? `${repo}:{${o.env}}:${STEP}` : `${repo}:${STEP}`,
    workspaceUuid: `{${WORKSPACE_UUID}}`,
    repositoryUuid: repo,
    pipelineUuid: '{9c8b7a6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d}',
    stepUuid: STEP,
    branchName: 'main',
    ...(o.env ? { deploymentEnvironmentUuid: `{${o.env}}` } : {}),
    iat: seconds(NOW) - 60,
    exp: o.exp ?? seconds(NOW) + 3540,
  };
}

const claimsOf = (o: Parameters<typeof bitbucketClaims>[0] = {}) => decodeToken(sign(bitbucketClaims(o))).claims;

/** The roles of a generated repository, as `check` reads them: the rendered trust-policy files. */
function rolesOf(a: Answers): RoleToCheck[] {
  const { model, files } = renderRepo(a);
  return model.roles.map((r) => ({
    name: r.environment ?? 'pipeline',
    trustPolicy: JSON.parse(files.get(r.trustFile)!) as unknown,
    file: r.trustFile,
  }));
}

const REPO_ROLES = rolesOf(answers());
const ENV_ROLES = rolesOf(answers({ environments: `test=${TEST_ENV},production=${PROD_ENV}` }));
const PROVIDER: Provider = { url: ISSUER, arn: PROVIDER_ARN, clientIds: [AUDIENCE] };

const verdict = (report: ReturnType<typeof explainToken>, role: string) => {
  const v = report.roles.find((r) => r.role === role);
  if (!v) throw new Error(`no verdict for ${role} (have ${report.roles.map((r) => r.role).join(', ')})`);
  return v;
};
const show = (reasons: string[]) => `reasons:\n  ${reasons.join('\n  ')}`;

test('decodeToken: header, claims and signature of a signed token; a token wrapped over lines decodes the same', () => {
  const token = sign(bitbucketClaims());
  const decoded = decodeToken(token);
  assert.equal(decoded.header, { alg: 'RS256', typ: 'JWT', kid: 'test-key' });
  assert.equal(decoded.claims, bitbucketClaims());
  assert.is(decoded.signaturePresent, true);
  const wrapped = `  ${token.slice(0, 40)}\n${token.slice(40, 90)}\r\n${token.slice(90)}\n`;
  assert.equal(decodeToken(wrapped).claims, decoded.claims);
  const unsigned = token.slice(0, token.lastIndexOf('.') + 1);
  assert.is(decodeToken(unsigned).signaturePresent, false);
});

test('decodeToken: malformed tokens are usage errors naming --token, and never repeat the token', () => {
  const good = sign(bitbucketClaims());
  const [h, p, s] = good.split('.') as [string, string, string];
  const enc = (v: unknown) => b64url(JSON.stringify(v));
  const { iss: _iss, ...noIss } = bitbucketClaims();
  const cases: Array<[string, string, RegExp]> = [
    ['empty', '  \n', /empty/],
    ['a variable name', '$BITBUCKET_STEP_OIDC_TOKEN', /name of a variable/],
    ['two parts', `${h}.${p}`, /three parts.*has 2/],
    ['JWE', `${h}.${p}.${s}.${s}.${s}`, /encrypted/],
    ['bad base64 (masked log)', `${h}.${p.slice(0, 20)}********.${s}`, /payload is not base64url/],
    [
      'impossible base64 length (a character lost)',
      `${h}.${p}${'A'.repeat((5 - (p.length % 4)) % 4)}.${s}`,
      /payload is not base64url/,
    ],
    ['header not JSON', `${b64url('{alg: RS256')}.${p}.${s}`, /header is not JSON/],
    ['payload a JSON list', `${h}.${enc(['iss'])}.${s}`, /payload is JSON but not an object/],
    ['no iss', `${h}.${enc(noIss)}.${s}`, /no "iss" claim/],
    ['aud a number', `${h}.${enc({ ...bitbucketClaims(), aud: 7 })}.${s}`, /"aud"/],
    ['aud an empty list', `${h}.${enc({ ...bitbucketClaims(), aud: [] })}.${s}`, /"aud"/],
    ['no sub', `${h}.${enc({ ...bitbucketClaims(), sub: '' })}.${s}`, /no "sub" claim/],
    ['exp a string', `${h}.${enc({ ...bitbucketClaims(), exp: 'tomorrow' })}.${s}`, /"exp" claim is not a number/],
  ];
  for (const [label, raw, expected] of cases) {
    try {
      decodeToken(raw);
      assert.unreachable(`${label}: decoded`);
    } catch (e) {
      assert.instance(e, UsageError, `${label}: ${String(e)}`);
      const err = e as UsageError;
      assert.is(err.exitCode, 2, label);
      assert.match(err.message, /^--token: /, label);
      assert.match(err.message, expected, `${label}: ${err.message}`);
      if (raw.length > 20)
        assert.not.ok(
          err.message.includes(p.slice(0, 20)) || err.message.includes(s.slice(0, 20)),
          `${label} repeats the token`,
        );
    }
  }
});

test('providerFromTrustPolicy: URL, ARN and client IDs from the generated trust policy', () => {
  assert.equal(providerFromTrustPolicy(REPO_ROLES[0]!.trustPolicy), PROVIDER);
  for (const role of ENV_ROLES) assert.equal(providerFromTrustPolicy(role.trustPolicy), PROVIDER, role.file);
});

test('providerFromTrustPolicy: hand-written shapes (Federated list, single statement object, ForAnyValue lists), none without an OIDC principal', () => {
  const policy = {
    Statement: {
      Effect: 'Allow',
      Principal: { Federated: ['cognito-identity.amazonaws.com', PROVIDER_ARN] },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { 'ForAnyValue:StringEquals': { [`${HOST_PATH.toUpperCase()}:AUD`]: [AUDIENCE, 'custom-audience'] } },
    },
  };
  assert.equal(providerFromTrustPolicy(policy), {
    url: ISSUER,
    arn: PROVIDER_ARN,
    clientIds: [AUDIENCE, 'custom-audience'],
  });
  assert.is(
    providerFromTrustPolicy({ Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' } }] }),
    undefined,
  );
  assert.is(providerFromTrustPolicy('not a policy'), undefined);
});

test("this repository's token is accepted by the repository role; condition keys and ignored claims are listed", () => {
  const report = explainToken(claimsOf(), REPO_ROLES, PROVIDER, NOW);
  const v = verdict(report, 'pipeline');
  assert.ok(v.accepted, show(v.reasons));
  assert.equal(v.reasons, []);
  assert.is(report.expired, false);
  assert.match(report.expiry, /^valid until 2026-03-01T12:59:00\.000Z \(59 min from now\)/);
  assert.equal(report.conditionKeys, {
    [`${HOST_PATH}:aud`]: AUDIENCE,
    [`${HOST_PATH}:sub`]: `{${REPO_UUID}}:${STEP}`,
  });
  for (const c of ['workspaceUuid', 'repositoryUuid', 'pipelineUuid', 'stepUuid', 'branchName'])
    assert.ok(report.ignoredClaims.includes(c), c);
  for (const c of ['iss', 'aud', 'sub', 'exp', 'iat']) assert.not.ok(report.ignoredClaims.includes(c), c);
});

test('amr and email become condition keys when present; azp moves aud to :oaud', () => {
  const claims = decodeToken(
    sign({ ...bitbucketClaims(), amr: ['pwd'], email: 'ci@example.com', azp: 'client-1' }),
  ).claims;
  const keys = explainToken(claims, [], PROVIDER, NOW).conditionKeys;
  assert.equal(keys, {
    [`${HOST_PATH}:aud`]: 'client-1',
    [`${HOST_PATH}:oaud`]: AUDIENCE,
    [`${HOST_PATH}:sub`]: `{${REPO_UUID}}:${STEP}`,
    [`${HOST_PATH}:amr`]: ['pwd'],
    [`${HOST_PATH}:email`]: 'ci@example.com',
  });
});

test('another repository of the workspace: rejected by the sub condition, naming both repositories', () => {
  const v = verdict(explainToken(claimsOf({ repo: OTHER_REPO }), REPO_ROLES, PROVIDER, NOW), 'pipeline');
  assert.not.ok(v.accepted);
  assert.is(v.reasons.length, 1, show(v.reasons));
  assert.match(v.reasons[0]!, /^trust policy \(iam\/trust-policy\.json\): denied/);
  assert.ok(v.reasons[0]!.includes(`${HOST_PATH}:sub`), show(v.reasons));
  assert.ok(
    v.reasons[0]!.includes(
      `the token comes from repository {${OTHER_REPO}}, the role trusts repository {${REPO_UUID}}`,
    ),
    show(v.reasons),
  );
});

test("environments: the test environment's token is accepted by the test role only; a step without deployment by neither", () => {
  const report = explainToken(claimsOf({ env: TEST_ENV }), ENV_ROLES, PROVIDER, NOW);
  assert.equal(
    report.roles.map((r) => r.role),
    ['test', 'production'],
  );
  assert.ok(verdict(report, 'test').accepted, show(verdict(report, 'test').reasons));
  const prod = verdict(report, 'production');
  assert.not.ok(prod.accepted);
  assert.match(prod.reasons[0]!, /^trust policy \(iam\/production\/trust-policy\.json\): denied/);
  assert.ok(
    prod.reasons[0]!.includes(
      `the token comes from deployment environment {${TEST_ENV}}, the role trusts environment {${PROD_ENV}}`,
    ),
    show(prod.reasons),
  );

  const plain = explainToken(claimsOf(), ENV_ROLES, PROVIDER, NOW);
  for (const v of plain.roles) {
    assert.not.ok(v.accepted, v.role);
    assert.match(
      v.reasons.join('\n'),
      /:sub.*the step has no deployment environment.*add `deployment:`/s,
      show(v.reasons),
    );
  }
});

test("the repository role also accepts this repository's deployment steps (sub pattern {repo}:*)", () => {
  assert.ok(verdict(explainToken(claimsOf({ env: PROD_ENV }), REPO_ROLES, PROVIDER, NOW), 'pipeline').accepted);
});

test('wrong audience: braces around the UUID or another workspace UUID are rejected by the provider and the aud condition', () => {
  const braced = verdict(
    explainToken(claimsOf({ aud: `ari:cloud:bitbucket::workspace/{${WORKSPACE_UUID}}` }), REPO_ROLES, PROVIDER, NOW),
    'pipeline',
  );
  assert.not.ok(braced.accepted);
  assert.match(
    braced.reasons[0]!,
    /^audience: the token's aud .* is not among the provider's client IDs .*Incorrect token audience.*only in braces/,
  );
  assert.match(braced.reasons[1]!, /^trust policy .*:aud/, show(braced.reasons));

  const other = verdict(
    explainToken(
      claimsOf({ aud: `ari:cloud:bitbucket::workspace/${OTHER_WORKSPACE_UUID}` }),
      REPO_ROLES,
      PROVIDER,
      NOW,
    ),
    'pipeline',
  );
  assert.not.ok(other.accepted);
  assert.match(other.reasons[0]!, /^audience: /);
  assert.ok(
    other.reasons[0]!.includes(`workspace UUID ${OTHER_WORKSPACE_UUID}, the provider lists ${WORKSPACE_UUID}`),
    show(other.reasons),
  );
});

test('a provider listing the audience with braces: the fix is the exact unbraced audience', () => {
  const provider = { ...PROVIDER, clientIds: [`ari:cloud:bitbucket::workspace/{${WORKSPACE_UUID}}`] };
  const v = verdict(explainToken(claimsOf(), REPO_ROLES, provider, NOW), 'pipeline');
  assert.not.ok(v.accepted);
  assert.ok(
    v.reasons[0]!.includes(
      `has braces around the UUID; Bitbucket's audience has none. Fix: list exactly "${AUDIENCE}"`,
    ),
    show(v.reasons),
  );
  // the trust policy itself is right: only the provider is at fault
  assert.is(v.reasons.length, 1, show(v.reasons));
});

test('a list audience (custom audiences appended) is accepted when one of them is a client ID', () => {
  const v = verdict(
    explainToken(claimsOf({ aud: [AUDIENCE, 'my-custom-audience'] }), REPO_ROLES, PROVIDER, NOW),
    'pipeline',
  );
  assert.not.match(v.reasons.join('\n'), /^audience/m, show(v.reasons));
});

test("another workspace's issuer: rejected first by the issuer check, naming the provider URL the token needs", () => {
  const otherIssuer = 'https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc';
  const v = verdict(explainToken(claimsOf({ iss: otherIssuer }), REPO_ROLES, PROVIDER, NOW), 'pipeline');
  assert.not.ok(v.accepted);
  assert.match(v.reasons[0]!, /^issuer: /);
  assert.ok(v.reasons[0]!.includes(`"${otherIssuer}" differs from the provider URL "${ISSUER}"`), show(v.reasons));
  assert.ok(v.reasons[0]!.includes('No OpenIDConnect provider found'));
  assert.ok(v.reasons[0]!.includes(`workspace "acme", the provider is for workspace "phub"`), show(v.reasons));
  assert.ok(v.reasons[0]!.includes(`create an IAM OIDC provider with URL ${otherIssuer}`), show(v.reasons));
  // the trust policy trusts phub's provider, not the one acme's issuer maps to
  assert.match(
    v.reasons[v.reasons.length - 1]!,
    /^trust policy .*Fix: \(Principal\) .*"arn:aws:iam::123456789012:oidc-provider\/api\.bitbucket\.org\/2\.0\/workspaces\/acme\//,
    show(v.reasons),
  );
});

test('a provider URL with the workspace UUID instead of the slug: the hint says so', () => {
  const provider = {
    ...PROVIDER,
    url: `https://api.bitbucket.org/2.0/workspaces/{${WORKSPACE_UUID}}/pipelines-config/identity/oidc`,
  };
  const v = verdict(explainToken(claimsOf(), REPO_ROLES, provider, NOW), 'pipeline');
  assert.match(
    v.reasons[0]!,
    /^issuer: .*names the workspace by its UUID; Bitbucket's issuer uses the workspace slug \("phub"\)/,
  );
});

test('without a known provider, each role is judged against the provider its trust policy names', () => {
  assert.ok(verdict(explainToken(claimsOf(), REPO_ROLES, undefined, NOW), 'pipeline').accepted);
  const acme = verdict(
    explainToken(
      claimsOf({ iss: 'https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc' }),
      REPO_ROLES,
      undefined,
      NOW,
    ),
    'pipeline',
  );
  assert.match(
    acme.reasons[0]!,
    /^issuer: .*differs from the provider URL "https:\/\/api\.bitbucket\.org\/2\.0\/workspaces\/phub\//,
    show(acme.reasons),
  );
});

test('no provider at all: the issuer check says which provider to create', () => {
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: 'cognito-identity.amazonaws.com' },
        Action: 'sts:AssumeRoleWithWebIdentity',
      },
    ],
  };
  const v = verdict(
    explainToken(claimsOf(), [{ name: 'cognito', trustPolicy: policy, file: 'iam/trust-policy.json' }], undefined, NOW),
    'cognito',
  );
  assert.not.ok(v.accepted);
  assert.match(v.reasons[0]!, /^issuer: no IAM OIDC provider is known/);
  assert.ok(v.reasons[0]!.includes(`URL ${ISSUER} and client ID "${AUDIENCE}"`), show(v.reasons));
  assert.match(
    v.reasons[1]!,
    /^trust policy \(iam\/trust-policy\.json\): no Federated principal names an IAM OIDC provider/,
    show(v.reasons),
  );
});

test('an expired token is reported expired and still judged', () => {
  const exp = seconds(NOW) - 600;
  const own = explainToken(claimsOf({ exp }), REPO_ROLES, PROVIDER, NOW);
  assert.is(own.expired, true);
  assert.match(
    own.expiry,
    /^expired at 2026-03-01T11:50:00\.000Z \(10 min ago\): STS would answer ExpiredTokenException/,
  );
  assert.ok(verdict(own, 'pipeline').accepted);
  const other = explainToken(claimsOf({ exp, repo: OTHER_REPO }), REPO_ROLES, PROVIDER, NOW);
  assert.is(other.expired, true);
  assert.match(verdict(other, 'pipeline').reasons[0]!, /:sub/);
});

test("a repository generated before its UUID was known: the fix names the token's repository", () => {
  const v = verdict(explainToken(claimsOf(), rolesOf(answers({ repoUuid: '' })), PROVIDER, NOW), 'pipeline');
  assert.not.ok(v.accepted);
  assert.ok(v.reasons[0]!.includes(`is not set yet: the token's repository is {${REPO_UUID}}`), show(v.reasons));
});

test('a condition on a claim AWS does not expose (branchName) never matches, and the fix says so', () => {
  const policy = structuredClone(REPO_ROLES[0]!.trustPolicy) as {
    Statement: Array<{ Condition: Record<string, Record<string, string>> }>;
  };
  policy.Statement[0]!.Condition['StringEquals']![`${HOST_PATH}:branchName`] = 'main';
  const v = verdict(
    explainToken(claimsOf(), [{ name: 'branch', trustPolicy: policy, file: 'iam/trust-policy.json' }], PROVIDER, NOW),
    'branch',
  );
  assert.not.ok(v.accepted);
  assert.ok(v.reasons[0]!.includes(`"${HOST_PATH}:branchName" is not a condition key AWS sets`), show(v.reasons));
});

test('sub patterns without braces, without the trailing *, or with * under StringEquals are named as such', () => {
  const withSub = (sub: string, op = 'StringLike') => {
    const policy = structuredClone(REPO_ROLES[0]!.trustPolicy) as {
      Statement: Array<{ Condition: Record<string, Record<string, string>> }>;
    };
    const c = policy.Statement[0]!.Condition;
    delete c['StringLike'];
    c[op] = { ...c[op], [`${HOST_PATH}:sub`]: sub };
    return verdict(explainToken(claimsOf(), [{ name: 'x', trustPolicy: policy, file: 'f.json' }], PROVIDER, NOW), 'x');
  };
  assert.match(withSub(`${REPO_UUID}:*`).reasons[0]!, /UUIDs in sub carry braces/);
  assert.match(
    withSub(`{${REPO_UUID}}:${STEP.replace('5f', '6f')}`, 'StringEquals').reasons[0]!,
    /changes on every run/,
  );
  assert.match(
    withSub(`{${REPO_UUID}}:*`, 'StringEquals').reasons[0]!,
    /StringEquals compares "\{[^"]+\}:\*" literally: "\*" is a wildcard only with StringLike/,
  );
  assert.ok(withSub(`{${REPO_UUID}}:*`).accepted);
});

test('an audience condition under StringEqualsIgnoreCase that the token meets brings no audience fix', () => {
  const policy = structuredClone(REPO_ROLES[0]!.trustPolicy) as {
    Statement: Array<{ Condition: Record<string, Record<string, string>> }>;
  };
  const c = policy.Statement[0]!.Condition;
  const { [`${HOST_PATH}:aud`]: aud, ...rest } = c['StringEquals']!;
  c['StringEquals'] = rest;
  c['StringEqualsIgnoreCase'] = { [`${HOST_PATH}:aud`]: aud!.toUpperCase() };
  const v = verdict(
    explainToken(claimsOf({ repo: OTHER_REPO }), [{ name: 'x', trustPolicy: policy, file: 'f.json' }], PROVIDER, NOW),
    'x',
  );
  assert.not.ok(v.accepted);
  assert.ok(v.reasons[0]!.includes('the token comes from repository'), show(v.reasons));
  assert.not.ok(v.reasons[0]!.includes('(:aud)'), show(v.reasons));
});

test.run();
