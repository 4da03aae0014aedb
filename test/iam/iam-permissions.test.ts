/**
 * The permissions the README gives for apply and doctor, decided by an independent evaluator: every call
 * the commands make is allowed on the repository's provider and roles, and nothing destructive or outside
 * them is. (The suite `iam-apply` proves the commands call nothing beyond these actions.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  commandPermissions,
  PROVIDER_WRITE_ACTIONS,
  READ_ACTIONS,
  ROLE_WRITE_ACTIONS,
} from '../../src/core/iam/permissions.ts';
import { callAsRole, identityPolicy } from '../support/iam-simulator.ts';

const account = '123456789012';
const policy = identityPolicy(
  commandPermissions({ partition: 'aws', account, workspace: 'phub', roles: 'phub-oidc-check*' }),
);
const provider = `arn:aws:iam::${account}:oidc-provider/api.bitbucket.org/2.0/workspaces/phub/pipelines-config/identity/oidc`;
const role = (name: string) => `arn:aws:iam::${account}:role/${name}`;
const caller = `arn:aws:iam::${account}:user/platform-admin`;
const decide = (action: string, resource: string) =>
  callAsRole(policy, caller, action, { arn: resource, account }).decision;

test('doctor’s reads and apply’s writes are allowed on the provider and each role of the repository', () => {
  for (const a of READ_ACTIONS.filter((x) => x.includes('Role')))
    for (const r of ['phub-oidc-check', 'phub-oidc-check-production'])
      assert.is(decide(a, role(r)), 'Allowed', `${a} ${r}`);
  assert.is(decide('iam:GetOpenIDConnectProvider', provider), 'Allowed');
  for (const a of PROVIDER_WRITE_ACTIONS) assert.is(decide(a, provider), 'Allowed', a);
  for (const a of ROLE_WRITE_ACTIONS) assert.is(decide(a, role('phub-oidc-check-staging')), 'Allowed', a);
});

test('nothing destructive, nothing that widens a role, nothing on other roles or providers', () => {
  for (const a of [
    'iam:DeleteRole',
    'iam:DeleteRolePolicy',
    'iam:DetachRolePolicy',
    'iam:AttachRolePolicy',
    'iam:PutRolePermissionsBoundary',
    'iam:PassRole',
    'iam:UntagRole',
  ]) {
    assert.is.not(decide(a, role('phub-oidc-check')), 'Allowed', a);
  }
  for (const a of ['iam:DeleteOpenIDConnectProvider', 'iam:RemoveClientIDFromOpenIDConnectProvider'])
    assert.is.not(decide(a, provider), 'Allowed', a);
  for (const a of ROLE_WRITE_ACTIONS)
    assert.is.not(decide(a, role('OrganizationAccountAccessRole')), 'Allowed', `${a} on another role`);
  const otherProvider = `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`;
  for (const a of PROVIDER_WRITE_ACTIONS)
    assert.is.not(decide(a, otherProvider), 'Allowed', `${a} on another provider`);
});

test.run();
