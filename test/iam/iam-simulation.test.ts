/**
 * The generated IAM policies, judged by an independent IAM evaluator (@cloud-copilot/iam-simulate):
 * tokens of this repository may assume the role, realistic near misses may not, the placeholder trust
 * policy admits nobody, and the role's own permissions stop at reading itself. Expected ARNs, keys and
 * claims are written out here from Bitbucket's and AWS's documentation, not taken from src/.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Answers } from '../../src/core/answers/questions.ts';
import { answers, renderRepo, STEP_UUID as STEP } from '../support/fixtures.ts';
import {
  assertAllowed,
  assertDenied,
  assumeRoleWithWebIdentity,
  callAsRole,
  callOnRole,
  identityPolicy,
  trustPolicy,
  type WebIdentityRequest,
} from '../support/iam-simulator.ts';

interface AnswerSet {
  label: string;
  answers: Answers;
  /** The partition of the region, from AWS's partition list. */
  partition: string;
}

const SETS: AnswerSet[] = [
  { label: 'example, eu-west-1', answers: answers(), partition: 'aws' },
  {
    label: 'cn-north-1, another role name',
    answers: answers({ region: 'cn-north-1', roleName: 'deploy-from-bitbucket' }),
    partition: 'aws-cn',
  },
  {
    label: 'us-gov-west-1, another workspace, account and repository',
    answers: answers({
      region: 'us-gov-west-1',
      workspace: 'acme_team-2',
      workspaceUuid: 'c0ffee00-1234-4abc-8def-0123456789ab',
      account: '210987654321',
      repoUuid: 'deadbeef-0000-4000-8000-000000000001',
      roleName: 'ci+deploy=role,x.y@z_w-1',
      auth: 'assume-role',
      iac: 'none',
    }),
    partition: 'aws-us-gov',
  },
  {
    label: 'eu-isoe-west-1, Terraform only',
    answers: answers({ region: 'eu-isoe-west-1', iac: 'terraform', roleName: 'r' }),
    partition: 'aws-iso-e',
  },
];

const ENVIRONMENT = '{8e7d6c5b-4a39-4281-9f0e-d1c2b3a49586}';
const OTHER_REPO = '1d2c3b4a-5968-4776-8594-a3b2c1d0e9f8';
const OTHER_WORKSPACE_UUID = '2b3c4d5e-6f70-4812-9a3b-4c5d6e7f8091';

const hostPath = (workspace: string) => `api.bitbucket.org/2.0/workspaces/${workspace}/pipelines-config/identity/oidc`;
const audience = (workspaceUuid: string) => `ari:cloud:bitbucket::workspace/${workspaceUuid}`;
const providerArn = (partition: string, account: string, workspace: string) =>
  `arn:${partition}:iam::${account}:oidc-provider/${hostPath(workspace)}`;
const roleArn = (partition: string, account: string, name: string) => `arn:${partition}:iam::${account}:role/${name}`;

function policies(a: Answers) {
  const { files } = renderRepo(a);
  const json = (path: string): unknown => {
    const text = files.get(path);
    if (text === undefined) throw new Error(`${path} was not generated`);
    return JSON.parse(text);
  };
  return { trust: trustPolicy(json('iam/trust-policy.json')), inline: identityPolicy(json('iam/inline-policy.json')) };
}

/** A token of a workspace, as STS sees it in the role's account. */
function token(
  set: AnswerSet,
  claims: { workspace?: string; workspaceUuid?: string; sub?: string; aud?: string; account?: string },
): WebIdentityRequest {
  const a = set.answers;
  const workspace = claims.workspace ?? a.workspace;
  return {
    providerArn: providerArn(set.partition, claims.account ?? a.account, workspace),
    issuerHostPath: hostPath(workspace),
    aud: 'aud' in claims ? claims.aud : audience(claims.workspaceUuid ?? a.workspaceUuid),
    ...('sub' in claims ? { sub: claims.sub } : {}),
  };
}

const role = (set: AnswerSet) => ({
  arn: roleArn(set.partition, set.answers.account, set.answers.roleName),
  account: set.answers.account,
});
const braced = (uuid: string) => `{${uuid}}`;

for (const set of SETS) {
  const a = set.answers;
  const repo = braced(a.repoUuid);

  test(`${set.label}: a step of this repository may assume the role`, () => {
    const { trust } = policies(a);
    assertAllowed(assumeRoleWithWebIdentity(trust, role(set), token(set, { sub: `${repo}:${STEP}` })), 'plain step');
    assertAllowed(
      assumeRoleWithWebIdentity(trust, role(set), token(set, { sub: `${repo}:${ENVIRONMENT}:${STEP}` })),
      'step with a deployment environment',
    );
    // the step (and environment) UUIDs change from run to run
    fc.assert(
      fc.property(fc.uuid(), fc.option(fc.uuid(), { nil: undefined }), (step, environment) => {
        const sub =
          environment === undefined ? `${repo}:${braced(step)}` : `${repo}:${braced(environment)}:${braced(step)}`;
        assertAllowed(assumeRoleWithWebIdentity(trust, role(set), token(set, { sub })), `sub ${sub}`);
      }),
      { numRuns: 100 },
    );
  });

  test(`${set.label}: near misses may not assume the role`, () => {
    const { trust } = policies(a);
    const otherSlug = `${a.workspace}-staging`;
    const nearMisses: Array<[string, WebIdentityRequest]> = [
      ['another repository of the workspace', token(set, { sub: `${braced(OTHER_REPO)}:${STEP}` })],
      ['another repository, deployment step', token(set, { sub: `${braced(OTHER_REPO)}:${ENVIRONMENT}:${STEP}` })],
      ['our repository UUID in the environment position', token(set, { sub: `${braced(OTHER_REPO)}:${repo}:${STEP}` })],
      [
        'a repository UUID differing in the last digit',
        token(set, { sub: `${braced(a.repoUuid.slice(0, -1) + (a.repoUuid.endsWith('0') ? '1' : '0'))}:${STEP}` }),
      ],
      ['a repository UUID that extends ours', token(set, { sub: `${braced(`${a.repoUuid}0`)}:${STEP}` })],
      ['characters between the closing brace and the colon', token(set, { sub: `${repo}x:${STEP}` })],
      ['sub without braces', token(set, { sub: `${a.repoUuid}:${STEP.slice(1, -1)}` })],
      ['sub without braces around the repository only', token(set, { sub: `${a.repoUuid}:${STEP}` })],
      ['no sub claim', token(set, {})],
      [
        'another workspace (its own provider, issuer and audience)',
        token(set, { workspace: otherSlug, workspaceUuid: OTHER_WORKSPACE_UUID, sub: `${repo}:${STEP}` }),
      ],
      ['another workspace claiming our audience', token(set, { workspace: otherSlug, sub: `${repo}:${STEP}` })],
      [
        'the same issuer registered in another account',
        token(set, { account: '999999999999', sub: `${repo}:${STEP}` }),
      ],
      [
        'audience with braces around the UUID',
        token(set, { aud: audience(braced(a.workspaceUuid)), sub: `${repo}:${STEP}` }),
      ],
      ['audience of another workspace', token(set, { workspaceUuid: OTHER_WORKSPACE_UUID, sub: `${repo}:${STEP}` })],
      ['the audience GitHub Actions uses', token(set, { aud: 'sts.amazonaws.com', sub: `${repo}:${STEP}` })],
      ['no aud claim', token(set, { aud: undefined, sub: `${repo}:${STEP}` })],
    ];
    for (const [label, request] of nearMisses)
      assertDenied(assumeRoleWithWebIdentity(trust, role(set), request), label);
    fc.assert(
      fc.property(
        fc.uuid().filter((u) => u !== a.repoUuid),
        fc.uuid(),
        (other, step) =>
          assertDenied(
            assumeRoleWithWebIdentity(trust, role(set), token(set, { sub: `${braced(other)}:${braced(step)}` })),
            `repository ${other}`,
          ),
      ),
      { numRuns: 100 },
    );
  });

  test(`${set.label}: an IAM principal of the account may not sts:AssumeRole through the trust policy`, () => {
    const { trust } = policies(a);
    for (const principal of [
      `arn:${set.partition}:iam::${a.account}:root`,
      `arn:${set.partition}:iam::${a.account}:user/someone`,
    ]) {
      assertDenied(callOnRole(trust, role(set), principal, 'sts:AssumeRole'), `${principal} via sts:AssumeRole`);
    }
  });

  test(`${set.label}: without a repository UUID the trust policy admits no token`, () => {
    const closed = policies({ ...a, repoUuid: '' }).trust;
    const requests: Array<[string, WebIdentityRequest]> = [
      ['a step of the configured repository', token(set, { sub: `${repo}:${STEP}` })],
      ['its deployment step', token(set, { sub: `${repo}:${ENVIRONMENT}:${STEP}` })],
      ['another repository', token(set, { sub: `${braced(OTHER_REPO)}:${STEP}` })],
      ['an empty repository segment', token(set, { sub: `{}:${STEP}` })],
    ];
    for (const [label, request] of requests) assertDenied(assumeRoleWithWebIdentity(closed, role(set), request), label);
    fc.assert(
      fc.property(fc.uuid(), fc.option(fc.uuid(), { nil: undefined }), fc.uuid(), (repository, environment, step) => {
        const sub = [repository, environment, step]
          .filter((u) => u !== undefined)
          .map(braced)
          .join(':');
        assertDenied(assumeRoleWithWebIdentity(closed, role(set), token(set, { sub })), `sub ${sub}`);
      }),
      { numRuns: 150 },
    );
    // control: the same token opens the role once the UUID is filled in, so only the sub keeps it closed
    assertAllowed(
      assumeRoleWithWebIdentity(policies(a).trust, role(set), requests[0]![1]),
      'the configured repository',
    );
  });

  test(`${set.label}: the role may read itself and nothing more`, () => {
    const { inline } = policies(a);
    const session = `arn:${set.partition}:sts::${a.account}:assumed-role/${a.roleName}/bitbucket-pipelines-42`;
    const own = role(set);
    const otherRole = (name: string) => ({ arn: roleArn(set.partition, a.account, name), account: a.account });
    assertAllowed(callAsRole(inline, session, 'iam:GetRole', own), 'iam:GetRole on the role itself');
    const denied: Array<[string, string, { arn: string; account: string }]> = [
      ['iam:GetRole on another role', 'iam:GetRole', otherRole('admin')],
      ['iam:GetRole on a role whose name extends ours', 'iam:GetRole', otherRole(`${a.roleName}-admin`)],
      ['iam:GetRole on a role of the same name under a path', 'iam:GetRole', otherRole(`team/${a.roleName}`)],
      ['iam:DeleteRole on the role', 'iam:DeleteRole', own],
      ['iam:PutRolePolicy on the role', 'iam:PutRolePolicy', own],
      ['iam:AttachRolePolicy on the role', 'iam:AttachRolePolicy', own],
      ['iam:UpdateAssumeRolePolicy on the role', 'iam:UpdateAssumeRolePolicy', own],
      ['iam:PassRole on the role', 'iam:PassRole', own],
    ];
    for (const [label, action, resource] of denied) assertDenied(callAsRole(inline, session, action, resource), label);
  });
}

// Negative controls: the evaluator tells the mistakes these tests guard against from the generated policies.

test('negative control: a trust policy with only the audience condition admits every repository', () => {
  const set = SETS[0]!;
  const { trust } = policies(set.answers);
  const document = structuredClone(trust.policyDocument) as {
    Statement: Array<{ Condition: Record<string, unknown> }>;
  };
  delete document.Statement[0]!.Condition['StringLike'];
  const otherRepo = token(set, { sub: `${braced(OTHER_REPO)}:${STEP}` });
  assertDenied(assumeRoleWithWebIdentity(trust, role(set), otherRepo), 'generated policy');
  assertAllowed(assumeRoleWithWebIdentity(trustPolicy(document), role(set), otherRepo), 'audience-only policy');
});

test('negative control: a sub pattern without braces denies the real token', () => {
  const set = SETS[0]!;
  const document = structuredClone(policies(set.answers).trust.policyDocument) as {
    Statement: Array<{ Condition: Record<string, Record<string, string>> }>;
  };
  const like = document.Statement[0]!.Condition['StringLike']!;
  const key = `${hostPath(set.answers.workspace)}:sub`;
  assert.is(like[key], `{${set.answers.repoUuid}}:*`);
  like[key] = `${set.answers.repoUuid}:*`;
  assertDenied(
    assumeRoleWithWebIdentity(
      trustPolicy(document),
      role(set),
      token(set, { sub: `{${set.answers.repoUuid}}:${STEP}` }),
    ),
    'braces dropped',
  );
});

test('negative control: a broad inline policy allows the destructive calls', () => {
  const set = SETS[0]!;
  const session = `arn:aws:sts::${set.answers.account}:assumed-role/${set.answers.roleName}/s`;
  const broad = identityPolicy({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: role(set).arn }],
  });
  assertAllowed(callAsRole(broad, session, 'iam:DeleteRole', role(set)), 'iam:* allows iam:DeleteRole');
  assertDenied(callAsRole(policies(set.answers).inline, session, 'iam:DeleteRole', role(set)), 'generated policy');
});

test('negative control: a malformed policy is refused before simulation', () => {
  assert.throws(
    () =>
      trustPolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity' }] }),
    /not a valid policy/,
  );
  assert.throws(
    () =>
      identityPolicy({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allowed', Action: 'iam:GetRole', Resource: '*' }],
      }),
    /not a valid policy/,
  );
});

test.run();
