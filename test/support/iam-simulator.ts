/**
 * IAM decisions from @cloud-copilot/iam-simulate, an evaluator nobody on this project wrote. The policies
 * are checked by @cloud-copilot/iam-policy's validators first, so a malformed document fails loudly
 * instead of being read as "denied".
 */
import {
  createValidatedPolicy,
  validateIdentityPolicy,
  validateResourcePolicy,
  validateTrustPolicy,
  type ValidatedPolicy,
  type ValidationError,
} from '@cloud-copilot/iam-policy';
import { runUnsafeSimulation, type EvaluationResult, type Simulation } from '@cloud-copilot/iam-simulate';
import * as assert from 'uvu/assert';

/** What STS sees when a pipeline step presents its token: the provider found by `iss`, and the claims. */
export interface WebIdentityRequest {
  /** The IAM provider of the token's issuer, in the role's account. */
  providerArn: string;
  /** The issuer without `https://`: IAM prefixes the claim condition keys with it. */
  issuerHostPath: string;
  aud?: string;
  sub?: string;
}

export interface RoleRef {
  arn: string;
  account: string;
}

/** A policy the evaluator has validated, named for its messages. */
type Policy = ValidatedPolicy<{ name: string }>;
/** Request context keys and their values. */
type Context = Record<string, string | string[]>;

function validated(policy: unknown, validate: (p: unknown) => ValidationError[], name: string): Policy {
  const checked = createValidatedPolicy(policy, validate, { name });
  if (checked.errors.length) {
    throw new Error(
      `${name} is not a valid policy:\n${checked.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`,
    );
  }
  return checked;
}

export const trustPolicy = (doc: unknown) => validated(doc, validateTrustPolicy, 'trust-policy');
export const identityPolicy = (doc: unknown) => validated(doc, validateIdentityPolicy, 'inline-policy');

/**
 * A KMS key's default key policy: KMS honours identity policies on a key only where its key policy lets the
 * account's IAM decide (AWS's default key policy does, as its first statement).
 */
export const defaultKeyPolicy = (account: string) =>
  validated(
    {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Enable IAM User Permissions',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    },
    validateResourcePolicy,
    'key-policy',
  );

/** The claims as IAM condition keys: `<host/path>:aud`, `<host/path>:sub` (absent claims stay absent). */
function webIdentityContext(request: WebIdentityRequest): Record<string, string> {
  const context: Record<string, string> = {};
  if (request.aud !== undefined) context[`${request.issuerHostPath}:aud`] = request.aud;
  if (request.sub !== undefined) context[`${request.issuerHostPath}:sub`] = request.sub;
  return context;
}

export interface Outcome {
  decision: EvaluationResult;
  simulation: Simulation;
}

/**
 * runUnsafeSimulation, because the validating runSimulation drops context keys it does not know for the
 * action, and an OIDC provider's `<host/path>:sub` is not in its list: every trust condition would fail.
 */
function decide(
  call: { principal: string; action: string; resource: RoleRef; context: Context },
  policies: Pick<Simulation, 'identityPolicies' | 'resourcePolicy'>,
): Outcome {
  const simulation: Simulation = {
    request: {
      principal: call.principal,
      action: call.action,
      resource: { resource: call.resource.arn, accountId: call.resource.account },
      contextVariables: call.context,
    },
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...policies,
  };
  return { decision: runUnsafeSimulation(simulation, {}), simulation };
}

/**
 * An STS call on the role, decided by its trust policy (and, for a caller of another account, which
 * needs its own account's leave too, by `callerPolicy`; the callers here have none otherwise).
 */
export function callOnRole(
  trust: Policy,
  role: RoleRef,
  principal: string,
  action: string,
  context: Context = {},
  callerPolicy?: Policy,
) {
  return decide(
    { principal, action, resource: role, context },
    {
      identityPolicies: callerPolicy ? [{ name: 'caller-policy', policy: callerPolicy }] : [],
      resourcePolicy: trust,
    },
  );
}

export function assumeRoleWithWebIdentity(trust: Policy, role: RoleRef, request: WebIdentityRequest) {
  return callOnRole(trust, role, request.providerArn, 'sts:AssumeRoleWithWebIdentity', webIdentityContext(request));
}

/**
 * A call made with the role's session: decided by the role's inline policy, and any `others` it has; a KMS
 * key's by its default key policy too, no other call's by a resource policy.
 */
export function callAsRole(
  inline: Policy,
  sessionArn: string,
  action: string,
  resource: RoleRef,
  context: Context = {},
  others: Policy[] = [],
) {
  return decide(
    { principal: sessionArn, action, resource, context },
    {
      identityPolicies: [inline, ...others].map((policy, i) => ({
        name: `${policy.metadata?.name ?? 'inline-policy'}${i ? `-${i + 1}` : ''}`,
        policy,
      })),
      ...(/^arn:[^:]+:kms:/.test(resource.arn) ? { resourcePolicy: defaultKeyPolicy(resource.account) } : {}),
    },
  );
}

/** A failure message that shows the request and the policy the evaluator judged. */
function explain(label: string, expected: string, outcome: Outcome): string {
  const { request, resourcePolicy, identityPolicies } = outcome.simulation;
  const judged = (resourcePolicy ?? identityPolicies[0]?.policy) as ValidatedPolicy | undefined;
  return [
    `${label}: expected ${expected}, the evaluator said ${outcome.decision}`,
    `  principal: ${String(request.principal)}`,
    `  action:    ${request.action} on ${request.resource.resource}`,
    `  context:   ${JSON.stringify(request.contextVariables)}`,
    `  policy:    ${JSON.stringify(judged?.policyDocument)}`,
  ].join('\n');
}

export function assertAllowed(outcome: Outcome, label: string): void {
  assert.ok(outcome.decision === 'Allowed', explain(label, 'Allowed', outcome));
}

/** Implicit or explicit: either way the request fails. */
export function assertDenied(outcome: Outcome, label: string): void {
  assert.ok(
    outcome.decision === 'ImplicitlyDenied' || outcome.decision === 'ExplicitlyDenied',
    explain(label, 'a denial', outcome),
  );
}
