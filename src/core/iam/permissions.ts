/**
 * The least an identity needs to run `doctor` and `apply`, as a policy document: the README shows it,
 * and the tests prove every call the commands make is in it. sts:GetCallerIdentity needs no permission.
 */
import { providerArn } from '../facts/index.js';

/** Calls `doctor` makes (and `apply`, to read before it plans). */
export const READ_ACTIONS = [
  'iam:GetOpenIDConnectProvider',
  'iam:GetRole',
  'iam:GetRolePolicy',
  'iam:ListAttachedRolePolicies',
  'iam:ListRolePolicies',
];

/** Provider writes of `apply`; creating with tags needs the tagging action too. */
export const PROVIDER_WRITE_ACTIONS = [
  'iam:AddClientIDToOpenIDConnectProvider',
  'iam:CreateOpenIDConnectProvider',
  'iam:TagOpenIDConnectProvider',
  'iam:UpdateOpenIDConnectProviderThumbprint',
];

/** Role writes of `apply`: no delete, no detach, no attach. */
export const ROLE_WRITE_ACTIONS = [
  'iam:CreateRole',
  'iam:PutRolePolicy',
  'iam:TagRole',
  'iam:UpdateAssumeRolePolicy',
  'iam:UpdateRole',
];

export interface PermissionScope {
  partition: string;
  account: string;
  workspace: string;
  /** A role name, or a prefix ending in `*` for a role per environment. */
  roles: string;
}

export function commandPermissions(scope: PermissionScope) {
  const provider = providerArn(scope.partition, scope.account, scope.workspace);
  const roles = `arn:${scope.partition}:iam::${scope.account}:role/${scope.roles}`;
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'DoctorAndApplyRead', Effect: 'Allow', Action: READ_ACTIONS, Resource: [provider, roles] },
      { Sid: 'ApplyProvider', Effect: 'Allow', Action: PROVIDER_WRITE_ACTIONS, Resource: provider },
      { Sid: 'ApplyRoles', Effect: 'Allow', Action: ROLE_WRITE_ACTIONS, Resource: roles },
    ],
  };
}

/** The README's example: placeholders a reader replaces. */
export const README_PERMISSIONS = commandPermissions({
  partition: 'aws',
  account: '111122223333',
  workspace: 'WORKSPACE-SLUG',
  roles: 'ROLE-NAME*',
});
