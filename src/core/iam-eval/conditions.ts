/**
 * Condition blocks judged against a request's context keys: the string and ARN operators with their
 * qualifiers and IfExists, and Null (what evaluate.ts's header lists; anything else is `unknown`).
 */
import { isObject, wildcardMatch } from '../util/index.js';
import { and, anyOf, or, q, stringList, unknown, type CheckResult, type Truth } from './truth.js';

/** Condition keys and their values; a list for multi-valued keys. */
export type Context = Record<string, string | string[]>;

/** The operators this evaluator judges (with Null). */
export const STRING_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
] as const;
/** ARN operators: ArnEquals and ArnLike match alike, each of the ARN's six colon-separated parts on its own. */
export const ARN_OPERATORS = ['ArnEquals', 'ArnNotEquals', 'ArnLike', 'ArnNotLike'] as const;
type Operator = (typeof STRING_OPERATORS)[number] | (typeof ARN_OPERATORS)[number];

/** `arn:partition:service:region:account:resource`, the resource keeping its own colons. */
const arnParts = (arn: string) => {
  const parts = arn.split(':');
  return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(':')];
};

/** An ARN against an ARN pattern, part by part with IAM's wildcards (a `*` stays within its part). */
function arnMatch(pattern: string, value: string): boolean {
  const p = arnParts(pattern);
  const v = arnParts(value);
  return Boolean(p && v && p.every((part, i) => wildcardMatch(part, v[i]!)));
}

/** ASCII-only case folding, and whether that is enough to compare these strings without guessing. */
const foldAscii = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const hasNonAsciiCase = (s: string) =>
  [...s].some((c) => c > '\x7f' && (c.toLowerCase() !== c || c.toUpperCase() !== c));

/** One value against one condition value: `…Like` with IAM's wildcards, `…IgnoreCase` folding ASCII letters, else exactly. */
const sameString = (like: boolean, ignoreCase: boolean, pattern: string, value: string) =>
  like ? wildcardMatch(pattern, value) : ignoreCase ? foldAscii(pattern) === foldAscii(value) : pattern === value;

/**
 * Whether a value is the one a condition value names, compared as the operator compares (any case of its
 * name, qualifiers and IfExists aside); a negated operator compares the same way and then refuses the match.
 */
export function conditionValueMatches(operator: string, pattern: string, value: string): boolean {
  const base = operator.replace(/^(ForAnyValue|ForAllValues):/i, '').replace(/IfExists$/i, '');
  if (/^Arn/i.test(base)) return arnMatch(pattern, value);
  return sameString(/Like$/i.test(base), /IgnoreCase$/i.test(base), pattern, value);
}

interface ValueTest {
  result: Truth;
  /** The phrase for this value: `"x" does not match "p"`. */
  phrase: string;
}

/** One request value against the condition's values (any may match; negated operators: none may). */
function testValue(op: Operator, value: string, patterns: string[]): ValueTest {
  const arn = op.startsWith('Arn');
  const like = arn || op === 'StringLike' || op === 'StringNotLike';
  const ignoreCase = op.endsWith('IgnoreCase');
  const negated = op.includes('Not');
  const verb = like ? 'match' : 'equal';
  const suffix = ignoreCase ? ' (ignoring case)' : '';
  const hit = patterns.find((p) => (arn ? arnMatch(p, value) : sameString(like, ignoreCase, p, value)));
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
  context: Context,
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

function conditionCheck(operatorName: string, key: string, raw: unknown, context: Context): CheckResult {
  const element = `${operatorName} ${key}`;
  const [, set, base, ifExists] = /^(?:(ForAnyValue|ForAllValues):)?(.*?)(IfExists)?$/.exec(operatorName)!;
  const entry = lookup(context, key);
  if (entry.found === 'ambiguous') return unknown(element, 'the request has this key in two spellings');
  const requested = entry.found ? entry.value : undefined;
  if (Array.isArray(requested) && requested.length === 0)
    return unknown(element, 'the request has an empty list for this key');
  if (base === 'Null' && !set && !ifExists) return nullCheck(element, raw, requested !== undefined);
  if (![...STRING_OPERATORS, ...ARN_OPERATORS].includes(base as Operator))
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

export function conditionChecks(condition: unknown, context: Context): CheckResult[] {
  if (condition === undefined) return [];
  if (!isObject(condition)) return [unknown('Condition', 'the Condition must be an object')];
  return Object.entries(condition).flatMap(([operatorName, block]) =>
    isObject(block)
      ? Object.entries(block).map(([key, raw]) => conditionCheck(operatorName, key, raw, context))
      : [unknown(operatorName, 'an operator takes an object of keys')],
  );
}
