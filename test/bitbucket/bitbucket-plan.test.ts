/** The Bitbucket planner and look-ups (pure): additions and in-place updates only, in the order Bitbucket needs. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { environmentsWithUuids, reconcile } from '../../src/core/bitbucket-setup/lookups.ts';
import { environmentType, planBitbucket } from '../../src/core/bitbucket-setup/plan.ts';
import {
  pipelineTarget,
  stepClaims,
  stepEnvironments,
  stsRefusal,
} from '../../src/core/bitbucket-setup/pipeline-run.ts';
import type { DesiredBitbucket, ObservedBitbucket } from '../../src/core/bitbucket-setup/types.ts';
import { UsageError } from '../../src/errors.ts';

const desired: DesiredBitbucket = {
  workspace: 'phub',
  slug: 'repo',
  environments: [{ name: 'production', type: 'Production' }],
  repositoryVariables: [{ name: 'AWS_DEFAULT_REGION', value: 'eu-west-1' }],
  deploymentVariables: [{ environment: 'production', name: 'AWS_OIDC_ROLE_ARN', value: 'arn:aws:iam::1:role/r' }],
};
const nothing: ObservedBitbucket = {
  workspaceUuid: 'w',
  pipelinesEnabled: false,
  repositoryVariables: [],
  environments: [],
  deploymentVariables: {},
};

test('from nothing: repository, Pipelines, environment, then the variables', () => {
  assert.equal(
    planBitbucket(desired, nothing).changes.map((c) => c.kind),
    ['create-repository', 'enable-pipelines', 'create-environment', 'create-variable', 'create-deployment-variable'],
  );
});

test('all in place: no change; other variables and environments are never touched', () => {
  const observed: ObservedBitbucket = {
    workspaceUuid: 'w',
    repository: { uuid: 'r' },
    pipelinesEnabled: true,
    repositoryVariables: [
      { uuid: '1', key: 'AWS_DEFAULT_REGION', value: 'eu-west-1', secured: false },
      { uuid: '2', key: 'OTHER', value: 'x', secured: false },
    ],
    environments: [
      { uuid: 'e', name: 'Production', type: 'Production' },
      { uuid: 'f', name: 'qa', type: 'Test' },
    ],
    deploymentVariables: {
      production: [{ uuid: '3', key: 'AWS_OIDC_ROLE_ARN', value: 'arn:aws:iam::1:role/r', secured: false }],
    },
  };
  assert.equal(planBitbucket(desired, observed), { changes: [], notes: [] });
  const changed = structuredClone(observed);
  changed.deploymentVariables['production']![0]!.value = 'old';
  changed.repositoryVariables[0]!.secured = true;
  delete changed.repositoryVariables[0]!.value;
  const plan = planBitbucket(desired, changed);
  assert.equal(plan.changes, [
    {
      kind: 'update-deployment-variable',
      environment: 'production',
      uuid: '3',
      key: 'AWS_OIDC_ROLE_ARN',
      value: 'arn:aws:iam::1:role/r',
      before: 'old',
    },
  ]);
  assert.match(plan.notes[0]!, 'AWS_DEFAULT_REGION (repository variable) is a secured variable');
});

test('environment types from names', () => {
  assert.equal(['production', 'prod-eu', 'staging', 'uat', 'test', 'dev'].map(environmentType), [
    'Production',
    'Production',
    'Staging',
    'Staging',
    'Test',
    'Test',
  ]);
});

test('look-ups: the flag wins when it agrees, a different one is bad input', () => {
  const u = '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d';
  assert.is(reconcile('repo-uuid', undefined, `{${u.toUpperCase()}}`, 'x'), u);
  assert.is(reconcile('repo-uuid', `{${u}}`, `{${u}}`, 'x'), u);
  assert.is(reconcile('repo-uuid', undefined, undefined, 'x'), undefined);
  assert.throws(
    () => reconcile('repo-uuid', '11111111-2222-4333-8444-555555555555', `{${u}}`, 'x'),
    (e: unknown) => e instanceof UsageError && /--repo-uuid/.test((e as Error).message),
  );
  assert.is(environmentsWithUuids('staging,production', [{ name: 'production', uuid: u }]), `staging,production=${u}`);
});

test('run: the trigger body, the STS refusal, and the step claims as a token check reads them', () => {
  assert.equal(pipelineTarget('main', 'custom:test-aws-oidc'), {
    type: 'pipeline_ref_target',
    ref_type: 'branch',
    ref_name: 'main',
    selector: { type: 'custom', pattern: 'test-aws-oidc' },
  });
  assert.throws(() => pipelineTarget('main', 'test-aws-oidc'), /custom:<name>/);
  assert.is(
    stsRefusal(
      'a\nAn error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized\nb',
    ),
    'An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized',
  );
  assert.is(stsRefusal('all good'), undefined);
  const claims = stepClaims(
    {
      workspace: 'phub',
      workspaceUuid: 'w-1',
      repoUuid: 'r-1',
      environmentUuid: 'e-1',
      pipelineUuid: 'p-1',
      stepUuid: 's-1',
      branch: 'main',
    },
    new Date(0),
  );
  assert.is(claims.sub, '{r-1}:{e-1}:{s-1}');
  assert.is(claims.aud, 'ari:cloud:bitbucket::workspace/w-1');
  assert.is(claims.iss, 'https://api.bitbucket.org/2.0/workspaces/phub/pipelines-config/identity/oidc');
  const yml = {
    pipelines: {
      custom: {
        t: [
          { step: { name: 'a' } },
          { step: { name: 'b', deployment: 'test' } },
          { stage: { deployment: 'production', steps: [{ step: { name: 'c' } }] } },
          { parallel: [{ step: { name: 'd', deployment: 'staging' } }] },
          { parallel: { 'fail-fast': true, steps: [{ step: { name: 'e', deployment: 'staging' } }] } },
        ],
        other: [{ step: { name: 'f', deployment: 'test' } }],
      },
    },
  };
  assert.equal(
    [...stepEnvironments(yml, 't')],
    [
      ['b', 'test'],
      ['c', 'production'],
      ['d', 'staging'],
      ['e', 'staging'],
    ],
  );
});

test.run();
