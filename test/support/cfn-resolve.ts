/**
 * Reads the generated CloudFormation template the way CloudFormation would, for the intrinsic
 * functions it uses: short-form tags (`!Sub`, `!Ref`, …) become the long form (`{ "Fn::Sub": … }`),
 * then `Ref`, `Fn::Sub`, `Fn::If`, `Fn::GetAtt` and the condition functions are evaluated against the
 * parameter defaults and the pseudo parameters. Shares nothing with src/render/cloudformation.ts.
 */
import { parseDocument, type CollectionTag, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';

const FUNCTIONS = [
  'Base64',
  'Cidr',
  'FindInMap',
  'GetAtt',
  'GetAZs',
  'ImportValue',
  'Join',
  'Select',
  'Split',
  'Sub',
  'Transform',
  'And',
  'Equals',
  'If',
  'Not',
  'Or',
];

/** Every CloudFormation short-form tag, on scalars, sequences and mappings alike. */
const CFN_TAGS: Array<ScalarTag | CollectionTag> = [
  ...[
    ['Ref', 'Ref'] as const,
    ['Condition', 'Condition'] as const,
    ...FUNCTIONS.map((f) => [f, `Fn::${f}`] as const),
  ].flatMap(([short, long]) => {
    const tag = `!${short}`;
    // `!GetAtt Role.Arn` is the short form of `Fn::GetAtt: [Role, Arn]`
    const wrap = (v: unknown) => ({ [long]: short === 'GetAtt' && typeof v === 'string' ? v.split(/\.(.*)/s, 2) : v });
    const fromCollection = (node: YAMLMap.Parsed | YAMLSeq.Parsed) => wrap(node.toJSON());
    return [
      { tag, resolve: (s: string) => wrap(s) } satisfies ScalarTag,
      { tag, collection: 'seq', resolve: fromCollection } satisfies CollectionTag,
      { tag, collection: 'map', resolve: fromCollection } satisfies CollectionTag,
    ];
  }),
];

/** Parses a template (YAML 1.2 or 1.1 rules); errors and warnings (an unknown tag, say) throw. */
export function parseCloudFormation(text: string, version: '1.1' | '1.2' = '1.2'): Record<string, unknown> {
  const doc = parseDocument(text, { customTags: CFN_TAGS, version, uniqueKeys: true });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length) throw new Error(problems.map((p) => p.message).join('\n'));
  const value: unknown = doc.toJS();
  if (!isObject(value)) throw new Error('template is not a mapping');
  return value;
}

export interface Pseudo {
  accountId: string;
  partition: string;
  region: string;
}

const NO_VALUE = Symbol('AWS::NoValue');

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function section(template: Record<string, unknown>, name: string): Record<string, Record<string, unknown>> {
  const s = template[name] ?? {};
  if (!isObject(s)) throw new Error(`${name} is not a mapping`);
  return s as Record<string, Record<string, unknown>>;
}

/** An evaluator for one template: parameter values are the defaults unless overridden. */
export function cfnResolver(template: Record<string, unknown>, pseudo: Pseudo, overrides: Record<string, string> = {}) {
  const parameters = section(template, 'Parameters');
  const resources = section(template, 'Resources');
  const conditions = section(template, 'Conditions') as Record<string, unknown>;

  const parameter = (name: string): unknown => {
    if (name in overrides) return overrides[name];
    const p = parameters[name];
    if (!p) throw new Error(`no parameter ${name}`);
    if (!('Default' in p)) throw new Error(`parameter ${name} has no Default`);
    return p['Default'];
  };

  const ref = (name: string): unknown => {
    switch (name) {
      case 'AWS::AccountId':
        return pseudo.accountId;
      case 'AWS::Partition':
        return pseudo.partition;
      case 'AWS::Region':
        return pseudo.region;
      case 'AWS::NoValue':
        return NO_VALUE;
    }
    if (name.startsWith('AWS::')) throw new Error(`pseudo parameter ${name} is not modelled`);
    if (name in resources) throw new Error(`Ref to resource ${name} is not modelled`);
    return parameter(name);
  };

  const getAtt = (logicalId: string, attribute: string): string => {
    const r = resources[logicalId];
    const props = isObject(r?.['Properties']) ? r['Properties'] : {};
    if (r?.['Type'] === 'AWS::IAM::Role' && attribute === 'Arn') {
      const path = props['Path'] === undefined ? '/' : String(value(props['Path']));
      return `arn:${pseudo.partition}:iam::${pseudo.accountId}:role${path}${String(value(props['RoleName']))}`;
    }
    if (r?.['Type'] === 'AWS::IAM::OIDCProvider' && attribute === 'Arn') {
      return `arn:${pseudo.partition}:iam::${pseudo.accountId}:oidc-provider/${String(value(props['Url'])).replace(/^https:\/\//, '')}`;
    }
    throw new Error(`GetAtt ${logicalId}.${attribute} is not modelled`);
  };

  /** `Fn::Sub`: `${Name}` is a Ref or GetAtt, `${!Text}` is the literal `${Text}`. */
  const sub = (text: string, variables: Record<string, unknown>): string => {
    let out = '';
    let i = 0;
    while (i < text.length) {
      const at = text.indexOf('${', i);
      if (at < 0) {
        out += text.slice(i);
        break;
      }
      out += text.slice(i, at);
      if (text[at + 2] === '!') {
        out += '${';
        i = at + 3;
        continue;
      }
      const end = text.indexOf('}', at);
      if (end < 0) throw new Error(`unterminated \${ in Fn::Sub ${JSON.stringify(text)}`);
      const name = text.slice(at + 2, end).trim();
      const dot = name.indexOf('.');
      const v =
        name in variables
          ? value(variables[name])
          : dot > 0 && !name.startsWith('AWS::')
            ? getAtt(name.slice(0, dot), name.slice(dot + 1))
            : ref(name);
      if (typeof v !== 'string' && typeof v !== 'number') throw new Error(`Fn::Sub: ${name} is not a string`);
      out += String(v);
      i = end + 1;
    }
    return out;
  };

  const condition = (name: string): boolean => {
    if (!(name in conditions)) throw new Error(`no condition ${name}`);
    const v = value(conditions[name]);
    if (typeof v !== 'boolean') throw new Error(`condition ${name} is not a boolean`);
    return v;
  };

  const args = (v: unknown, n: number, fn: string): unknown[] => {
    if (!Array.isArray(v) || v.length !== n) throw new Error(`${fn} takes ${n} arguments`);
    return v;
  };

  function value(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(value).filter((x) => x !== NO_VALUE);
    if (!isObject(v)) return v;
    const keys = Object.keys(v);
    const fn = keys.length === 1 ? keys[0]! : '';
    const arg = v[fn];
    switch (fn) {
      case 'Ref':
        return ref(String(arg));
      case 'Condition':
        return condition(String(arg));
      case 'Fn::Sub':
        if (typeof arg === 'string') return sub(arg, {});
        {
          const [text, vars] = args(arg, 2, fn);
          return sub(String(text), isObject(vars) ? vars : {});
        }
      case 'Fn::GetAtt': {
        const [id, attribute] = args(arg, 2, fn);
        return getAtt(String(id), String(attribute));
      }
      case 'Fn::If': {
        const [name, then, otherwise] = args(arg, 3, fn);
        return condition(String(name)) ? value(then) : value(otherwise);
      }
      case 'Fn::Equals': {
        const [a, b] = args(arg, 2, fn).map(value);
        return String(a) === String(b);
      }
      case 'Fn::Not':
        return !args(arg, 1, fn).map(value)[0];
      case 'Fn::And':
        return (arg as unknown[]).map(value).every(Boolean);
      case 'Fn::Or':
        return (arg as unknown[]).map(value).some(Boolean);
    }
    if (fn.startsWith('Fn::')) throw new Error(`${fn} is not modelled`);
    return Object.fromEntries(
      Object.entries(v)
        .map(([k, x]) => [k, value(x)] as const)
        .filter(([, x]) => x !== NO_VALUE),
    );
  }

  return { value, condition, parameter };
}
