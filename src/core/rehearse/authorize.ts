/**
 * An identity-based (inline) policy judged for one IAM check. Actions and conditions go through the
 * project's own evaluator (the one `check` judges trust policies with); Resource/NotResource are matched
 * here with the same glob rules, since a trust policy has none.
 */
import { explainTrust } from '../iam-eval/index.js';
import { wildcardMatch as globMatch, isObject } from '../util/index.js';
import type { Authorization } from '../aws/index.js';

export interface Verdict {
  allowed: boolean;
  /** `allowed by statement "Sid"`, or why nothing allows it. */
  reason: string;
  /** For a denial: the statement that would allow this check. */
  missing?: { Effect: 'Allow'; Action: string; Resource: string; Condition?: Record<string, Record<string, string>> };
}

const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];

function resourceMatches(statement: Record<string, unknown>, resource: string): boolean {
  if ('NotResource' in statement) return !list(statement['NotResource']).some((p) => globMatch(p, resource));
  return list(statement['Resource']).some((p) => globMatch(p, resource));
}

/** Whether the statement covers the check: resource here, action and conditions by the evaluator. */
function covers(statement: Record<string, unknown>, check: Authorization): boolean {
  if (!resourceMatches(statement, check.resource)) return false;
  const { Resource: _r, NotResource: _n, Sid: _s, ...rest } = statement;
  // the evaluator judges trust statements: a "*" principal stands for the caller whose policy this is
  const asTrust = { Version: '2012-10-17', Statement: [{ ...rest, Effect: 'Allow', Principal: '*' }] };
  return explainTrust(asTrust, { federated: '', action: check.action, context: check.context }).allowed;
}

export function authorize(policies: unknown[], check: Authorization): Verdict {
  const statements = policies
    .flatMap((p) => (isObject(p) ? (Array.isArray(p['Statement']) ? p['Statement'] : [p['Statement']]) : []))
    .filter(isObject);
  const label = (s: Record<string, unknown>, i: number) =>
    typeof s['Sid'] === 'string' ? `statement "${s['Sid']}"` : `statement ${i + 1}`;
  const deny = statements.findIndex((s) => s['Effect'] === 'Deny' && covers(s, check));
  if (deny >= 0) return { allowed: false, reason: `explicitly denied by ${label(statements[deny]!, deny)}` };
  const allow = statements.findIndex((s) => s['Effect'] === 'Allow' && covers(s, check));
  if (allow >= 0) return { allowed: true, reason: `allowed by ${label(statements[allow]!, allow)}` };
  const condition = Object.keys(check.context).length ? { Condition: { StringEquals: { ...check.context } } } : {};
  return {
    allowed: false,
    reason: `no statement of the inline policy allows ${check.action} on ${check.resource}`,
    missing: { Effect: 'Allow', Action: check.action, Resource: check.resource, ...condition },
  };
}
