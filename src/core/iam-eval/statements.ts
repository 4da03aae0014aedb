/**
 * Statements as the evaluator reads them: the policy's list, Action/NotAction, each statement's verdict,
 * and the decision over all of them (explicit Deny wins, then Allow, else the implicit deny).
 */
import { isObject, wildcardMatch } from '../util/index.js';
import { conditionChecks, type Context } from './conditions.js';
import { and, anyOf, or, q, stringList, strings, unknown, type CheckResult, type Truth } from './truth.js';
import type { Decision } from './types.js';

export interface StatementVerdict {
  /** `statement "Sid"` or `statement 2` (1-based). */
  label: string;
  effect: 'Allow' | 'Deny';
  /** Whether every check holds (three-valued AND). */
  result: Truth;
  checks: CheckResult[];
}

export interface Explanation extends Decision {
  /** The decision rests on something this evaluator does not judge (then it is always a denial). */
  indeterminate: boolean;
  statements: StatementVerdict[];
  /** The Allow statement that grants, when allowed. */
  allowedBy?: string;
  /** The Deny statement that matched, when explicitly denied. */
  deniedBy?: string;
}

/** What a statement's Action or NotAction says of one action; a malformed pattern is not judged. */
function actionTruth(pattern: string, action: string): Truth {
  if (/^\*+$/.test(pattern)) return true;
  const [service, name, extra] = pattern.split(':');
  const [wantService, wantName] = action.split(':');
  if (name === undefined || extra !== undefined || !/^[A-Za-z0-9-]+$/.test(service!)) return 'unknown';
  return (
    service!.toLowerCase() === wantService?.toLowerCase() && wildcardMatch(name, wantName ?? '', { ignoreCase: true })
  );
}

/**
 * Whether an action pattern (`*`, `s3:Get*`) covers the action: `*` and `?` in the action name, service
 * and name compared case-insensitively. A pattern not of the form service:name (IAM refuses it) covers nothing.
 */
export const actionMatches = (pattern: string, action: string): boolean => actionTruth(pattern, action) === true;

/** A statement's Effect and the actions it lists, as the grammar reads them. */
export interface ActionStatement {
  effect: unknown;
  /** Action's patterns, or NotAction's when `notAction`. */
  actions: string[];
  notAction: boolean;
}

/**
 * Whether an Allow statement grants the action by its Action (resources and conditions aside). A NotAction
 * statement grants by what it leaves out, which this does not read: it answers false.
 */
export const statementAllows = (statement: ActionStatement, action: string): boolean =>
  statement.effect === 'Allow' && !statement.notAction && statement.actions.some((a) => actionMatches(a, action));

/** A policy's statements that are objects, whatever else is wrong with it (for reading, not deciding). */
export const policyStatements = (policy: unknown): Record<string, unknown>[] =>
  isObject(policy)
    ? (Array.isArray(policy['Statement']) ? policy['Statement'] : [policy['Statement']]).filter(isObject)
    : [];

/** A policy's statements with their Effect and actions, leniently (the grammar reports what is malformed). */
export const actionStatements = (policy: unknown): ActionStatement[] =>
  policyStatements(policy).map((s) => ({
    effect: s['Effect'],
    actions: strings('Action' in s ? s['Action'] : s['NotAction']),
    notAction: !('Action' in s) && 'NotAction' in s,
  }));

/**
 * An element and its negation (Action/NotAction, Resource/NotResource) against the request's value:
 * `match` judges one pattern, `undecided` says why a pattern it cannot judge is so.
 */
export function listCheck(
  statement: Record<string, unknown>,
  [element, negated]: [string, string],
  value: string,
  match: (pattern: string) => Truth,
  undecided: (patterns: string[]) => string,
): CheckResult {
  if (element in statement === negated in statement)
    return unknown(element, `a statement needs either ${element} or ${negated}`);
  const name = element in statement ? element : negated;
  const patterns = stringList(statement[name]);
  if (!patterns) return unknown(name, `the ${name} must be a string or a non-empty list of strings`);
  const listed = or(patterns.map(match));
  if (listed === 'unknown') return unknown(name, undecided(patterns));
  if (name === element)
    return {
      element: name,
      result: listed,
      detail: `${q(value)} ${listed ? 'matches' : 'does not match'} ${anyOf(patterns)}`,
    };
  return {
    element: name,
    result: !listed,
    detail: listed ? `${anyOf(patterns)} excludes ${q(value)}` : `${anyOf(patterns)} does not exclude ${q(value)}`,
  };
}

const actionCheck = (statement: Record<string, unknown>, action: string): CheckResult =>
  listCheck(
    statement,
    ['Action', 'NotAction'],
    action,
    (p) => actionTruth(p, action),
    (patterns) => `an action pattern in ${patterns.map(q).join(', ')} is not of the form service:action`,
  );

/** A policy's statements, or why the policy cannot be evaluated. */
export function statementsOf(policy: unknown): Record<string, unknown>[] | string {
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

/** What a kind of policy is called in messages, and the statement elements it has. */
export interface PolicyKindRules {
  name: string;
  elements: string[];
}

/**
 * One statement's verdict: an element this kind of policy does not have is not judged; else the Principal
 * (a trust policy), the Action, the Resource (an identity policy) and the conditions.
 */
export function statementVerdict(
  statement: Record<string, unknown>,
  index: number,
  kind: PolicyKindRules,
  request: { action: string; context: Context },
  element: { principal?: CheckResult; resource?: CheckResult },
): StatementVerdict {
  const label =
    typeof statement['Sid'] === 'string' && statement['Sid']
      ? `statement ${q(statement['Sid'])}`
      : `statement ${index + 1}`;
  const stray = Object.keys(statement).filter((k) => !kind.elements.includes(k));
  const checks =
    stray.length > 0
      ? [unknown(stray[0]!, `${q(stray[0]!)} is not an element of ${kind.name}`)]
      : [
          ...(element.principal ? [element.principal] : []),
          actionCheck(statement, request.action),
          ...(element.resource ? [element.resource] : []),
          ...conditionChecks(statement['Condition'], request.context),
        ];
  const effect = statement['Effect'] as 'Allow' | 'Deny';
  return { label, effect, result: and(checks.map((c) => c.result)), checks };
}

/** The first failing check (else the first undecided one), as a sentence. */
function firstProblem(v: StatementVerdict): string {
  const c = v.checks.find((x) => x.result === false) ?? v.checks.find((x) => x.result === 'unknown')!;
  return `${c.element}: ${c.detail}`;
}

/** A policy that cannot be evaluated: denied, and undecided. */
export const cannotEvaluate = (why: string): Explanation => ({
  allowed: false,
  indeterminate: true,
  reasons: [why],
  statements: [],
});

/**
 * The decision over every statement's verdict: a Deny that applies wins; an Allow that applies allows unless
 * a Deny may apply (then it is a denial, to be safe); else nothing allows, and `nothing` says so.
 */
export function decide(verdicts: StatementVerdict[], nothing: string): Explanation {
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
    reasons: allows.length ? allows.map((v) => named(v, firstProblem(v))) : [`no Allow statement: ${nothing}`],
    statements: verdicts,
  };
}
