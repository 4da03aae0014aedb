/**
 * IAM policy documents as IAM reads them: JSON, the elements and their forms (`policy.grammar`), and the
 * statements in a shape the trust and permission checks share, each part with its line.
 */
import { isObject, wildcardMatch, closest, didYouMeanQuoted } from '../util/index.js';
import { STRING_OPERATORS } from './conditions.js';
import { actionsOf, COVERED_SERVICES } from './iam-actions.js';
import { parseJsonSource, type JsonPath } from './json-source.js';
import { hit, type Hit } from './report.js';
import { strings } from './truth.js';

export type PolicyKind = 'trust' | 'identity';

export interface ConditionEntry {
  operator: string;
  /** The operator without ForAnyValue:/ForAllValues: and IfExists, e.g. `StringLike`. */
  base: string;
  key: string;
  values: string[];
  line: number | undefined;
}

export interface PolicyStatement {
  /** `Statement[2]` (or `Statement` when it is one object): for messages. */
  label: string;
  line: number | undefined;
  effect: unknown;
  actions: string[];
  notAction: boolean;
  resources: string[];
  notResource: boolean;
  /** The Principal's value, or NotPrincipal's when `notPrincipal`. */
  principal: unknown;
  notPrincipal: boolean;
  conditions: ConditionEntry[];
  /** Line of an element of the statement (its key), or of the statement. */
  lineOf: (element: string) => number | undefined;
}

const DOCUMENT_KEYS = ['Version', 'Id', 'Statement'];
const STATEMENT_KEYS = [
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
];
const VERSIONS = ['2012-10-17', '2008-10-17'];
const OPERATORS = [
  ...STRING_OPERATORS,
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
];
const ACTION = /^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/;

const scalars = (v: unknown): string[] =>
  (Array.isArray(v) ? v : [v]).filter((x) => ['string', 'boolean', 'number'].includes(typeof x)).map(String);

/** The canonical base operator (IAM compares operator names case-insensitively), or undefined if there is none. */
export function baseOperator(operator: string): string | undefined {
  const bare = operator.replace(/^(ForAnyValue|ForAllValues):/i, '');
  const withoutIfExists = bare.replace(/IfExists$/i, '');
  const base = OPERATORS.find((o) => o.toLowerCase() === withoutIfExists.toLowerCase());
  // Null tests existence itself: NullIfExists is no operator
  return base === 'Null' && withoutIfExists !== bare ? undefined : base;
}

function unknownAction(action: string): string | undefined {
  const [service = '', name = ''] = action.split(':');
  const known = actionsOf(service);
  if (!known || action === '*') return undefined;
  const note = `pipelines-oidc knows every action of ${COVERED_SERVICES.join(', ')} and checks only those`;
  if (/[*?]/.test(name)) {
    return [...known.values()].some((a) => wildcardMatch(name, a.name, { ignoreCase: true }))
      ? undefined
      : `${action} matches no ${service} action (${note})`;
  }
  if (known.has(name.toLowerCase())) return undefined;
  const guess = closest(
    name,
    [...known.values()].map((a) => a.name),
  );
  return `${action} is not a ${service} action${guess ? ` (did you mean "${service}:${guess}"?)` : ''}; ${note}`;
}

/**
 * Grammar problems of a policy document (`policy.grammar`) and its statements (none when it is not JSON). A trust policy
 * names who may assume the role (Principal, no Resource); an identity policy what the role may do
 * (Resource, no Principal).
 */
export function readPolicy(text: string, kind: PolicyKind): { problems: Hit[]; statements: PolicyStatement[] } {
  const problems: Hit[] = [];
  const bad = (line: number | undefined, message: string, fix: string) => problems.push(hit(line, message, fix));
  const parsed = parseJsonSource(text);
  if (!parsed.ok) {
    bad(
      parsed.line,
      `not valid JSON: ${parsed.error}`,
      'Fix the JSON at this line (IAM accepts no comments and no trailing commas).',
    );
    return { problems, statements: [] };
  }
  const { value: doc, line } = parsed;
  if (!isObject(doc)) {
    bad(
      1,
      'a policy document must be a JSON object with Version and Statement',
      'Write the policy as {"Version": "2012-10-17", "Statement": [...]}.',
    );
    return { problems, statements: [] };
  }
  for (const key of Object.keys(doc).filter((k) => !DOCUMENT_KEYS.includes(k))) {
    bad(
      line([key]),
      `unknown policy element ${JSON.stringify(key)}${didYouMeanQuoted(key, DOCUMENT_KEYS)}`,
      `Remove it; a policy document has only ${DOCUMENT_KEYS.join(', ')}.`,
    );
  }
  if (!('Version' in doc))
    bad(
      1,
      'no Version: IAM then reads the policy as version 2008-10-17, in which policy variables stay literal text',
      'Add "Version": "2012-10-17".',
    );
  else if (!VERSIONS.includes(doc['Version'] as string))
    bad(
      line(['Version']),
      `Version ${JSON.stringify(doc['Version'])} is not a policy language version`,
      'Use "Version": "2012-10-17".',
    );
  const raw = doc['Statement'];
  if (raw === undefined)
    bad(1, 'no Statement: the policy grants nothing', 'Add "Statement": [...] with at least one statement.');
  else if (!isObject(raw) && !(Array.isArray(raw) && raw.length > 0))
    bad(
      line(['Statement']),
      'Statement must be a statement or a non-empty list of statements',
      'Write "Statement": [{...}].',
    );

  const list: Array<{ s: unknown; path: JsonPath; label: string }> = Array.isArray(raw)
    ? raw.map((s, i) => ({ s, path: ['Statement', i], label: `Statement[${i}]` }))
    : raw === undefined
      ? []
      : [{ s: raw, path: ['Statement'], label: 'Statement' }];
  const statements: PolicyStatement[] = [];
  for (const { s, path, label } of list) {
    const at = (...rest: JsonPath) => line([...path, ...rest]);
    if (!isObject(s)) {
      bad(at(), `${label} must be an object`, 'Write each statement as {"Effect": …, "Action": …, …}.');
      continue;
    }
    for (const key of Object.keys(s).filter((k) => !STATEMENT_KEYS.includes(k))) {
      bad(
        at(key),
        `${label} has the unknown element ${JSON.stringify(key)}${didYouMeanQuoted(key, STATEMENT_KEYS)}: IAM refuses the policy`,
        `Rename or remove it; statement elements are ${STATEMENT_KEYS.join(', ')}.`,
      );
    }
    if (!('Effect' in s)) bad(at(), `${label} has no Effect`, 'Add "Effect": "Allow" (or "Deny").');
    else if (s['Effect'] !== 'Allow' && s['Effect'] !== 'Deny')
      bad(
        at('Effect'),
        `${label}: Effect ${JSON.stringify(s['Effect'])} must be "Allow" or "Deny" (exactly so)`,
        'Write "Effect": "Allow" or "Effect": "Deny".',
      );

    const actionKey = 'Action' in s ? 'Action' : 'NotAction';
    if (!('Action' in s) && !('NotAction' in s))
      bad(at(), `${label} has no Action`, 'Add "Action": "<service>:<Action>".');
    if ('Action' in s && 'NotAction' in s)
      bad(at('NotAction'), `${label} has both Action and NotAction`, 'Keep one of them.');
    const actions = strings(s[actionKey]);
    const listed = s[actionKey];
    const wellFormed =
      typeof listed === 'string' || (Array.isArray(listed) && listed.length > 0 && actions.length === listed.length);
    if (actionKey in s && !wellFormed) {
      bad(
        at(actionKey),
        `${label}: ${actionKey} must be a string or a non-empty list of strings`,
        `Write "${actionKey}": ["<service>:<Action>", …].`,
      );
    }
    for (const a of actions) {
      if (a !== '*' && !ACTION.test(a))
        bad(
          at(actionKey),
          `${label}: ${JSON.stringify(a)} is not an action of the form service:Action`,
          'Write actions as "<service>:<Action>", e.g. "s3:GetObject".',
        );
      else {
        const unknown = unknownAction(a);
        if (unknown)
          problems.push(
            hit(
              at(actionKey),
              `${label}: ${unknown}`,
              'Correct the action name (see the Service Authorization Reference of the service).',
              'warning',
            ),
          );
      }
    }

    const resourceKey = 'Resource' in s ? 'Resource' : 'NotResource';
    const principalKey = 'Principal' in s ? 'Principal' : 'NotPrincipal';
    if (kind === 'identity') {
      if (!('Resource' in s) && !('NotResource' in s))
        bad(
          at(),
          `${label} has no Resource: IAM refuses a permissions statement without one`,
          'Add "Resource": "<ARN of what the action works on>".',
        );
      if ('Principal' in s || 'NotPrincipal' in s)
        bad(
          at(principalKey),
          `${label} has a ${principalKey}: a role's permissions policy applies to the role itself and may not name one`,
          `Remove ${principalKey} (who may assume the role belongs in the trust policy).`,
        );
    } else {
      if (!('Principal' in s) && !('NotPrincipal' in s))
        bad(
          at(),
          `${label} has no Principal: a trust policy must say who may assume the role`,
          'Add "Principal": {"Federated": "<provider ARN>"}.',
        );
      if ('Resource' in s || 'NotResource' in s)
        bad(
          at(resourceKey),
          `${label} has a ${resourceKey}: IAM refuses it in a trust policy (the resource is the role)`,
          `Remove ${resourceKey}.`,
        );
    }

    const conditions: ConditionEntry[] = [];
    if ('Condition' in s) {
      const condition = s['Condition'];
      if (!isObject(condition))
        bad(
          at('Condition'),
          `${label}: Condition must be an object of operators`,
          'Write "Condition": {"StringEquals": {"<key>": "<value>"}}.',
        );
      else {
        for (const [operator, tests] of Object.entries(condition)) {
          const base = baseOperator(operator);
          if (!base) {
            const names = OPERATORS.flatMap((o) => [o, `${o}IfExists`]);
            bad(
              at('Condition', operator),
              `${label}: ${JSON.stringify(operator)} is not a condition operator${didYouMeanQuoted(operator.replace(/^(ForAnyValue|ForAllValues):/i, ''), names)}`,
              'Use an IAM condition operator such as StringEquals or StringLike.',
            );
            continue;
          }
          if (!isObject(tests)) {
            bad(
              at('Condition', operator),
              `${label}: ${operator} must be an object of condition keys and values`,
              `Write "${operator}": {"<key>": "<value>"}.`,
            );
            continue;
          }
          for (const [key, v] of Object.entries(tests))
            conditions.push({ operator, base, key, values: scalars(v), line: at('Condition', operator, key) });
        }
      }
    }
    statements.push({
      label,
      line: at(),
      effect: s['Effect'],
      actions,
      notAction: actionKey === 'NotAction' && 'NotAction' in s,
      resources: strings(s[resourceKey]),
      notResource: resourceKey === 'NotResource' && 'NotResource' in s,
      principal: s[principalKey],
      notPrincipal: principalKey === 'NotPrincipal' && 'NotPrincipal' in s,
      conditions,
      lineOf: (element) => (element in s ? at(element) : at()),
    });
  }
  return { problems, statements };
}
