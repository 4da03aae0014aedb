/**
 * A role's identity-based (inline) policies judged for one IAM check, by the IAM engine. Rehearse counts
 * only the statements the engine decides apply: a Deny it cannot judge (say, a Bool condition) does not stop
 * the call, where the engine's own decision would deny it to be safe.
 */
import { explainIdentity } from '../iam-eval/index.js';
import type { Authorization } from '../aws/index.js';

export interface Verdict {
  allowed: boolean;
  /** `allowed by statement "Sid"`, or why nothing allows it. */
  reason: string;
  /** For a denial: the statement that would allow this check. */
  missing?: { Effect: 'Allow'; Action: string; Resource: string; Condition?: Record<string, Record<string, string>> };
}

/** A statement's elements other than its condition. */
const ELEMENTS = ['Action', 'NotAction', 'Resource', 'NotResource'];

export function authorize(policies: unknown[], check: Authorization): Verdict {
  const { statements } = explainIdentity(policies, check);
  const applying = (effect: 'Allow' | 'Deny') => statements.find((v) => v.effect === effect && v.result === true);
  const deny = applying('Deny');
  if (deny) return { allowed: false, reason: `explicitly denied by ${deny.label}` };
  const allow = applying('Allow');
  if (allow) return { allowed: true, reason: `allowed by ${allow.label}` };
  // an Allow of this action and resource whose condition refuses the call (a privileged task definition):
  // the refusal is the policy's intent, so no statement to add is offered
  const refusing = statements.find(
    (v) =>
      v.effect === 'Allow' &&
      v.checks.some((c) => c.result === false) &&
      v.checks.every((c) => c.result === true || !ELEMENTS.includes(c.element)),
  );
  if (refusing)
    return {
      allowed: false,
      reason: `${refusing.label} allows ${check.action} on ${check.resource} only under its condition, which this call fails: ${refusing.checks
        .filter((c) => c.result !== true)
        .map((c) => `${c.element}: ${c.detail}`)
        .join('; ')}`,
    };
  const condition = Object.keys(check.context).length ? { Condition: { StringEquals: { ...check.context } } } : {};
  return {
    allowed: false,
    reason: `no statement of the inline policy allows ${check.action} on ${check.resource}`,
    missing: { Effect: 'Allow', Action: check.action, Resource: check.resource, ...condition },
  };
}
