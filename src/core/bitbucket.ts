/**
 * Bitbucket Pipelines OIDC facts, each defined once. Strings may hold parameter markers, so the same
 * definition serves the JSON files (resolved) and Terraform/CloudFormation (as variables).
 */
import { param } from './params.js';

const HOST = 'api.bitbucket.org';

/** Issuer without scheme: the form IAM uses in provider ARNs and condition keys. */
export function issuerHostPath(workspace: string): string {
  return `${HOST}/2.0/workspaces/${workspace}/pipelines-config/identity/oidc`;
}

export function issuerUrl(workspace: string): string {
  return `https://${issuerHostPath(workspace)}`;
}

/** Default `aud` claim: the workspace UUID without braces. */
export function audience(workspaceUuid: string): string {
  return `ari:cloud:bitbucket::workspace/${workspaceUuid}`;
}

export function providerArn(partition: string, account: string, workspace: string): string {
  return `arn:${partition}:iam::${account}:oidc-provider/${issuerHostPath(workspace)}`;
}

/**
 * `sub` pattern for a step of this repository (UUIDs carry braces in the token). The step UUID at the
 * end changes on every run, hence the trailing `*` and StringLike. Also matches steps of the repository
 * that use a deployment environment.
 */
export function repositorySubPattern(repoUuid: string): string {
  return `{${repoUuid}}:*`;
}

/** `sub` pattern for steps bound to one deployment environment of the repository. */
export function environmentSubPattern(repoUuid: string, environmentUuid: string): string {
  return `{${repoUuid}}:{${environmentUuid}}:*`;
}

/**
 * Stands in for the repository UUID until the user provides it: it is no UUID, so no real token's `sub`
 * matches and the role stays closed (and Terraform/CloudFormation validation refuses it).
 */
export const REPO_UUID_PLACEHOLDER = 'REPOSITORY-UUID-NOT-SET';

/** The value historically registered for Bitbucket's issuer; IAM no longer needs it. */
export const LEGACY_THUMBPRINT = 'a031c46782e6e6c662c2c87c76da9aa62ccabd8e';

/** Where users find each value Bitbucket knows and we ask for. */
export const WHERE_TO_FIND = {
  workspaceUuid: 'Repository settings → Pipelines → OpenID Connect (the Audience ends with it), or Workspace settings → Settings',
  repoUuid: 'Repository settings → Pipelines → OpenID Connect (shown as the repository UUID), or $BITBUCKET_REPO_UUID in any pipeline',
} as const;

/** The same facts with markers, for building policies once. */
export const symbolic = {
  issuerHostPath: issuerHostPath(param('workspace')),
  issuerUrl: issuerUrl(param('workspace')),
  audience: audience(param('workspaceUuid')),
  providerArn: providerArn(param('partition'), param('account'), param('workspace')),
  repositorySubPattern: repositorySubPattern(param('repoUuid')),
  roleArn: `arn:${param('partition')}:iam::${param('account')}:role/${param('roleName')}`,
};

/** Stands in for an environment UUID until it is known: like the repository placeholder, it matches no token. */
export const ENVIRONMENT_UUID_PLACEHOLDER = 'ENVIRONMENT-UUID-NOT-SET';
