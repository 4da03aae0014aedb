/**
 * Reading and changing the IAM side with as few calls as possible: everything `doctor` and `apply` need
 * is read concurrently, and each planned step is one call.
 */
import { AWS_DEFAULT_SESSION, MANAGED_TAGS as TAGS } from '../core/facts/index.js';
import type { Step, DesiredState, ObservedProvider, ObservedRole, ObservedState } from '../core/iam/index.js';
import { tooDeep } from '../core/util/index.js';
import { RunError } from '../errors.js';
import { errorCode, explainAwsError, type AwsSession } from './aws.js';

/** IAM hands policy documents over URL-encoded (RFC 3986); one nested too deep is no answer of IAM's. */
export function decodePolicy(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  const json = decodeURIComponent(text);
  const deep = tooDeep(json);
  if (deep)
    throw new RunError(
      `the answer holds a policy document ${deep}, which IAM never sends: check AWS_ENDPOINT_URL_IAM or the proxy in between`,
    );
  return JSON.parse(json);
}

const tagMap = (tags: Array<{ Key?: string; Value?: string }> | undefined) =>
  Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));

/** A field every genuine answer to `action` has: without it the answer is not IAM's, and nothing is taken from it. */
function required<T>(value: T | undefined | null, field: string, action: string): T {
  if (value === undefined || value === null || value === '')
    throw new RunError(
      `${action}: the answer has no ${field}, which AWS always sends; nothing was taken from it: check AWS_ENDPOINT_URL_IAM or the proxy in between`,
    );
  return value;
}

/** A call that may answer NoSuchEntity: undefined then. Any other failure explains itself. */
async function maybe<T>(call: () => Promise<T>, action: string, resource: string): Promise<T | undefined> {
  try {
    return await call();
  } catch (e) {
    if (errorCode(e) === 'NoSuchEntity') return undefined;
    throw explainAwsError(e, action, resource);
  }
}

async function must<T>(call: () => Promise<T>, action: string, resource?: string): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw explainAwsError(e, action, resource);
  }
}

export async function readProvider(aws: AwsSession, arn: string): Promise<ObservedProvider | undefined> {
  const { GetOpenIDConnectProviderCommand } = aws.sdk;
  const out = await maybe(
    () => aws.iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })),
    'iam:GetOpenIDConnectProvider',
    arn,
  );
  if (!out) return undefined;
  return {
    arn,
    url: required(out.Url, 'Url', 'iam:GetOpenIDConnectProvider'),
    clientIds: out.ClientIDList ?? [],
    thumbprints: out.ThumbprintList ?? [],
    tags: tagMap(out.Tags),
  };
}

/** Every page of a listing IAM pages with Marker / IsTruncated. */
async function allPages<T>(page: (marker: string | undefined) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const items: T[] = [];
  let marker: string | undefined;
  do {
    const out = await page(marker);
    items.push(...out.items);
    marker = out.next;
  } while (marker);
  return items;
}

export async function readRole(aws: AwsSession, name: string, policyName: string): Promise<ObservedRole | undefined> {
  const { GetRoleCommand, GetRolePolicyCommand, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } = aws.sdk;
  const role = (await maybe(() => aws.iam.send(new GetRoleCommand({ RoleName: name })), 'iam:GetRole', name))?.Role;
  if (!role) return undefined;
  required(role.Arn, 'Role.Arn', 'iam:GetRole');
  required(role.AssumeRolePolicyDocument, 'Role.AssumeRolePolicyDocument', 'iam:GetRole');
  const [inlinePolicyNames, attached, policy] = await Promise.all([
    must(
      () =>
        allPages(async (Marker) => {
          const out = await aws.iam.send(new ListRolePoliciesCommand({ RoleName: name, Marker }));
          return { items: out.PolicyNames ?? [], next: out.IsTruncated ? out.Marker : undefined };
        }),
      'iam:ListRolePolicies',
      name,
    ),
    must(
      () =>
        allPages(async (Marker) => {
          const out = await aws.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name, Marker }));
          return {
            items: (out.AttachedPolicies ?? []).map((p) => ({ name: p.PolicyName ?? '', arn: p.PolicyArn ?? '' })),
            next: out.IsTruncated ? out.Marker : undefined,
          };
        }),
      'iam:ListAttachedRolePolicies',
      name,
    ),
    maybe(
      () => aws.iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName })),
      'iam:GetRolePolicy',
      name,
    ),
  ]);
  return {
    name: role.RoleName ?? name,
    arn: role.Arn ?? '',
    trustPolicy: decodePolicy(role.AssumeRolePolicyDocument),
    maxSessionDuration: role.MaxSessionDuration ?? AWS_DEFAULT_SESSION,
    tags: tagMap(role.Tags),
    inlinePolicyNames,
    ...(policy ? { permissions: decodePolicy(policy.PolicyDocument) } : {}),
    attached,
  };
}

export async function readCaller(aws: AwsSession): Promise<ObservedState['caller']> {
  const out = await must(() => aws.sts.send(new aws.stsSdk.GetCallerIdentityCommand({})), 'sts:GetCallerIdentity');
  return {
    account: required(out.Account, 'Account', 'sts:GetCallerIdentity'),
    arn: required(out.Arn, 'Arn', 'sts:GetCallerIdentity'),
  };
}

/** The live state of everything the repository names, read concurrently. */
export async function readObserved(aws: AwsSession, desired: DesiredState): Promise<ObservedState> {
  const [caller, provider, ...roles] = await Promise.all([
    readCaller(aws),
    readProvider(aws, desired.provider.arn),
    ...desired.roles.map((r) => readRole(aws, r.name, r.policyName)),
  ]);
  return {
    caller,
    ...(provider ? { provider } : {}),
    roles: Object.fromEntries(desired.roles.map((r, i) => [r.name, roles[i]])),
  };
}

/** One planned step, as one IAM call. */
export async function runStep(aws: AwsSession, step: Step): Promise<void> {
  const c = aws.sdk;
  switch (step.kind) {
    case 'create-provider': {
      const out = await aws.iam.send(
        new c.CreateOpenIDConnectProviderCommand({
          Url: step.url,
          ClientIDList: step.clientIds,
          ...(step.thumbprints.length ? { ThumbprintList: step.thumbprints } : {}),
          Tags: TAGS,
        }),
      );
      required(out.OpenIDConnectProviderArn, 'OpenIDConnectProviderArn', 'iam:CreateOpenIDConnectProvider');
      return;
    }
    case 'add-client-id':
      await aws.iam.send(
        new c.AddClientIDToOpenIDConnectProviderCommand({
          OpenIDConnectProviderArn: step.providerArn,
          ClientID: step.clientId,
        }),
      );
      return;
    case 'set-thumbprints':
      await aws.iam.send(
        new c.UpdateOpenIDConnectProviderThumbprintCommand({
          OpenIDConnectProviderArn: step.providerArn,
          ThumbprintList: step.thumbprints,
        }),
      );
      return;
    case 'create-role': {
      const out = await aws.iam.send(
        new c.CreateRoleCommand({
          RoleName: step.role,
          AssumeRolePolicyDocument: step.trustPolicy,
          Description: step.description,
          MaxSessionDuration: step.maxSessionDuration,
          Tags: TAGS,
        }),
      );
      required(out.Role?.Arn, 'Role.Arn', 'iam:CreateRole');
      return;
    }
    case 'update-trust':
      await aws.iam.send(
        new c.UpdateAssumeRolePolicyCommand({ RoleName: step.role, PolicyDocument: step.trustPolicy }),
      );
      return;
    case 'set-max-session':
      await aws.iam.send(new c.UpdateRoleCommand({ RoleName: step.role, MaxSessionDuration: step.maxSessionDuration }));
      return;
    case 'put-policy':
      await aws.iam.send(
        new c.PutRolePolicyCommand({ RoleName: step.role, PolicyName: step.policyName, PolicyDocument: step.document }),
      );
      return;
  }
}
