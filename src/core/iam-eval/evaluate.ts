/**
 * Our own evaluator of IAM policies: role trust policies for the web-identity callers `check` simulates,
 * and identity (inline) policies for the calls `rehearse` authorizes. It implements exactly what such
 * policies use, and answers "cannot evaluate" (hence denied) for the rest:
 *
 * - Effect Allow/Deny: a matching Deny wins; no matching Allow is an implicit deny.
 * - Principal: `"*"`, `{"AWS": "*"}`, `{"Federated": arn | [arns]}` compared exactly with the caller's
 *   provider. Other AWS, Service and CanonicalUser principals are never a web-identity caller — except that
 *   an account principal in a Deny is not judged (AWS does not document whether it covers federated callers).
 *   NotPrincipal is not judged: IAM refuses it in role trust policies.
 * - Action / NotAction: `*` and `?` wildcards in the action name, case-insensitive (not in the service prefix).
 * - Resource / NotResource (identity policies): `*` and `?` wildcards over the whole ARN, case-sensitive (a
 *   `*` may run past the ARN's colons, as AWS lets a trailing `*` of a segment do).
 * - Condition: StringEquals, StringNotEquals, StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, StringLike,
 *   StringNotLike, ArnEquals, ArnNotEquals, ArnLike, ArnNotLike (the ARN's six parts matched one by one,
 *   Equals and Like alike, as AWS does), each with `IfExists` and the `ForAnyValue:` / `ForAllValues:` qualifiers, and Null.
 *   Keys match case-insensitively, values case-sensitively (IgnoreCase operators fold ASCII letters only).
 *   Several values for one key: any may match (for negated operators: none may match). Several keys or
 *   operators: all must hold. An absent key fails positive operators, passes negated ones and IfExists;
 *   ForAnyValue fails on it, ForAllValues passes.
 *
 * Not judged (the statement's outcome becomes unknown; an unknown Allow never allows, an unknown Deny
 * denies to be safe): other operators, operator names in another case, Null with a qualifier or IfExists,
 * policy variables (`${…}`) compared with a present key or in a Resource, numbers
 * as values, a single-valued operator on a list value (AWS wants ForAnyValue/ForAllValues there and does
 * not document the outcome), ForAnyValue…IfExists on an absent key (AWS documents neither reading), empty
 * lists, a non-ASCII letter in an IgnoreCase comparison, malformed or unknown policy elements.
 * Checks use three-valued logic, so an unknown part only matters when the outcome depends on it.
 */
import { isObject, wildcardMatch } from '../util/index.js';
import type { Context } from './conditions.js';
import {
  cannotEvaluate,
  decide,
  listCheck,
  statementsOf,
  statementVerdict,
  type Explanation,
  type PolicyKindRules,
  type StatementVerdict,
} from './statements.js';
import { anyOf, or, q, stringList, unknown, type CheckResult, type Truth } from './truth.js';
import type { Decision, TrustRequest } from './types.js';

/** A call made with a role's session: the action, the ARN it acts on (`*` for none), the condition keys. */
export interface IdentityRequest {
  action: string;
  resource: string;
  context: Context;
}

/** Resource and NotResource are not among them: IAM refuses them in a role trust policy. */
const TRUST: PolicyKindRules = {
  name: 'a role trust policy',
  elements: ['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Condition'],
};
/** Principal and NotPrincipal are not among them: a role's own policy applies to the role. */
const IDENTITY: PolicyKindRules = {
  name: 'an identity policy',
  elements: ['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition'],
};
const PRINCIPAL_TYPES = ['AWS', 'Federated', 'Service', 'CanonicalUser'];
const ACCOUNT_PRINCIPAL = /^(?:\d{12}|arn:[^:]+:iam::\d{12}:root)$/;

// ——— Principal (trust policies) ———

function principalCheck(statement: Record<string, unknown>, effect: 'Allow' | 'Deny', caller: string): CheckResult {
  if ('NotPrincipal' in statement)
    return unknown('NotPrincipal', 'IAM does not accept NotPrincipal in a role trust policy');
  const principal = statement['Principal'];
  if (principal === '*') return { element: 'Principal', result: true, detail: '"*" trusts every caller' };
  if (!isObject(principal) || Object.keys(principal).length === 0) {
    return unknown(
      'Principal',
      'the Principal must be "*" or an object of AWS/Federated/Service/CanonicalUser principals',
    );
  }
  const named: Array<{ type: string; name: string; result: Truth }> = [];
  for (const [type, value] of Object.entries(principal)) {
    const names = stringList(value);
    if (!PRINCIPAL_TYPES.includes(type) || !names)
      return unknown('Principal', `${q(type)} is not a principal type with string values`);
    for (const name of names) named.push({ type, name, result: principalMatches(type, name, effect, caller) });
  }
  const result = or(named.map((n) => n.result));
  const federated = named.filter((n) => n.type === 'Federated').map((n) => n.name);
  if (result === true) {
    return {
      element: 'Principal',
      result,
      detail: federated.includes(caller)
        ? `trusts the Federated principal ${q(caller)}`
        : 'trusts every caller ("AWS": "*")',
    };
  }
  if (result === 'unknown') {
    const undecided = named.find((n) => n.result === 'unknown')!;
    return unknown(
      'Principal',
      `${undecided.type} ${q(undecided.name)}: ${undecided.name.includes('*') ? 'a wildcard inside a principal' : 'AWS does not document whether an account principal in a Deny covers a web-identity caller'}`,
    );
  }
  const others = named.filter((n) => n.type !== 'Federated').map((n) => `${n.type} ${q(n.name)}`);
  const detail = federated.length
    ? `${q(caller)} is not the Federated principal ${anyOf(federated)}`
    : `names no Federated principal, only ${others.join(', ')}: a web-identity caller is its OIDC provider ${q(caller)}`;
  return { element: 'Principal', result, detail };
}

/** One principal against the caller: a web-identity caller is its Federated provider, or matched by "*". */
function principalMatches(type: string, name: string, effect: 'Allow' | 'Deny', caller: string): Truth {
  if (type === 'AWS' && name === '*') return true;
  if (name.includes('*') && (type === 'AWS' || type === 'Federated')) return 'unknown';
  if (type === 'Federated') return name === caller;
  return effect === 'Deny' && type === 'AWS' && ACCOUNT_PRINCIPAL.test(name) ? 'unknown' : false;
}

// ——— Resource (identity policies) ———

const resourceCheck = (statement: Record<string, unknown>, resource: string): CheckResult =>
  listCheck(
    statement,
    ['Resource', 'NotResource'],
    resource,
    (p) => (p.includes('${') ? 'unknown' : wildcardMatch(p, resource)),
    (patterns) => `policy variables such as ${q(patterns.find((p) => p.includes('${'))!)} are not supported here`,
  );

// ——— The policies ———

/** The decision with every statement's checks, for a per-condition breakdown. */
export function explainTrust(policy: unknown, request: TrustRequest): Explanation {
  const statements = statementsOf(policy);
  if (typeof statements === 'string') return cannotEvaluate(`cannot evaluate the trust policy: ${statements}`);
  const verdicts = statements.map((s, i) =>
    statementVerdict(s, i, TRUST, request, {
      principal: principalCheck(s, s['Effect'] as 'Allow' | 'Deny', request.federated),
    }),
  );
  return decide(verdicts, 'nothing grants the role');
}

/** Whether the trust policy lets this caller in, and why not (each Allow statement's first failing check). */
export function evaluateTrust(policy: unknown, request: TrustRequest): Decision {
  const { allowed, reasons } = explainTrust(policy, request);
  return { allowed, reasons };
}

/**
 * A call judged by a role's identity policies together, with every statement's checks; statements are
 * numbered across the policies, in order.
 */
export function explainIdentity(policies: unknown[], request: IdentityRequest): Explanation {
  const verdicts: StatementVerdict[] = [];
  for (const [n, policy] of policies.entries()) {
    const statements = statementsOf(policy);
    if (typeof statements === 'string')
      return cannotEvaluate(`cannot evaluate ${policies.length > 1 ? `policy ${n + 1}` : 'the policy'}: ${statements}`);
    for (const s of statements)
      verdicts.push(
        statementVerdict(s, verdicts.length, IDENTITY, request, { resource: resourceCheck(s, request.resource) }),
      );
  }
  return decide(verdicts, `nothing grants ${request.action}`);
}

/** Whether the role's identity policies allow the call, and why (the deciding statement, or each Allow's first failing check). */
export function evaluateIdentity(policies: unknown[], request: IdentityRequest): Decision {
  const { allowed, reasons } = explainIdentity(policies, request);
  return { allowed, reasons };
}
