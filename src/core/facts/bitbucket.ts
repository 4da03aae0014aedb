/**
 * Bitbucket Pipelines OIDC facts, each defined once, with the recogniser beside the builder: `check`
 * reads exactly the shapes `new` writes. Strings may hold parameter markers, so the same definition
 * serves the JSON files (resolved) and Terraform/CloudFormation (as variables).
 */
import { param } from './params.js';

const HOST = 'api.bitbucket.org';
const SCHEME = 'https://';

/** A UUID as Bitbucket writes it: lower case, without braces (the token's claims add them). */
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

// Each recogniser is its builder's output with the inserted values replaced by patterns.
const HOLE = '\u0000';
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const shapeOf = (built: string, holes: string[], flags = '') =>
  new RegExp(
    `^${built
      .split(HOLE)
      .map((literal, i) => escapeRegExp(literal) + (holes[i] ?? ''))
      .join('')}$`,
    flags,
  );

/** The UUID in braces, as the token's `sub` and UUID claims carry it. */
export function braced(uuid: string): string {
  return `{${uuid}}`;
}

/** Syntax of a UUID as `new` stores it (Terraform validation and CloudFormation AllowedPattern use it too). */
export const UUID_PATTERN = `^${UUID}$`;

const UUID_WRITTEN = new RegExp(`^(\\{?)(${UUID})(\\}?)$`, 'i');

/** A UUID as someone wrote it: in any case, each brace there or not. */
export interface WrittenUuid {
  /** Lower case, without braces. */
  uuid: string;
  open: boolean;
  close: boolean;
  lowerCase: boolean;
}

/** Reads a UUID written with or without braces, in any case; undefined for anything else. */
export function readUuid(text: string): WrittenUuid | undefined {
  const m = UUID_WRITTEN.exec(text);
  if (!m) return undefined;
  const [, open, uuid = '', close] = m;
  return { uuid: uuid.toLowerCase(), open: open === '{', close: close === '}', lowerCase: uuid === uuid.toLowerCase() };
}

/** Issuer without scheme: the form IAM uses in provider ARNs and condition keys. */
export function issuerHostPath(workspace: string): string {
  return `${HOST}/2.0/workspaces/${workspace}/pipelines-config/identity/oidc`;
}

/** An OIDC provider's URL (the token's `iss`) from its host/path. */
export const providerUrl = (hostPath: string) => `${SCHEME}${hostPath}`;

/** A provider URL without its scheme, as IAM names the provider (and `GetOpenIDConnectProvider` returns it). */
export const hostPathOf = (url: string) => (url.startsWith(SCHEME) ? url.slice(SCHEME.length) : url);

export function issuerUrl(workspace: string): string {
  return providerUrl(issuerHostPath(workspace));
}

const ISSUER = shapeOf(issuerHostPath(HOLE), ['([^/]+)']);

/** The workspace (as written: a slug, or a mistaken UUID) of Bitbucket's issuer host/path; undefined for another issuer. */
export const workspaceOfIssuer = (hostPath: string): string | undefined => ISSUER.exec(hostPath)?.[1];

/** Default `aud` claim: the workspace UUID without braces. */
export function audience(workspaceUuid: string): string {
  return `ari:cloud:bitbucket::workspace/${workspaceUuid}`;
}

const AUDIENCE_AS_WRITTEN = shapeOf(audience(HOLE), [`(${UUID})`]);
const AUDIENCE = shapeOf(audience(HOLE), ['(.+)']);
const AUDIENCE_ANY_CASE = shapeOf(audience(HOLE), ['(.+)'], 'i');

/**
 * What follows Bitbucket's audience prefix, as written (a UUID, braced or not, or anything else);
 * undefined for another audience. `anyCase` also reads a prefix in other letter cases.
 */
export const workspaceOfAudience = (value: string, anyCase = false): string | undefined =>
  (anyCase ? AUDIENCE_ANY_CASE : AUDIENCE).exec(value)?.[1];

/** The workspace UUID of an audience exactly as `audience()` writes it; undefined for any other value. */
export const workspaceUuidOfAudience = (value: string): string | undefined => AUDIENCE_AS_WRITTEN.exec(value)?.[1];

/** The ARN of an IAM OIDC provider, from its issuer's host/path. */
export function oidcProviderArn(partition: string, account: string, hostPath: string): string {
  return `arn:${partition}:iam::${account}:oidc-provider/${hostPath}`;
}

export function providerArn(partition: string, account: string, workspace: string): string {
  return oidcProviderArn(partition, account, issuerHostPath(workspace));
}

const PROVIDER_ARN = shapeOf(oidcProviderArn(HOLE, HOLE, HOLE), ['([^:]+)', '(\\d{12})', '(.+)']);
const PARTITION = /^aws(?:-[a-z]+)*$/;

/** An IAM OIDC provider ARN (of any issuer) split into its parts; undefined for anything else. */
export function readProviderArn(arn: string): { partition: string; account: string; hostPath: string } | undefined {
  const m = PROVIDER_ARN.exec(arn);
  return m ? { partition: m[1]!, account: m[2]!, hostPath: m[3]! } : undefined;
}

/** Whether a partition is spelt as AWS's are (`aws`, `aws-cn`, `aws-us-gov`, …). */
export const isPartition = (partition: string) => PARTITION.test(partition);

/** The IAM condition key of a claim of the issuer's tokens, e.g. `<host/path>:sub`. */
export function conditionKey(hostPath: string, claim: string): string {
  return `${hostPath}:${claim}`;
}

/** A condition key split into the issuer's host/path and the claim (lower case: IAM compares keys case-insensitively). */
export function readConditionKey(key: string): { issuer: string; claim: string } {
  const i = key.lastIndexOf(':');
  return { issuer: key.slice(0, i), claim: key.slice(i + 1).toLowerCase() };
}

/** The only claims IAM turns into condition keys for a generic OIDC provider (`aud` holds `azp` when present). */
export const CONDITION_CLAIMS = ['aud', 'sub', 'amr', 'email', 'oaud'];

/** A token's `sub`: `{repository}:{step}`, or `{repository}:{environment}:{step}` in a step with a deployment environment. */
export function subClaim(repoUuid: string, stepUuid: string, environmentUuid?: string): string {
  return [repoUuid, ...(environmentUuid === undefined ? [] : [environmentUuid]), stepUuid].map(braced).join(':');
}

/**
 * `sub` pattern for a step of this repository (UUIDs carry braces in the token). The step UUID at the
 * end changes on every run, hence the trailing `*` and StringLike. Also matches steps of the repository
 * that use a deployment environment.
 */
export function repositorySubPattern(repoUuid: string): string {
  return `${braced(repoUuid)}:*`;
}

/** `sub` pattern for steps bound to one deployment environment of the repository. */
export function environmentSubPattern(repoUuid: string, environmentUuid: string): string {
  return `${braced(repoUuid)}:${braced(environmentUuid)}:*`;
}

const BRACED_UUID = escapeRegExp(braced(HOLE)).replace(HOLE, `(${UUID})`);
const SUB_SCOPE = new RegExp(`^${BRACED_UUID}(?::${BRACED_UUID}:)?`);

/**
 * The repository and deployment environment a `sub` value or pattern starts with, when written as
 * `new` writes them (lower-case UUIDs in braces).
 */
export function subScope(sub: string): { repoUuid?: string; environmentUuid?: string } {
  const m = SUB_SCOPE.exec(sub);
  return { ...(m?.[1] ? { repoUuid: m[1] } : {}), ...(m?.[2] ? { environmentUuid: m[2] } : {}) };
}

/** `{repo}:{step}` or `{repo}:{environment}:{step}`; a pattern may end in `*` instead of the step. */
const SUB_PARTS = /^(\{[^}]*\}|[^:{}]*)(?::(\{[^}]*\}|[^:{}*]*))?:(\{[^}]*\}|\*|[^:]*)$/;

/** The repository, environment and step parts of a `sub` value or pattern, however they are written. */
export function subParts(sub: string): { repo: string | undefined; environment: string | undefined } {
  const [, repo, environment] = SUB_PARTS.exec(sub) ?? [];
  return { repo, environment };
}

/**
 * Stands in for the repository UUID until the user provides it: it is no UUID, so no real token's `sub`
 * matches and the role stays closed (and Terraform/CloudFormation validation refuses it).
 */
export const REPO_UUID_PLACEHOLDER = 'REPOSITORY-UUID-NOT-SET';

/** Stands in for an environment UUID until it is known: like the repository placeholder, it matches no token. */
export const ENVIRONMENT_UUID_PLACEHOLDER = 'ENVIRONMENT-UUID-NOT-SET';

/** The value historically registered for Bitbucket's issuer; IAM no longer needs it. */
export const LEGACY_THUMBPRINT = 'a031c46782e6e6c662c2c87c76da9aa62ccabd8e';

/** Where users find each value Bitbucket knows and we ask for. */
export const WHERE_TO_FIND = {
  workspaceUuid:
    'Repository settings → Pipelines → OpenID Connect (the Audience ends with it), or Workspace settings → Settings',
  repoUuid:
    'Repository settings → Pipelines → OpenID Connect (shown as the repository UUID), or $BITBUCKET_REPO_UUID in any pipeline',
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
