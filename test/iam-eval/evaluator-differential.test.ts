/**
 * Our IAM engine against an independent evaluator (@cloud-copilot/iam-simulate) on random trust policies
 * with web-identity requests, and on random identity policies with calls made by the role: both must
 * reach the same decision whenever ours reaches one.
 * Where ours answers "cannot evaluate" (indeterminate) it must deny; those cases are counted, not compared:
 * they are exactly the classes where AWS documents no outcome and iam-simulate picks one —
 *   - a single-valued operator on a list value (iam-simulate: never matches, even negated),
 *   - ForAnyValue:…IfExists on an absent key (iam-simulate ignores IfExists there),
 *   - an account principal (`"AWS": "123456789012"`) in a Deny (iam-simulate: denies the account's callers),
 *   - NotPrincipal, which IAM refuses in role trust policies,
 *   - a policy variable (`${…}`) compared with a present key, or in a Resource.
 * Identity calls act on one named resource: a call on `*` (an action without resource-level permissions)
 * is left out, since iam-simulate's unsafe simulation lets any Resource of an Allow match it, where AWS
 * grants such an action only with `"Resource": "*"`. The ARN patterns keep wildcards out of the partition,
 * service, region and account segments, which iam-simulate matches one segment at a time and ours over the whole ARN.
 * The pools hold no newline and no non-ASCII letter: iam-simulate builds regular expressions whose `.` does
 * not match a newline (AWS's `*` matches any character), and case folding beyond ASCII is not documented.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { explainIdentity, explainTrust } from '../../src/core/iam-eval/index.ts';
import type { Explanation, IdentityRequest, TrustRequest } from '../../src/core/iam-eval/index.ts';
import { answers, renderRepo } from '../support/fixtures.ts';
import { callAsRole, callOnRole, identityPolicy, trustPolicy } from '../support/iam-simulator.ts';

const ACCOUNT = '123456789012';
const ROLE = { arn: `arn:aws:iam::${ACCOUNT}:role/bitbucket-pipeline-oidc-role`, account: ACCOUNT };
const hostPath = (workspace: string) => `api.bitbucket.org/2.0/workspaces/${workspace}/pipelines-config/identity/oidc`;
const H = hostPath('phub');
const H2 = hostPath('acme');
const provider = (account: string, host: string) => `arn:aws:iam::${account}:oidc-provider/${host}`;
const PROVIDER = provider(ACCOUNT, H);
const PROVIDER2 = provider(ACCOUNT, H2);

const WS = '7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a';
const REPO = '{0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d}';
const OTHER = '{1d2c3b4a-5968-4776-8594-a3b2c1d0e9f8}';
const ENV = '{8e7d6c5b-4a39-4281-9f0e-d1c2b3a49586}';
const STEP = '{5f0c8b2e-9d41-4c7a-b3e6-2a1d0c9b8e7f}';
const AUD = `ari:cloud:bitbucket::workspace/${WS}`;

/** Strings both as condition values and as request values: wildcard characters are literal in requests. */
const VALUES = [
  AUD,
  `ari:cloud:bitbucket::workspace/{${WS}}`,
  AUD.toUpperCase(),
  `${REPO}:${STEP}`,
  `${REPO}:${ENV}:${STEP}`,
  `${OTHER}:${STEP}`,
  `${REPO.toUpperCase()}:${STEP}`,
  `${REPO}:*`,
  `${REPO}:${ENV}:*`,
  `${REPO}:?*`,
  `*:${STEP}`,
  `${REPO}*`,
  `?${REPO.slice(1)}:*`,
  `${REPO.toUpperCase()}:*`,
  '*',
  '?',
  '',
  'a.b',
  'aXb',
  'a*b',
  'A.B',
  '(.*)',
  '[x]',
  '$',
  'true',
  'false',
];
const POLICY_VALUES = [...VALUES, '${aws:username}'];
const KEYS = [`${H}:aud`, `${H}:sub`, `${H}:AUD`, `${H.toUpperCase()}:Sub`, `${H}:amr`, `${H2}:sub`, `${H}:branchName`];
/** The request's keys (one spelling each); `:branchName` is never set, as AWS never sets it. */
const REQUEST_KEYS = [`${H}:aud`, `${H}:sub`, `${H}:amr`, `${H2}:sub`];
const ACTIONS = [
  'sts:AssumeRoleWithWebIdentity',
  'sts:AssumeRole',
  'sts:*',
  '*',
  'sts:AssumeRole*',
  'sts:AssumeRoleWith?ebIdentity',
  'STS:assumerolewithwebidentity',
  'sts:TagSession',
  's3:*',
  'sts:*Web*',
  'sts:?',
];
const BASE_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
];

const oneOrMore = <T>(arb: fc.Arbitrary<T>, max = 3) => fc.oneof(arb, fc.array(arb, { minLength: 1, maxLength: max }));

const principal = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ Federated: PROVIDER }) },
  { weight: 1, arbitrary: fc.constant({ Federated: PROVIDER2 }) },
  { weight: 1, arbitrary: fc.constant({ Federated: [PROVIDER2, PROVIDER] }) },
  { weight: 1, arbitrary: fc.constant({ Federated: provider('210987654321', H) }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('*', { AWS: '*' }, { AWS: ['*'] }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      { AWS: `arn:aws:iam::${ACCOUNT}:role/deployer` },
      { Service: 'sts.amazonaws.com' },
      { AWS: ACCOUNT },
      { AWS: `arn:aws:iam::${ACCOUNT}:root` },
    ),
  },
  { weight: 1, arbitrary: fc.constant({ Federated: PROVIDER, AWS: `arn:aws:iam::${ACCOUNT}:role/deployer` }) },
);

const operatorName = fc.oneof(
  {
    weight: 9,
    arbitrary: fc
      .tuple(
        fc.constantFrom('', '', 'ForAnyValue:', 'ForAllValues:'),
        fc.constantFrom(...BASE_OPERATORS),
        fc.constantFrom('', '', 'IfExists'),
      )
      .map(([s, b, e]) => s + b + e),
  },
  { weight: 1, arbitrary: fc.constant('Null') },
);
const nullValue = fc.constantFrom<unknown>(true, false, 'true', 'false', ['true', 'false']);

const conditionBlock = operatorName.chain((op) =>
  fc.tuple(
    fc.constant(op),
    fc.dictionary(fc.constantFrom(...KEYS), op === 'Null' ? nullValue : oneOrMore(fc.constantFrom(...POLICY_VALUES)), {
      minKeys: 1,
      maxKeys: 2,
    }),
  ),
);

const statement = fc
  .record(
    {
      Effect: fc.constantFrom('Allow', 'Allow', 'Deny'),
      principal: fc.oneof(
        { weight: 30, arbitrary: principal.map((p) => ({ Principal: p })) },
        { weight: 1, arbitrary: fc.constant({ NotPrincipal: { Federated: PROVIDER2 } }) },
      ),
      action: fc.oneof(
        { weight: 6, arbitrary: oneOrMore(fc.constantFrom(...ACTIONS), 2).map((a) => ({ Action: a })) },
        { weight: 1, arbitrary: oneOrMore(fc.constantFrom(...ACTIONS), 2).map((a) => ({ NotAction: a })) },
      ),
      Condition: fc.option(
        fc.array(conditionBlock, { minLength: 1, maxLength: 3 }).map((blocks) => Object.fromEntries(blocks)),
        { nil: undefined, freq: 5 },
      ),
    },
    { requiredKeys: ['Effect', 'principal', 'action'] },
  )
  .map(({ Effect, principal: p, action, Condition }) => ({
    Effect,
    ...p,
    ...action,
    ...(Condition ? { Condition } : {}),
  }));

const policy = fc
  .array(statement, { minLength: 1, maxLength: 3 })
  .map((Statement) => ({ Version: '2012-10-17', Statement }));

const requestValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...VALUES) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...VALUES), { minLength: 1, maxLength: 3 }) },
);
const request: fc.Arbitrary<TrustRequest> = fc.record({
  federated: fc.constantFrom(PROVIDER, PROVIDER, PROVIDER, PROVIDER2),
  action: fc.constantFrom(
    'sts:AssumeRoleWithWebIdentity',
    'sts:AssumeRoleWithWebIdentity',
    'sts:AssumeRoleWithWebIdentity',
    'sts:TagSession',
  ),
  context: fc
    .tuple(
      ...REQUEST_KEYS.map((k) =>
        fc.option(fc.tuple(fc.constantFrom(k, k.toUpperCase()), requestValue), { nil: undefined, freq: 3 }),
      ),
    )
    .map((entries) => Object.fromEntries(entries.filter((e) => e !== undefined))),
});

interface Tally {
  compared: number;
  allowed: number;
  explicit: number;
  indeterminate: number;
}

/** Both evaluators' decisions on one case, tallied; throws a message showing the case where they differ. */
function agree(ours: Explanation, theirs: string, request: unknown, doc: unknown, tally: Tally): boolean {
  const show = () =>
    `ours: ${JSON.stringify(ours.allowed ? 'Allowed' : ours.reasons)}\niam-simulate: ${theirs}\nrequest: ${JSON.stringify(request)}\npolicy: ${JSON.stringify(doc)}`;
  if (ours.indeterminate) {
    assert.not.ok(ours.allowed, `indeterminate but allowed\n${show()}`);
    tally.indeterminate++;
    return true;
  }
  assert.is(ours.allowed, theirs === 'Allowed', show());
  // explicit versus implicit denial, when no statement is undecided (then "which one" is fully known)
  if (ours.statements.every((s) => s.result !== 'unknown')) {
    assert.is(ours.deniedBy !== undefined, theirs === 'ExplicitlyDenied', `explicit deny differs\n${show()}`);
  }
  tally.compared++;
  if (ours.allowed) tally.allowed++;
  if (ours.deniedBy) tally.explicit++;
  return true;
}

function compare(doc: unknown, req: TrustRequest, tally: Tally): boolean {
  const theirs = callOnRole(trustPolicy(doc), ROLE, req.federated, req.action, req.context).decision;
  return agree(explainTrust(doc, req), theirs, req, doc, tally);
}

test('random trust policies: our evaluator and iam-simulate reach the same decision', () => {
  const tally: Tally = { compared: 0, allowed: 0, explicit: 0, indeterminate: 0 };
  const runs = 3000;
  fc.assert(
    fc.property(policy, request, (doc, req) => compare(doc, req, tally)),
    { numRuns: runs },
  );
  console.log(
    `  random policies: ${runs} cases, ${tally.compared} compared (${tally.allowed} allowed, ${tally.explicit} explicitly denied), ${tally.indeterminate} indeterminate`,
  );
  // the comparison must have power: most cases decided, and both outcomes well represented
  assert.ok(tally.compared >= runs * 0.7, `only ${tally.compared} of ${runs} cases were decided`);
  assert.ok(tally.allowed >= runs * 0.1, `only ${tally.allowed} allowed cases`);
  assert.ok(tally.explicit >= runs * 0.03, `only ${tally.explicit} explicitly denied cases`);
});

test('the generated trust policies: both evaluators agree on random tokens', () => {
  const roles = [answers(), answers({ environments: 'test=8e7d6c5b-4a39-4281-9f0e-d1c2b3a49586,production' })].flatMap(
    (a) => {
      const { model, files } = renderRepo(a);
      return model.roles.map((r) => JSON.parse(files.get(r.trustFile)!) as unknown);
    },
  );
  const subs = fc.constantFrom(
    `${REPO}:${STEP}`,
    `${REPO}:${STEP}`,
    `${REPO}:${ENV}:${STEP}`,
    `${REPO}:${ENV}:${STEP}`,
    `${REPO}:${ENV}:${STEP}`,
    `${OTHER}:${STEP}`,
    `${OTHER}:${ENV}:${STEP}`,
    `${REPO}:${STEP.toUpperCase()}`,
    `${REPO}`,
    `${REPO}:`,
    '',
  );
  const tokenRequest = fc.record({
    federated: fc.constantFrom(PROVIDER, PROVIDER, PROVIDER, PROVIDER2),
    aud: fc.option(fc.constantFrom(AUD, AUD, AUD, `ari:cloud:bitbucket::workspace/{${WS}}`, AUD.toUpperCase()), {
      nil: undefined,
      freq: 8,
    }),
    sub: fc.option(subs, { nil: undefined, freq: 8 }),
  });
  const tally: Tally = { compared: 0, allowed: 0, explicit: 0, indeterminate: 0 };
  fc.assert(
    fc.property(fc.constantFrom(...roles), tokenRequest, (doc, t) => {
      const context: Record<string, string> = {};
      if (t.aud !== undefined) context[`${H}:aud`] = t.aud;
      if (t.sub !== undefined) context[`${H}:sub`] = t.sub;
      return compare(doc, { federated: t.federated, action: 'sts:AssumeRoleWithWebIdentity', context }, tally);
    }),
    { numRuns: 500 },
  );
  console.log(`  generated policies: 500 cases, ${tally.compared} compared (${tally.allowed} allowed)`);
  assert.is(tally.indeterminate, 0, 'the generated policies use only what the evaluator judges');
  assert.ok(tally.allowed > 20 && tally.compared - tally.allowed > 20, `allowed ${tally.allowed} of ${tally.compared}`);
});

// ——— Identity policies: the calls a role's session makes ———

const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/bitbucket-pipeline-oidc-role/pipeline`;
const TASK_ROLE = `arn:aws:iam::${ACCOUNT}:role/task`;
const CALL_ACTIONS = ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:ListBucket', 'iam:PassRole'];
const CALL_RESOURCES = [
  'arn:aws:s3:::site/index.html',
  'arn:aws:s3:::site/assets/app.js',
  'arn:aws:s3:::site',
  'arn:aws:s3:::Site/index.html',
  'arn:aws:s3:::other/index.html',
  TASK_ROLE,
];
const ACTION_PATTERNS = [
  's3:PutObject',
  's3:*',
  '*',
  's3:Get*',
  'S3:putobject',
  's3:?utObject',
  's3:*Object',
  'iam:PassRole',
  'iam:*',
  'sqs:*',
];
const RESOURCE_PATTERNS = [
  '*',
  'arn:aws:s3:::site/*',
  'arn:aws:s3:::site',
  'arn:aws:s3:::site*',
  'arn:aws:s3:::*',
  'arn:aws:s3:::site/index.???l',
  'arn:aws:s3:::site/*/app.js',
  'arn:aws:s3:::Site/*',
  'arn:aws:s3:::other/*',
  `arn:aws:iam::${ACCOUNT}:role/*`,
  `arn:aws:iam::*:role/task`,
  'arn:aws:s3:::${aws:username}/*',
];

const identityStatement = fc
  .record(
    {
      Effect: fc.constantFrom('Allow', 'Allow', 'Deny'),
      action: fc.oneof(
        { weight: 5, arbitrary: oneOrMore(fc.constantFrom(...ACTION_PATTERNS), 2).map((a) => ({ Action: a })) },
        { weight: 2, arbitrary: oneOrMore(fc.constantFrom(...ACTION_PATTERNS), 2).map((a) => ({ NotAction: a })) },
      ),
      resource: fc.oneof(
        { weight: 5, arbitrary: oneOrMore(fc.constantFrom(...RESOURCE_PATTERNS), 2).map((r) => ({ Resource: r })) },
        { weight: 2, arbitrary: oneOrMore(fc.constantFrom(...RESOURCE_PATTERNS), 2).map((r) => ({ NotResource: r })) },
      ),
      Condition: fc.option(
        fc.array(conditionBlock, { minLength: 1, maxLength: 2 }).map((blocks) => Object.fromEntries(blocks)),
        { nil: undefined, freq: 3 },
      ),
    },
    { requiredKeys: ['Effect', 'action', 'resource'] },
  )
  .map(({ Effect, action, resource, Condition }) => ({
    Effect,
    ...action,
    ...resource,
    ...(Condition ? { Condition } : {}),
  }));

const identityPolicies = fc.array(
  fc
    .array(identityStatement, { minLength: 1, maxLength: 3 })
    .map((Statement) => ({ Version: '2012-10-17', Statement })),
  { minLength: 1, maxLength: 2 },
);

const call: fc.Arbitrary<IdentityRequest> = fc.record({
  action: fc.constantFrom(...CALL_ACTIONS),
  resource: fc.constantFrom(...CALL_RESOURCES),
  context: request.map((r) => r.context),
});

test("random identity policies: our engine and iam-simulate reach the same decision on the role's calls", () => {
  const tally: Tally = { compared: 0, allowed: 0, explicit: 0, indeterminate: 0 };
  const runs = 3000;
  fc.assert(
    fc.property(identityPolicies, call, (docs, req) => {
      const theirs = callAsRole(
        identityPolicy(docs[0]),
        SESSION,
        req.action,
        { arn: req.resource, account: ACCOUNT },
        req.context,
        docs.slice(1).map(identityPolicy),
      ).decision;
      return agree(explainIdentity(docs, req), theirs, req, docs, tally);
    }),
    { numRuns: runs },
  );
  console.log(
    `  identity policies: ${runs} cases, ${tally.compared} compared (${tally.allowed} allowed, ${tally.explicit} explicitly denied), ${tally.indeterminate} indeterminate`,
  );
  assert.ok(tally.compared >= runs * 0.6, `only ${tally.compared} of ${runs} cases were decided`);
  assert.ok(tally.allowed >= runs * 0.1, `only ${tally.allowed} allowed cases`);
  assert.ok(tally.explicit >= runs * 0.05, `only ${tally.explicit} explicitly denied cases`);
});

test.run();
