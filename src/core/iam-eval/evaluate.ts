/**
 * Our own evaluator of IAM role trust policies, for the web-identity callers `check` simulates. It
 * implements exactly what such policies use, and answers "cannot evaluate" (hence denied) for the rest:
 *
 * - Effect Allow/Deny: a matching Deny wins; no matching Allow is an implicit deny.
 * - Principal: `"*"`, `{"AWS": "*"}`, `{"Federated": arn | [arns]}` compared exactly with the caller's
 *   provider. Other AWS, Service and CanonicalUser principals are never a web-identity caller — except that
 *   an account principal in a Deny is not judged (AWS does not document whether it covers federated callers).
 *   NotPrincipal is not judged: IAM refuses it in role trust policies.
 * - Action / NotAction: `*` and `?` wildcards in the action name, case-insensitive (not in the service prefix).
 * - Condition: StringEquals, StringNotEquals, StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, StringLike,
 *   StringNotLike, each with `IfExists` and the `ForAnyValue:` / `ForAllValues:` qualifiers, and Null.
 *   Keys match case-insensitively, values case-sensitively (IgnoreCase operators fold ASCII letters only).
 *   Several values for one key: any may match (for negated operators: none may match). Several keys or
 *   operators: all must hold. An absent key fails positive operators, passes negated ones and IfExists;
 *   ForAnyValue fails on it, ForAllValues passes.
 *
 * Not judged (the statement's outcome becomes unknown; an unknown Allow never allows, an unknown Deny
 * denies to be safe): other operators, operator names in another case, Null with a qualifier or IfExists,
 * policy variables (`${…}`) compared with a present key, numbers
 * as values, a single-valued operator on a list value (AWS wants ForAnyValue/ForAllValues there and does
 * not document the outcome), ForAnyValue…IfExists on an absent key (AWS documents neither reading), empty
 * lists, a non-ASCII letter in an IgnoreCase comparison, malformed or unknown policy elements.
 * Checks use three-valued logic, so an unknown part only matters when the outcome depends on it.
 */
import { isObject, wildcardMatch } from '../util/index.js';
import type { Decision, TrustRequest } from './types.js';

/** A check's result: `unknown` when it depends on something this evaluator does not judge. */
export type Truth = boolean | 'unknown';

export interface CheckResult {
  /** `Principal`, `Action`, `NotAction`, or the operator and key, e.g. `StringLike host/path:sub`. */
  element: string;
  result: Truth;
  /** What was compared, in words: `"{a}:x" does not match "{b}:*"`. */
  detail: string;
}

export interface StatementVerdict {
  /** `statement "Sid"` or `statement 2` (1-based). */
  label: string;
  effect: 'Allow' | 'Deny';
  /** Whether every check holds (three-valued AND). */
  result: Truth;
  checks: CheckResult[];
}

export interface TrustExplanation extends Decision {
  /** The decision rests on something this evaluator does not judge (then it is always a denial). */
  indeterminate: boolean;
  statements: StatementVerdict[];
  /** The Allow statement that grants, when allowed. */
  allowedBy?: string;
  /** The Deny statement that matched, when explicitly denied. */
  deniedBy?: string;
}

const OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
] as const;
type Operator = (typeof OPERATORS)[number];
/** Resource and NotResource are not among them: IAM refuses them in a role trust policy. */
const STATEMENT_KEYS = ['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Condition'];
const PRINCIPAL_TYPES = ['AWS', 'Federated', 'Service', 'CanonicalUser'];
const ACCOUNT_PRINCIPAL = /^(?:\d{12}|arn:[^:]+:iam::\d{12}:root)$/;

const q = (s: string) => JSON.stringify(s);
const anyOf = (values: string[]) => (values.length === 1 ? q(values[0]!) : `any of ${values.map(q).join(', ')}`);
const unknown = (element: string, why: string): CheckResult => ({
  element,
  result: 'unknown',
  detail: `cannot evaluate: ${why}`,
});

/** Three-valued AND: false wins, then unknown. */
function and(results: Truth[]): Truth {
  if (results.includes(false)) return false;
  return results.includes('unknown') ? 'unknown' : true;
}

/** Three-valued OR: true wins, then unknown. */
function or(results: Truth[]): Truth {
  if (results.includes(true)) return true;
  return results.includes('unknown') ? 'unknown' : false;
}

/** A string or a non-empty list of strings, else undefined. */
function stringList(v: unknown): string[] | undefined {
  const list = Array.isArray(v) ? v : [v];
  return list.length > 0 && list.every((x) => typeof x === 'string') ? (list as string[]) : undefined;
}

// ——— Principal and Action ———

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

function actionMatches(pattern: string, action: string): Truth {
  if (/^\*+$/.test(pattern)) return true;
  const [service, name, extra] = pattern.split(':');
  const [wantService, wantName] = action.split(':');
  if (name === undefined || extra !== undefined || !/^[A-Za-z0-9-]+$/.test(service!)) return 'unknown';
  return (
    service!.toLowerCase() === wantService?.toLowerCase() && wildcardMatch(name, wantName ?? '', { ignoreCase: true })
  );
}

function actionCheck(statement: Record<string, unknown>, action: string): CheckResult {
  const element = 'Action' in statement ? 'Action' : 'NotAction';
  if ('Action' in statement === 'NotAction' in statement)
    return unknown('Action', 'a statement needs either Action or NotAction');
  const patterns = stringList(statement[element]);
  if (!patterns) return unknown(element, `the ${element} must be a string or a non-empty list of strings`);
  const listed = or(patterns.map((p) => actionMatches(p, action)));
  if (listed === 'unknown')
    return unknown(element, `an action pattern in ${patterns.map(q).join(', ')} is not of the form service:action`);
  if (element === 'Action') {
    return {
      element,
      result: listed,
      detail: `${q(action)} ${listed ? 'matches' : 'does not match'} ${anyOf(patterns)}`,
    };
  }
  return {
    element,
    result: !listed,
    detail: listed ? `${anyOf(patterns)} excludes ${q(action)}` : `${anyOf(patterns)} does not exclude ${q(action)}`,
  };
}

// ——— Conditions ———

/** ASCII-only case folding, and whether that is enough to compare these strings without guessing. */
const foldAscii = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const hasNonAsciiCase = (s: string) =>
  [...s].some((c) => c > '\x7f' && (c.toLowerCase() !== c || c.toUpperCase() !== c));

interface ValueTest {
  result: Truth;
  /** The phrase for this value: `"x" does not match "p"`. */
  phrase: string;
}

/** One request value against the condition's values (any may match; negated operators: none may). */
function testValue(op: Operator, value: string, patterns: string[]): ValueTest {
  const like = op === 'StringLike' || op === 'StringNotLike';
  const ignoreCase = op.endsWith('IgnoreCase');
  const negated = op.includes('Not');
  const verb = like ? 'match' : 'equal';
  const suffix = ignoreCase ? ' (ignoring case)' : '';
  const hit = patterns.find((p) =>
    like ? wildcardMatch(p, value) : ignoreCase ? foldAscii(p) === foldAscii(value) : p === value,
  );
  if (hit !== undefined)
    return { result: !negated, phrase: `${q(value)} ${verb}${like ? 'es' : 's'} ${q(hit)}${suffix}` };
  // equal after ASCII folding is equal after any folding; unequal may still be equal under Unicode's
  if (ignoreCase && [value, ...patterns].some(hasNonAsciiCase)) {
    return {
      result: 'unknown',
      phrase: `${q(value)} or a condition value has a non-ASCII letter, and AWS does not document how it folds case`,
    };
  }
  return { result: negated, phrase: `${q(value)} does not ${verb} ${anyOf(patterns)}${suffix}` };
}

/** The request's value for a key: keys compare case-insensitively; two spellings of one key are ambiguous. */
function lookup(
  context: TrustRequest['context'],
  key: string,
): { found: false } | { found: true; value: string | string[] } | { found: 'ambiguous' } {
  const hits = Object.keys(context).filter((k) => k.toLowerCase() === key.toLowerCase());
  if (hits.length > 1) return { found: 'ambiguous' };
  return hits.length ? { found: true, value: context[hits[0]!]! } : { found: false };
}

function nullCheck(element: string, raw: unknown, present: boolean): CheckResult {
  const values = (Array.isArray(raw) ? raw : [raw]).map((v) => (typeof v === 'boolean' ? String(v) : v));
  if (!values.length || !values.every((v) => v === 'true' || v === 'false'))
    return unknown(element, 'Null takes "true" or "false"');
  const result = values.includes(present ? 'false' : 'true');
  const state = present ? 'the key is present' : 'the key is absent';
  return {
    element,
    result,
    detail: result ? state : `${state}, the condition requires it ${present ? 'absent' : 'present'}`,
  };
}

/** Condition values as strings: booleans read as "true"/"false" (numbers are not judged: JSON loses their spelling). */
function conditionValues(raw: unknown): string[] | undefined {
  return stringList(
    Array.isArray(raw)
      ? raw.map((v) => (typeof v === 'boolean' ? String(v) : v))
      : typeof raw === 'boolean'
        ? String(raw)
        : raw,
  );
}

function conditionCheck(
  operatorName: string,
  key: string,
  raw: unknown,
  context: TrustRequest['context'],
): CheckResult {
  const element = `${operatorName} ${key}`;
  const [, set, base, ifExists] = /^(?:(ForAnyValue|ForAllValues):)?(.*?)(IfExists)?$/.exec(operatorName)!;
  const entry = lookup(context, key);
  if (entry.found === 'ambiguous') return unknown(element, 'the request has this key in two spellings');
  const requested = entry.found ? entry.value : undefined;
  if (Array.isArray(requested) && requested.length === 0)
    return unknown(element, 'the request has an empty list for this key');
  if (base === 'Null' && !set && !ifExists) return nullCheck(element, raw, requested !== undefined);
  if (!(OPERATORS as readonly string[]).includes(base!))
    return unknown(element, `the condition operator ${q(operatorName)} is not supported here`);
  const op = base as Operator;
  const negated = op.includes('Not');

  // an absent key decides without looking at the values
  if (requested === undefined) {
    if (set === 'ForAnyValue' && ifExists)
      return unknown(element, 'AWS does not document ForAnyValue…IfExists on an absent key');
    const result = set === 'ForAllValues' || (!set && (negated || Boolean(ifExists)));
    const because = set ?? (ifExists ? 'IfExists' : 'a negated operator');
    return { element, result, detail: `the request has no such key${result ? ` (${because} passes)` : ''}` };
  }
  const values = conditionValues(raw);
  if (!values) return unknown(element, 'condition values must be strings (or true/false)');
  const variable = values.find((v) => v.includes('${'));
  if (variable !== undefined) return unknown(element, `policy variables such as ${q(variable)} are not supported here`);
  if (!set && Array.isArray(requested)) {
    return unknown(
      element,
      `the request has a list (${requested.map(q).join(', ')}) and ${operatorName} compares a single value: use ForAnyValue: or ForAllValues:`,
    );
  }
  const tests = (Array.isArray(requested) ? requested : [requested]).map((v) => testValue(op, v, values));
  const result = set === 'ForAnyValue' ? or(tests.map((t) => t.result)) : and(tests.map((t) => t.result));
  const deciding = tests.find((t) => t.result === result)!;
  if (result === 'unknown') return unknown(element, deciding.phrase);
  const detail =
    set === 'ForAnyValue' && !result
      ? `no value passes: ${tests.map((t) => t.phrase).join('; ')}`
      : set === 'ForAllValues' && result
        ? 'every value passes'
        : deciding.phrase;
  return { element, result, detail };
}

function conditionChecks(condition: unknown, context: TrustRequest['context']): CheckResult[] {
  if (condition === undefined) return [];
  if (!isObject(condition)) return [unknown('Condition', 'the Condition must be an object')];
  return Object.entries(condition).flatMap(([operatorName, block]) =>
    isObject(block)
      ? Object.entries(block).map(([key, raw]) => conditionCheck(operatorName, key, raw, context))
      : [unknown(operatorName, 'an operator takes an object of keys')],
  );
}

// ——— Statements and the policy ———

function statementVerdict(
  statement: Record<string, unknown>,
  label: string,
  effect: 'Allow' | 'Deny',
  request: TrustRequest,
): StatementVerdict {
  const stray = Object.keys(statement).filter((k) => !STATEMENT_KEYS.includes(k));
  const checks =
    stray.length > 0
      ? [unknown(stray[0]!, `${q(stray[0]!)} is not an element of a role trust policy`)]
      : [
          principalCheck(statement, effect, request.federated),
          actionCheck(statement, request.action),
          ...conditionChecks(statement['Condition'], request.context),
        ];
  return { label, effect, result: and(checks.map((c) => c.result)), checks };
}

/** The first failing check (else the first undecided one), as a sentence. */
function firstProblem(v: StatementVerdict): string {
  const c = v.checks.find((x) => x.result === false) ?? v.checks.find((x) => x.result === 'unknown')!;
  return `${c.element}: ${c.detail}`;
}

function statementsOf(policy: unknown): Record<string, unknown>[] | string {
  if (!isObject(policy)) return 'the policy is not a JSON object';
  const stray = Object.keys(policy).find((k) => !['Version', 'Id', 'Statement'].includes(k));
  if (stray !== undefined) return `${q(stray)} is not a policy element`;
  if (policy['Version'] !== undefined && policy['Version'] !== '2012-10-17' && policy['Version'] !== '2008-10-17')
    return `unknown Version ${q(String(policy['Version']))}`;
  const list = Array.isArray(policy['Statement']) ? policy['Statement'] : [policy['Statement']];
  if (list.length === 0 || !list.every(isObject)) return 'Statement must be an object or a non-empty list of objects';
  const effect = list.find((s) => s['Effect'] !== 'Allow' && s['Effect'] !== 'Deny');
  return effect
    ? `Effect must be "Allow" or "Deny", not ${q(String(effect['Effect']))}`
    : (list as Record<string, unknown>[]);
}

/** The decision with every statement's checks, for a per-condition breakdown. */
export function explainTrust(policy: unknown, request: TrustRequest): TrustExplanation {
  const statements = statementsOf(policy);
  if (typeof statements === 'string') {
    return {
      allowed: false,
      indeterminate: true,
      reasons: [`cannot evaluate the trust policy: ${statements}`],
      statements: [],
    };
  }
  const verdicts = statements.map((s, i) =>
    statementVerdict(
      s,
      typeof s['Sid'] === 'string' && s['Sid'] ? `statement ${q(s['Sid'])}` : `statement ${i + 1}`,
      s['Effect'] as 'Allow' | 'Deny',
      request,
    ),
  );
  const named = (v: StatementVerdict, text: string) => (verdicts.length > 1 ? `${v.label}: ${text}` : text);
  const denying = verdicts.find((v) => v.effect === 'Deny' && v.result === true);
  if (denying)
    return {
      allowed: false,
      indeterminate: false,
      reasons: [`explicitly denied by ${denying.label} (Deny)`],
      statements: verdicts,
      deniedBy: denying.label,
    };
  const allowing = verdicts.find((v) => v.effect === 'Allow' && v.result === true);
  const maybeDenying = verdicts.filter((v) => v.effect === 'Deny' && v.result === 'unknown');
  if (allowing && maybeDenying.length === 0) {
    return {
      allowed: true,
      indeterminate: false,
      reasons: [`allowed by ${allowing.label}`],
      statements: verdicts,
      allowedBy: allowing.label,
    };
  }
  if (allowing) {
    return {
      allowed: false,
      indeterminate: true,
      reasons: maybeDenying.map(
        (v) =>
          `${allowing.label} allows it, but ${v.label} (Deny) may deny it, so it is treated as denied — ${firstProblem(v)}`,
      ),
      statements: verdicts,
    };
  }
  const allows = verdicts.filter((v) => v.effect === 'Allow');
  return {
    allowed: false,
    indeterminate: allows.some((v) => v.result === 'unknown'),
    reasons: allows.length
      ? allows.map((v) => named(v, firstProblem(v)))
      : ['no Allow statement: nothing grants the role'],
    statements: verdicts,
  };
}

/** Whether the trust policy lets this caller in, and why not (each Allow statement's first failing check). */
export function evaluateTrust(policy: unknown, request: TrustRequest): Decision {
  const { allowed, reasons } = explainTrust(policy, request);
  return { allowed, reasons };
}
