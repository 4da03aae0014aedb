/**
 * The trust-policy evaluator of `check`, one IAM rule at a time, on hand-written policies and requests
 * (the rules as AWS documents them: policy evaluation logic, condition operators, missing keys), then on
 * the trust policies the generator writes. Expected values are written out here, not taken from src/.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { evaluateTrust, explainTrust } from '../../src/core/iam-eval/index.ts';
import { wildcardMatch as globMatch } from '../../src/core/util/wildcard.ts';
import type { TrustRequest } from '../../src/core/iam-eval/index.ts';
import { answers, renderRepo } from '../support/fixtures.ts';

const H = 'api.bitbucket.org/2.0/workspaces/phub/pipelines-config/identity/oidc';
const PROVIDER = `arn:aws:iam::123456789012:oidc-provider/${H}`;
const ACME_H = 'api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc';
const ACME_PROVIDER = `arn:aws:iam::123456789012:oidc-provider/${ACME_H}`;
const AUD = 'ari:cloud:bitbucket::workspace/7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a';
const REPO = '{0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d}';
const OTHER_REPO = '{1d2c3b4a-5968-4776-8594-a3b2c1d0e9f8}';
const ENV = '{8e7d6c5b-4a39-4281-9f0e-d1c2b3a49586}';
const STEP = '{5f0c8b2e-9d41-4c7a-b3e6-2a1d0c9b8e7f}';
const ACTION = 'sts:AssumeRoleWithWebIdentity';
const SUB = `${H}:sub`;
const AUD_KEY = `${H}:aud`;

const req = (context: TrustRequest['context'] = {}, federated = PROVIDER, action = ACTION): TrustRequest => ({
  federated,
  action,
  context,
});
const statement = (extra: Record<string, unknown> = {}) => ({
  Effect: 'Allow',
  Principal: { Federated: PROVIDER },
  Action: ACTION,
  ...extra,
});
const policy = (...statements: Record<string, unknown>[]) => ({ Version: '2012-10-17', Statement: statements });
/** A one-statement policy with one condition. */
const withCondition = (operator: string, key: string, values: unknown) =>
  policy(statement({ Condition: { [operator]: { [key]: values } } }));
const show = (d: { reasons: string[] }) => `reasons:\n  ${d.reasons.join('\n  ')}`;

function allowed(doc: unknown, r: TrustRequest): void {
  const d = explainTrust(doc, r);
  assert.ok(d.allowed, show(d));
  assert.is(d.indeterminate, false);
}

function denied(doc: unknown, r: TrustRequest, reason?: string | RegExp): void {
  const d = explainTrust(doc, r);
  assert.not.ok(d.allowed, `expected a denial, ${show(d)}`);
  assert.is(d.indeterminate, false, show(d));
  if (typeof reason === 'string') assert.equal(d.reasons, [reason]);
  else if (reason) assert.match(d.reasons.join('\n'), reason);
}

/** Denied because the outcome rests on something the evaluator does not judge, and it says so. */
function cannotTell(doc: unknown, r: TrustRequest, why: RegExp): void {
  const d = explainTrust(doc, r);
  assert.not.ok(d.allowed, show(d));
  assert.is(d.indeterminate, true, show(d));
  assert.match(d.reasons.join('\n'), /cannot evaluate/);
  assert.match(d.reasons.join('\n'), why);
}

// ——— wildcards ———

test('globMatch: * is any run of characters (none included), ? exactly one, all else literal', () => {
  const yes: Array<[string, string]> = [
    ['*', ''],
    ['*', 'anything:at/all'],
    ['a*', 'a'],
    ['a*c', 'abbbc'],
    ['a*b*c', 'aXbYbZc'],
    ['?', 'x'],
    ['a?c', 'abc'],
    [`${REPO}:*`, `${REPO}:${STEP}`],
    ['*:*', ':'],
    ['a.b', 'a.b'],
    ['(.*)', '(.*)'],
    ['[x]', '[x]'],
    ['**', ''],
    ['*?', 'x'],
  ];
  const no: Array<[string, string]> = [
    ['?', ''],
    ['?', 'xy'],
    ['a?c', 'ac'],
    ['a*c', 'abcd'],
    ['a.b', 'aXb'],
    ['(.*)', 'anything'],
    ['[x]', 'x'],
    ['abc', 'ABC'],
    ['*?', ''],
    ['a*b*c', 'aXbY'],
  ];
  for (const [p, v] of yes) assert.ok(globMatch(p, v), `${p} should match ${v}`);
  for (const [p, v] of no) assert.not.ok(globMatch(p, v), `${p} should not match ${v}`);
});

// ——— effect ———

test('Allow: a matching statement allows, and names the statement', () => {
  const d = evaluateTrust(policy(statement({ Sid: 'Pipelines' })), req());
  assert.equal(d, { allowed: true, reasons: ['allowed by statement "Pipelines"'] });
  assert.is(explainTrust(policy(statement(), statement({ Sid: 'Second' })), req()).allowedBy, 'statement 1');
});

test('an explicit Deny wins over any Allow, and the reason names it', () => {
  const doc = policy(statement(), {
    Sid: 'NoOtherRepos',
    Effect: 'Deny',
    Principal: '*',
    Action: '*',
    Condition: { StringNotLike: { [SUB]: `${REPO}:*` } },
  });
  denied(doc, req({ [SUB]: `${OTHER_REPO}:${STEP}` }), 'explicitly denied by statement "NoOtherRepos" (Deny)');
  assert.is(explainTrust(doc, req({ [SUB]: `${OTHER_REPO}:${STEP}` })).deniedBy, 'statement "NoOtherRepos"');
  allowed(doc, req({ [SUB]: `${REPO}:${STEP}` }));
  denied(
    policy({ Effect: 'Deny', Principal: { Federated: PROVIDER }, Action: ACTION }, statement()),
    req(),
    'explicitly denied by statement 1 (Deny)',
  );
});

test('no matching Allow is an implicit deny: each Allow statement says its first failing check', () => {
  denied(
    policy({ Effect: 'Deny', Principal: '*', Action: 's3:*' }),
    req(),
    'no Allow statement: nothing grants the role',
  );
  const doc = policy(
    statement({ Sid: 'Repo', Condition: { StringLike: { [SUB]: `${REPO}:*` } } }),
    statement({ Principal: { Federated: ACME_PROVIDER } }),
  );
  const d = evaluateTrust(doc, req({ [SUB]: `${OTHER_REPO}:${STEP}` }));
  assert.equal(d, {
    allowed: false,
    reasons: [
      `statement "Repo": StringLike ${SUB}: "${OTHER_REPO}:${STEP}" does not match "${REPO}:*"`,
      `statement 2: Principal: "${PROVIDER}" is not the Federated principal "${ACME_PROVIDER}"`,
    ],
  });
});

test('the first failing check is reported: Principal, then Action, then conditions in order', () => {
  const doc = policy(
    statement({
      Principal: { Federated: ACME_PROVIDER },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { [AUD_KEY]: AUD } },
    }),
  );
  denied(doc, req(), /^Principal: /);
  denied(
    policy(statement({ Action: 'sts:AssumeRole', Condition: { StringEquals: { [AUD_KEY]: AUD } } })),
    req(),
    `Action: "${ACTION}" does not match "sts:AssumeRole"`,
  );
  const two = policy(
    statement({ Condition: { StringEquals: { [AUD_KEY]: AUD }, StringLike: { [SUB]: `${REPO}:*` } } }),
  );
  denied(two, req({ [AUD_KEY]: 'x', [SUB]: 'y' }), `StringEquals ${AUD_KEY}: "x" does not equal "${AUD}"`);
  const checks = explainTrust(two, req({ [AUD_KEY]: 'x', [SUB]: 'y' })).statements[0]!.checks.map((c) => [
    c.element,
    c.result,
  ]);
  assert.equal(checks, [
    ['Principal', true],
    ['Action', true],
    [`StringEquals ${AUD_KEY}`, false],
    [`StringLike ${SUB}`, false],
  ]);
});

// ——— principal ———

test('Principal: the Federated provider exactly, "*" and {"AWS": "*"} trust every caller, other principals are not a web-identity caller', () => {
  allowed(policy(statement({ Principal: { Federated: [ACME_PROVIDER, PROVIDER] } })), req());
  allowed(policy(statement({ Principal: '*' })), req());
  allowed(policy(statement({ Principal: { AWS: '*' } })), req());
  denied(policy(statement()), req({}, PROVIDER.toUpperCase()), /is not the Federated principal/);
  denied(
    policy(statement({ Principal: { Federated: ACME_PROVIDER } })),
    req(),
    `Principal: "${PROVIDER}" is not the Federated principal "${ACME_PROVIDER}"`,
  );
  for (const p of [
    { AWS: 'arn:aws:iam::123456789012:root' },
    { AWS: '123456789012' },
    { AWS: 'arn:aws:iam::123456789012:role/deployer' },
    { Service: 'sts.amazonaws.com' },
  ]) {
    denied(
      policy(statement({ Principal: p })),
      req(),
      /^Principal: names no Federated principal, only (AWS|Service) .*: a web-identity caller is its OIDC provider/,
    );
  }
  // a Deny naming an IAM role does not cover the web-identity caller
  allowed(
    policy(statement(), { Effect: 'Deny', Principal: { AWS: 'arn:aws:iam::123456789012:role/deployer' }, Action: '*' }),
    req(),
  );
});

test('Principal: NotPrincipal, wildcards inside a principal and an account principal in a Deny are not judged', () => {
  cannotTell(
    policy({ Effect: 'Allow', NotPrincipal: { Federated: ACME_PROVIDER }, Action: ACTION }),
    req(),
    /NotPrincipal in a role trust policy/,
  );
  cannotTell(
    policy(statement({ Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/*' } })),
    req(),
    /wildcard inside a principal/,
  );
  cannotTell(
    policy(statement(), { Effect: 'Deny', Principal: { AWS: '123456789012' }, Action: '*' }),
    req(),
    /may deny it.*account principal in a Deny/,
  );
  cannotTell(
    policy(statement({ Principal: 'arn:aws:iam::123456789012:root' })),
    req(),
    /Principal must be "\*" or an object/,
  );
});

// ——— action ———

test('Action: wildcards * and ?, case-insensitive names; NotAction excludes', () => {
  for (const a of [
    'sts:AssumeRoleWithWebIdentity',
    'STS:assumerolewithwebidentity',
    '*',
    'sts:*',
    'sts:AssumeRole*',
    'sts:*Web*',
    'sts:AssumeRoleWith?ebIdentity',
    ['s3:*', 'sts:Assume*'],
  ]) {
    allowed(policy(statement({ Action: a })), req());
  }
  for (const a of [
    'sts:AssumeRole',
    'sts:TagSession',
    's3:*',
    'sts:AssumeRoleWith?Identity',
    'sts:AssumeRoleWithWebIdentity?',
  ]) {
    denied(policy(statement({ Action: a })), req(), /^Action: /);
  }
  const notAction = (n: unknown) => policy({ Effect: 'Allow', Principal: { Federated: PROVIDER }, NotAction: n });
  allowed(notAction('sts:TagSession'), req());
  denied(notAction(['s3:*', 'sts:*']), req(), `NotAction: any of "s3:*", "sts:*" excludes "${ACTION}"`);
  allowed(policy(statement({ Action: 'sts:TagSession' })), req({}, PROVIDER, 'sts:TagSession'));
  cannotTell(policy(statement({ Action: 'AssumeRoleWithWebIdentity' })), req(), /not of the form service:action/);
  cannotTell(policy(statement({ Action: 'st*:AssumeRoleWithWebIdentity' })), req(), /not of the form service:action/);
});

// ——— condition operators ———

type Case = [operator: string, values: unknown, request: string | string[] | undefined, expected: boolean];

/** One condition on `:sub`, the request's `:sub` as given (undefined: absent). */
function judge([operator, values, value, expected]: Case): void {
  const d = explainTrust(withCondition(operator, SUB, values), req(value === undefined ? {} : { [SUB]: value }));
  assert.is(d.indeterminate, false, `${operator} ${JSON.stringify(values)} on ${JSON.stringify(value)}: ${show(d)}`);
  assert.is(d.allowed, expected, `${operator} ${JSON.stringify(values)} on ${JSON.stringify(value)}: ${show(d)}`);
}

test('StringEquals / StringNotEquals: exact and case-sensitive, no wildcards; several values: any (negated: none)', () => {
  const cases: Case[] = [
    ['StringEquals', 'abc', 'abc', true],
    ['StringEquals', 'abc', 'ABC', false],
    ['StringEquals', 'a*', 'abc', false],
    ['StringEquals', 'a*', 'a*', true],
    ['StringEquals', '?', 'x', false],
    ['StringEquals', ['x', 'abc'], 'abc', true],
    ['StringEquals', ['x', 'y'], 'abc', false],
    ['StringEquals', '', '', true],
    ['StringNotEquals', 'abc', 'abc', false],
    ['StringNotEquals', 'abc', 'ABC', true],
    ['StringNotEquals', ['x', 'abc'], 'abc', false],
    ['StringNotEquals', ['x', 'y'], 'abc', true],
    ['StringEquals', true, 'true', true],
    ['StringEquals', [false], 'false', true],
  ];
  cases.forEach(judge);
});

test('StringEqualsIgnoreCase / StringNotEqualsIgnoreCase: ASCII letters fold, nothing else matches loosely', () => {
  const cases: Case[] = [
    ['StringEqualsIgnoreCase', AUD.toUpperCase(), AUD, true],
    ['StringEqualsIgnoreCase', 'a*', 'ABC', false],
    ['StringEqualsIgnoreCase', 'abc', 'abd', false],
    ['StringNotEqualsIgnoreCase', 'ABC', 'abc', false],
    ['StringNotEqualsIgnoreCase', ['x', 'y'], 'abc', true],
    ['StringEqualsIgnoreCase', 'é', 'é', true],
  ];
  cases.forEach(judge);
  cannotTell(withCondition('StringEqualsIgnoreCase', SUB, 'É'), req({ [SUB]: 'é' }), /non-ASCII letter/);
});

test('StringLike / StringNotLike: * and ? wildcards, case-sensitive, regex characters literal', () => {
  const cases: Case[] = [
    ['StringLike', `${REPO}:*`, `${REPO}:${STEP}`, true],
    ['StringLike', `${REPO}:*`, `${REPO}:${ENV}:${STEP}`, true],
    ['StringLike', `${REPO}:${ENV}:*`, `${REPO}:${STEP}`, false],
    ['StringLike', `${REPO}:*`, `${OTHER_REPO}:${STEP}`, false],
    ['StringLike', `${REPO}:*`, `${REPO.toUpperCase()}:${STEP}`, false],
    ['StringLike', `${REPO}*`, REPO, true],
    ['StringLike', 'a?c', 'abc', true],
    ['StringLike', 'a?c', 'ac', false],
    ['StringLike', 'a.c', 'abc', false],
    ['StringLike', '(.*)', 'x', false],
    ['StringLike', ['x', '*'], '', true],
    ['StringNotLike', `${REPO}:*`, `${OTHER_REPO}:${STEP}`, true],
    ['StringNotLike', `${REPO}:*`, `${REPO}:${STEP}`, false],
    ['StringNotLike', ['x*', `${REPO}:*`], `${REPO}:${STEP}`, false],
  ];
  cases.forEach(judge);
  denied(
    withCondition('StringLike', SUB, `${REPO}:${ENV}:*`),
    req({ [SUB]: `${REPO}:${STEP}` }),
    `StringLike ${SUB}: "${REPO}:${STEP}" does not match "${REPO}:${ENV}:*"`,
  );
  denied(
    withCondition('StringNotLike', SUB, ['x*', `${REPO}:*`]),
    req({ [SUB]: `${REPO}:${STEP}` }),
    `StringNotLike ${SUB}: "${REPO}:${STEP}" matches "${REPO}:*"`,
  );
});

test('a missing key: positive operators fail, negated ones pass, IfExists passes; a present key is judged as usual', () => {
  const cases: Case[] = [
    ['StringEquals', 'x', undefined, false],
    ['StringLike', '*', undefined, false],
    ['StringEqualsIgnoreCase', 'x', undefined, false],
    ['StringNotEquals', 'x', undefined, true],
    ['StringNotLike', '*', undefined, true],
    ['StringNotEqualsIgnoreCase', 'x', undefined, true],
    ['StringEqualsIfExists', 'x', undefined, true],
    ['StringLikeIfExists', 'x*', undefined, true],
    ['StringNotLikeIfExists', '*', undefined, true],
    ['StringEqualsIfExists', 'x', 'y', false],
    ['StringLikeIfExists', 'x*', 'xy', true],
    ['StringNotEqualsIfExists', 'x', 'x', false],
  ];
  cases.forEach(judge);
  denied(withCondition('StringLike', SUB, '*'), req(), `StringLike ${SUB}: the request has no such key`);
});

test('ForAnyValue / ForAllValues: over each request value; a single value is a set of one; a missing key fails ForAnyValue, passes ForAllValues', () => {
  const cases: Case[] = [
    ['ForAnyValue:StringEquals', 'b', ['a', 'b'], true],
    ['ForAnyValue:StringEquals', 'c', ['a', 'b'], false],
    ['ForAnyValue:StringLike', ['x', 'b*'], ['a', 'bc'], true],
    ['ForAllValues:StringEquals', ['a', 'b'], ['a', 'b'], true],
    ['ForAllValues:StringEquals', 'a', ['a', 'b'], false],
    ['ForAllValues:StringLike', '*', ['a', 'b'], true],
    ['ForAnyValue:StringNotEquals', 'a', ['a', 'b'], true],
    ['ForAnyValue:StringNotEquals', ['a', 'b'], ['a', 'b'], false],
    ['ForAllValues:StringNotEquals', 'c', ['a', 'b'], true],
    ['ForAllValues:StringNotEquals', 'a', ['a', 'b'], false],
    ['ForAnyValue:StringEqualsIgnoreCase', 'B', ['a', 'b'], true],
    ['ForAnyValue:StringEquals', 'a', 'a', true],
    ['ForAllValues:StringEquals', 'a', 'b', false],
    ['ForAnyValue:StringEquals', 'a', undefined, false],
    ['ForAnyValue:StringNotEquals', 'a', undefined, false],
    ['ForAllValues:StringEquals', 'a', undefined, true],
    ['ForAllValues:StringEqualsIfExists', 'a', undefined, true],
    ['ForAnyValue:StringEqualsIfExists', 'b', ['a', 'b'], true],
  ];
  cases.forEach(judge);
  denied(
    withCondition('ForAnyValue:StringEquals', SUB, 'c'),
    req({ [SUB]: ['a', 'b'] }),
    `ForAnyValue:StringEquals ${SUB}: no value passes: "a" does not equal "c"; "b" does not equal "c"`,
  );
});

test('Null: "true" requires the key absent, "false" present (booleans too)', () => {
  const cases: Case[] = [
    ['Null', 'true', undefined, true],
    ['Null', 'true', 'x', false],
    ['Null', true, undefined, true],
    ['Null', 'false', 'x', true],
    ['Null', false, undefined, false],
    ['Null', 'false', '', true],
    ['Null', ['true', 'false'], 'x', true],
  ];
  cases.forEach(judge);
  denied(
    withCondition('Null', SUB, 'false'),
    req(),
    `Null ${SUB}: the key is absent, the condition requires it present`,
  );
});

test('condition keys match case-insensitively, values case-sensitively', () => {
  allowed(withCondition('StringEquals', `${H.toUpperCase()}:SUB`, 'abc'), req({ [SUB]: 'abc' }));
  allowed(withCondition('StringEquals', SUB, 'abc'), req({ [`${H}:Sub`]: 'abc' }));
  denied(withCondition('StringEquals', SUB.toUpperCase(), 'ABC'), req({ [SUB]: 'abc' }));
  cannotTell(
    withCondition('StringEquals', SUB, 'abc'),
    req({ [SUB]: 'abc', [SUB.toUpperCase()]: 'x' }),
    /two spellings/,
  );
});

test('several keys and several operators: all must hold', () => {
  const doc = policy(
    statement({
      Condition: { StringEquals: { [AUD_KEY]: AUD, [`${H}:amr`]: 'x' }, StringLike: { [SUB]: `${REPO}:*` } },
    }),
  );
  allowed(doc, req({ [AUD_KEY]: AUD, [`${H}:amr`]: 'x', [SUB]: `${REPO}:${STEP}` }));
  denied(
    doc,
    req({ [AUD_KEY]: AUD, [`${H}:amr`]: 'y', [SUB]: `${REPO}:${STEP}` }),
    `StringEquals ${H}:amr: "y" does not equal "x"`,
  );
  denied(doc, req({ [AUD_KEY]: AUD, [`${H}:amr`]: 'x', [SUB]: `${OTHER_REPO}:${STEP}` }), /^StringLike .*:sub/);
});

// ——— what it does not judge ———

test('unsupported constructs: the evaluator says so and denies', () => {
  const present = req({ [SUB]: 'abc', [AUD_KEY]: [AUD, 'custom'] });
  cannotTell(
    withCondition('NumericLessThan', SUB, '3'),
    present,
    /condition operator "NumericLessThan" is not supported/,
  );
  cannotTell(withCondition('stringequals', SUB, 'abc'), present, /"stringequals" is not supported/);
  cannotTell(withCondition('ForAnyValue:Null', SUB, 'true'), present, /not supported/);
  cannotTell(
    withCondition('StringEquals', SUB, '${aws:username}'),
    present,
    /policy variables such as "\$\{aws:username\}"/,
  );
  cannotTell(
    withCondition('StringEquals', AUD_KEY, AUD),
    present,
    /has a list .* StringEquals compares a single value: use ForAnyValue:/,
  );
  cannotTell(withCondition('StringNotEqualsIfExists', AUD_KEY, 'x'), present, /has a list/);
  cannotTell(
    withCondition('ForAnyValue:StringEqualsIfExists', `${H}:amr`, 'x'),
    present,
    /ForAnyValue…IfExists on an absent key/,
  );
  cannotTell(withCondition('StringEquals', SUB, 3), present, /values must be strings/);
  cannotTell(withCondition('Null', SUB, 'yes'), present, /Null takes "true" or "false"/);
  cannotTell(withCondition('ForAllValues:StringEquals', SUB, 'a'), req({ [SUB]: [] }), /empty list/);
  cannotTell(policy(statement({ Resource: '*' })), present, /"Resource" is not an element of a role trust policy/);
  cannotTell(policy(statement({ Effect: 'allow' })), present, /Effect must be "Allow" or "Deny"/);
  cannotTell(policy({ Effect: 'Allow', Principal: '*' }), present, /needs either Action or NotAction/);
  cannotTell(policy(statement({ NotAction: 's3:*' })), present, /needs either Action or NotAction/);
  cannotTell(policy(), present, /Statement must be/);
  cannotTell('not a policy', present, /not a JSON object/);
  cannotTell({ ...policy(statement()), Version: '2020-01-01' }, present, /unknown Version/);
});

test('what is not judged only matters when the outcome depends on it (three-valued logic)', () => {
  const unsupported = { Condition: { NumericLessThan: { [SUB]: '3' } } };
  // another Allow grants: allowed
  allowed(policy(statement(unsupported), statement()), req());
  // a failing check decides the statement whatever the unsupported one says
  denied(
    policy(statement({ ...unsupported, Action: 'sts:AssumeRole' })),
    req(),
    `Action: "${ACTION}" does not match "sts:AssumeRole"`,
  );
  // an undecidable Deny next to a granting Allow: denied, naming the Deny
  const d = explainTrust(
    policy(statement(), { Sid: 'Guard', Effect: 'Deny', Principal: '*', Action: '*', ...unsupported }),
    req({ [SUB]: 'x' }),
  );
  assert.is(d.allowed, false);
  assert.is(d.indeterminate, true);
  assert.match(
    d.reasons[0]!,
    /^statement 1 allows it, but statement "Guard" \(Deny\) may deny it, so it is treated as denied — NumericLessThan .*:sub: cannot evaluate/,
  );
  // an undecidable Deny whose other checks fail does not deny
  allowed(policy(statement(), { Effect: 'Deny', Principal: '*', Action: 's3:*', ...unsupported }), req());
  // a missing key decides without reading the values
  allowed(withCondition('StringNotEquals', SUB, '${aws:username}'), req());
});

// ——— the generated trust policies ———

function generatedRoles(environments = '') {
  const { model, files } = renderRepo(answers({ environments }));
  return new Map(model.roles.map((r) => [r.environment ?? 'pipeline', JSON.parse(files.get(r.trustFile)!) as unknown]));
}

const token = (sub: string, aud = AUD, host = H) =>
  req({ [`${host}:aud`]: aud, [`${host}:sub`]: sub }, `arn:aws:iam::123456789012:oidc-provider/${host}`);

test("generated trust policy: this repository's tokens are allowed, any other repository, workspace or audience denied with the failing condition", () => {
  const trust = generatedRoles().get('pipeline')!;
  allowed(trust, token(`${REPO}:${STEP}`));
  allowed(trust, token(`${REPO}:${ENV}:${STEP}`));
  denied(
    trust,
    token(`${OTHER_REPO}:${STEP}`),
    `StringLike ${SUB}: "${OTHER_REPO}:${STEP}" does not match "${REPO}:*"`,
  );
  denied(
    trust,
    token(`${REPO.slice(1, -1)}:${STEP}`),
    `StringLike ${SUB}: "${REPO.slice(1, -1)}:${STEP}" does not match "${REPO}:*"`,
  );
  const braced = AUD.replace(/([0-9a-f-]{36})$/, '{$1}');
  denied(trust, token(`${REPO}:${STEP}`, braced), `StringEquals ${AUD_KEY}: "${braced}" does not equal "${AUD}"`);
  denied(
    trust,
    token(`${REPO}:${STEP}`, AUD, ACME_H),
    `Principal: "${ACME_PROVIDER}" is not the Federated principal "${PROVIDER}"`,
  );
  denied(trust, req({ [AUD_KEY]: AUD }), `StringLike ${SUB}: the request has no such key`);
});

test('generated trust policies per deployment environment: each role admits its own environment only', () => {
  const roles = generatedRoles(`test=${ENV.slice(1, -1)},production=2c3d4e5f-0000-4000-8000-00000000000c`);
  const testRole = roles.get('test')!;
  const production = roles.get('production')!;
  allowed(testRole, token(`${REPO}:${ENV}:${STEP}`));
  denied(
    production,
    token(`${REPO}:${ENV}:${STEP}`),
    /^StringLike .*:sub: .* does not match "\{0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d\}:\{2c3d4e5f-0000-4000-8000-00000000000c\}:\*"$/,
  );
  denied(testRole, token(`${REPO}:${STEP}`), `StringLike ${SUB}: "${REPO}:${STEP}" does not match "${REPO}:${ENV}:*"`);
  denied(testRole, token(`${OTHER_REPO}:${ENV}:${STEP}`), /does not match/);
});

test.run();
