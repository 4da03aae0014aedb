/**
 * The IAM policies written in Terraform and CloudFormation, read as documents so that the same trust and
 * policy rules judge them as judge `iam/*.json`: Terraform's `assume_role_policy`, `policy` and
 * `inline_policy` (jsonencode, heredocs, `data "aws_iam_policy_document"` blocks, `var.*` with a default or
 * a value in terraform.tfvars), CloudFormation's `AssumeRolePolicyDocument` and `PolicyDocument` (with
 * `!Ref`/`!Sub` of parameters with defaults). What cannot be resolved is named, not guessed.
 */
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { isObject } from '../util/index.js';
import { TFVARS_NAME } from '../facts/index.js';
import { CFN_TAGS, resolveCfn } from './drift.js';
import { evaluateHcl, type HclValue, type Resolver } from './hcl-value.js';
import { UNKNOWN_ACCOUNT, type TrustScope } from './principal-findings.js';
import { hit, policyStatements, type Hit, type SourceFile, type TerraformModule } from '../iam-eval/index.js';

export interface IacPolicy {
  /** The Terraform or CloudFormation file, and the line where the policy is written. */
  file: string;
  line?: number;
  /** Where in the file: `aws_iam_role.pipeline assume_role_policy`, `PipelineRole AssumeRolePolicyDocument`. */
  label: string;
  kind: 'trust' | 'permissions';
  /** The document as JSON text (what IAM would be given). */
  text: string;
  /** The source of each part left unresolved; its text stands in the document as `${source}`. */
  unresolved: string[];
  /** Why the file could not be parsed at all (then nothing of it is judged). */
  unparsed?: string;
}

const POLICY_RESOURCES: Record<string, Array<[string, 'trust' | 'permissions']>> = {
  aws_iam_role: [['assume_role_policy', 'trust']],
  aws_iam_role_policy: [['policy', 'permissions']],
  aws_iam_policy: [['policy', 'permissions']],
  aws_iam_user_policy: [['policy', 'permissions']],
  aws_iam_group_policy: [['policy', 'permissions']],
};
/** A reference to a policy document block: that block is judged where it is written. */
const DOCUMENT_REFERENCE = /^\$\{data\.aws_iam_policy_document\.[\w-]+\.(?:minified_)?json\}$/;
/** `file("${path.module}/…")` or `file("…")`: the path it reads. */
const FILE_CALL = /^\$\{file\("(?:\$\{path\.module\}\/)?([^"$]+)"\)\}$/;

/** `folder/rel` with `.` and `..` resolved; undefined when it leaves the repository. */
function joinPath(folder: string, rel: string): string | undefined {
  const out: string[] = [];
  for (const part of [...(folder === '.' ? [] : folder.split('/')), ...rel.split('/')]) {
    if (part === '..') {
      if (!out.length) return undefined;
      out.pop();
    } else if (part && part !== '.') out.push(part);
  }
  return out.join('/');
}

/** hcl2json lists each block under its labels as a list of bodies. */
export const blocks = (node: unknown, ...labels: string[]): Array<[string, Record<string, unknown>]> => {
  let at = node;
  for (const l of labels) at = isObject(at) ? at[l] : undefined;
  if (!isObject(at)) return [];
  return Object.entries(at).flatMap(([name, bodies]) =>
    (Array.isArray(bodies) ? bodies : []).filter(isObject).map((b): [string, Record<string, unknown>] => [name, b]),
  );
};
const bodies = (v: unknown) => (Array.isArray(v) ? v.filter(isObject) : []);

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** 1-based line of a block's header, and of its first attribute `name` after it. */
function lineOf(text: string, header: string, attribute?: string): number | undefined {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^\\s*${header}\\s*\\{`).test(l));
  if (start < 0) return undefined;
  if (attribute === undefined) return start + 1;
  const at = lines.findIndex((l, i) => i > start && new RegExp(`^\\s*${escapeRe(attribute)}\\s*[={]`).test(l));
  return at < 0 ? start + 1 : at + 1;
}
const quoted = (...labels: string[]) => labels.map((l) => `"${escapeRe(l)}"`).join('\\s+');

/** A value larger than any policy IAM accepts (10,240 characters) by far is not built. */
const MAX_VALUE = 100_000;

const list = (v: HclValue): HclValue[] => (Array.isArray(v) ? v : [v]);

/** A `data "aws_iam_policy_document"` block as the policy JSON the provider renders. */
function documentOf(block: Record<string, unknown>, ev: (v: unknown) => HclValue, unresolved: string[]): unknown {
  for (const key of ['dynamic', 'source_policy_documents', 'override_policy_documents', 'source_json', 'override_json'])
    if (key in block) unresolved.push(key);
  const statements = bodies(block['statement']).map((st) => {
    const out: Record<string, unknown> = { Effect: 'effect' in st ? ev(st['effect']) : 'Allow' };
    if ('sid' in st) out['Sid'] = ev(st['sid']);
    if ('dynamic' in st) unresolved.push('dynamic');
    const lists: Array<[string, string]> = [
      ['actions', 'Action'],
      ['not_actions', 'NotAction'],
      ['resources', 'Resource'],
      ['not_resources', 'NotResource'],
    ];
    for (const [hcl, iam] of lists) if (hcl in st) out[iam] = ev(st[hcl]);
    for (const [hcl, iam] of [
      ['principals', 'Principal'],
      ['not_principals', 'NotPrincipal'],
    ] as const) {
      if (!(hcl in st)) continue;
      const principal: Record<string, HclValue[]> = {};
      for (const b of bodies(st[hcl])) {
        const type = String(ev(b['type']));
        principal[type] = [...(principal[type] ?? []), ...list(ev(b['identifiers']))];
      }
      // the provider writes type "*" with identifiers ["*"] as "Principal": "*"
      out[iam] = principal['*']?.length === 1 && principal['*'][0] === '*' ? '*' : principal;
    }
    if ('condition' in st) {
      const condition: Record<string, Record<string, HclValue[]>> = {};
      for (const b of bodies(st['condition'])) {
        const test = String(ev(b['test']));
        const variable = String(ev(b['variable']));
        condition[test] ??= {};
        condition[test][variable] = [...(condition[test][variable] ?? []), ...list(ev(b['values']))];
      }
      out['Condition'] = condition;
    }
    return out;
  });
  return { Version: 'version' in block ? ev(block['version']) : '2012-10-17', Statement: statements };
}

/** The ARN of an OIDC provider the stack defines, from its URL. */
const providerArnOf = (url: string, scope: TrustScope) =>
  `arn:aws:iam::${scope.account ?? UNKNOWN_ACCOUNT}:oidc-provider/${url.replace(/^https:\/\//, '')}`;

const hasPrincipal = (doc: unknown) => policyStatements(doc).some((s) => 'Principal' in s || 'NotPrincipal' in s);

/** The text of a policy value: a JSON string as it is, anything else as JSON. */
const policyText = (v: HclValue) => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));

/** The files of a module hcl2json could parse. */
export const parsedFiles = (module: TerraformModule) =>
  module.files.filter((f): f is SourceFile & { hcl: Record<string, unknown> } => f.hcl !== undefined);

/** A module's variables as Terraform sets them without `-var`: each default, terraform.tfvars over it. */
export function moduleVariables(module: TerraformModule): Map<string, unknown> {
  const variables = new Map<string, unknown>();
  for (const f of parsedFiles(module))
    for (const [name, body] of blocks(f.hcl, 'variable')) if ('default' in body) variables.set(name, body['default']);
  for (const [name, v] of Object.entries(module.tfvars ?? {})) variables.set(name, v);
  return variables;
}

/** The policies of a Terraform module, with `var.*`, `local.*` and policy document references resolved. */
export function terraformPolicies(
  module: TerraformModule,
  scope: TrustScope,
  judged: ReadonlySet<string> = new Set(),
): IacPolicy[] {
  const unparsed = module.files.flatMap((f): IacPolicy[] =>
    f.error === undefined
      ? []
      : [{ file: f.file, label: f.file, kind: 'permissions', text: '', unresolved: [], unparsed: f.error }],
  );
  const all = parsedFiles(module);
  const variables = moduleVariables(module);
  const locals = new Map<string, unknown>();
  for (const f of all)
    for (const body of bodies(f.hcl['locals'])) for (const [k, v] of Object.entries(body)) locals.set(k, v);
  const documents = new Map(
    all.flatMap((f) => blocks(f.hcl, 'data', 'aws_iam_policy_document').map(([n, b]) => [n, { f, b }] as const)),
  );
  const providers = new Map(all.flatMap((f) => blocks(f.hcl, 'resource', 'aws_iam_openid_connect_provider')));

  // each reference is evaluated once (locals that double each other stay linear); one that leads back to
  // itself, or grows past what a policy can hold, is left unresolved
  const resolved = new Map<string, HclValue | undefined>();
  const resolving = new Set<string>();
  const resolve: Resolver = (path) => {
    const [root, a, b, c] = path;
    const target = (root === 'var' || root === 'local' ? path.slice(0, 2) : path.slice(0, 4)).join('.');
    if (resolving.has(target)) return undefined;
    if (!resolved.has(target)) {
      resolving.add(target);
      try {
        resolved.set(target, lookup(root, a, b, c));
      } finally {
        resolving.delete(target);
      }
    }
    const value = resolved.get(target);
    return value === undefined ? undefined : index(value, path.slice(root === 'var' || root === 'local' ? 2 : 4));
  };
  const plain = (v: unknown) => {
    const e = evaluateHcl(v, resolve);
    return e.unresolved.length || JSON.stringify(e.value).length > MAX_VALUE ? undefined : e.value;
  };
  const lookup = (root?: string, a?: string, b?: string, c?: string): HclValue | undefined => {
    if (root === 'var' && a !== undefined && variables.has(a)) return plain(variables.get(a));
    if (root === 'local' && a !== undefined && locals.has(a)) return plain(locals.get(a));
    if (root !== 'data' && root !== 'aws_iam_openid_connect_provider') return undefined;
    if (root === 'data' && a === 'aws_partition' && c === 'partition') return 'aws';
    // the region only places a resource: it stays as written
    if (root === 'data' && a === 'aws_region' && b !== undefined && c !== undefined)
      return `\${data.aws_region.${b}.${c}}`;
    if (root === 'data' && a === 'aws_caller_identity' && c === 'account_id') return scope.account;
    if (root === 'data' && a === 'aws_iam_policy_document' && b && /^(minified_)?json$/.test(c ?? '')) {
      const doc = documents.get(b);
      if (!doc) return undefined;
      // its unresolved parts are reported at the block itself
      return JSON.stringify(documentOf(doc.b, (v) => evaluateHcl(v, resolve).value, []));
    }
    if (root === 'aws_iam_openid_connect_provider' && b === 'arn' && a !== undefined) {
      const url = providers.get(a) && plain(providers.get(a)!['url']);
      return typeof url === 'string' ? providerArnOf(url, scope) : undefined;
    }
    return undefined;
  };

  const policies: IacPolicy[] = [...unparsed];
  const add = (f: SourceFile, line: number | undefined, label: string, kind: IacPolicy['kind'], raw: unknown) => {
    if (typeof raw === 'string' && DOCUMENT_REFERENCE.test(raw)) return;
    // a policy file check reads anyway (iam/*.json) is judged there
    const read = typeof raw === 'string' ? FILE_CALL.exec(raw)?.[1] : undefined;
    const folder = f.file.includes('/') ? f.file.slice(0, f.file.lastIndexOf('/')) : '.';
    if (read !== undefined && judged.has(joinPath(folder, read) ?? '')) return;
    const { value, unresolved } = evaluateHcl(raw, resolve);
    policies.push({ file: f.file, line, label, kind, text: policyText(value), unresolved });
  };
  for (const f of all) {
    for (const [type, attributes] of Object.entries(POLICY_RESOURCES)) {
      for (const [name, body] of blocks(f.hcl, 'resource', type)) {
        const header = `resource\\s+${quoted(type, name)}`;
        for (const [attribute, kind] of attributes)
          if (attribute in body)
            add(f, lineOf(f.text, header, attribute), `${type}.${name} ${attribute}`, kind, body[attribute]);
        for (const inline of bodies(body['inline_policy']))
          if ('policy' in inline)
            add(
              f,
              lineOf(f.text, header, 'inline_policy'),
              `${type}.${name} inline_policy`,
              'permissions',
              inline['policy'],
            );
      }
    }
    for (const [name, block] of blocks(f.hcl, 'data', 'aws_iam_policy_document')) {
      const unresolved: string[] = [];
      const doc = documentOf(
        block,
        (v) => {
          const e = evaluateHcl(v, resolve);
          unresolved.push(...e.unresolved);
          return e.value;
        },
        unresolved,
      );
      policies.push({
        file: f.file,
        line: lineOf(f.text, `data\\s+${quoted('aws_iam_policy_document', name)}`),
        label: `data.aws_iam_policy_document.${name}`,
        kind: hasPrincipal(doc) ? 'trust' : 'permissions',
        text: JSON.stringify(doc, null, 2),
        unresolved,
      });
    }
  }
  return policies;
}

function index(value: HclValue, steps: string[]): HclValue | undefined {
  let v: HclValue | undefined = value;
  for (const s of steps) v = Array.isArray(v) ? v[Number(s)] : isObject(v) ? v[s] : undefined;
  return v;
}

const CFN_POLICY_TYPES: Record<string, Array<[string, 'trust' | 'permissions']>> = {
  'AWS::IAM::Role': [['AssumeRolePolicyDocument', 'trust']],
  'AWS::IAM::Policy': [['PolicyDocument', 'permissions']],
  'AWS::IAM::ManagedPolicy': [['PolicyDocument', 'permissions']],
  'AWS::IAM::RolePolicy': [['PolicyDocument', 'permissions']],
};

/**
 * Pseudo parameters that only place a resource (its region, the stack's name): they cannot widen a policy,
 * so they stay as written and are not reported.
 */
const PLACING = ['AWS::Region', 'AWS::URLSuffix', 'AWS::StackName', 'AWS::StackId'];
const UNRESOLVED_SUB = new RegExp(`\\$\\{(?!(?:${PLACING.join('|')})\\})(?:AWS::\\w+|[\\w.]+)\\}`);

/** What is left of CloudFormation's functions after resolving: each stands as its source, and is named. */
function unresolvedFunctions(v: unknown, found: string[], refs: Record<string, string>): unknown {
  if (Array.isArray(v)) return v.map((x) => unresolvedFunctions(x, found, refs));
  // a parameter or attribute !Sub left as it was (an IAM policy variable, `${aws:username}`, has a colon)
  if (!isObject(v)) return typeof v === 'string' && UNRESOLVED_SUB.test(v) ? (found.push(v), v) : v;
  const keys = Object.keys(v);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) {
    const [fn, arg] = [keys[0]!, v[keys[0]!]];
    const attribute = fn === 'Fn::GetAtt' ? (Array.isArray(arg) ? arg.join('.') : String(arg)) : undefined;
    if (attribute !== undefined && attribute in refs) return refs[attribute];
    const source =
      fn === 'Ref' || (typeof arg === 'string' && ['Fn::Sub', 'Fn::GetAtt'].includes(fn))
        ? `!${fn.replace('Fn::', '')} ${String(arg)}`
        : `${fn} ${JSON.stringify(arg)}`;
    found.push(source);
    return `\${${source}}`;
  }
  return Object.fromEntries(keys.map((k) => [k, unresolvedFunctions(v[k], found, refs)]));
}

/** The policies of a CloudFormation template (YAML or JSON), with parameters resolved to their defaults. */
export function cloudFormationPolicies(file: SourceFile, scope: TrustScope): IacPolicy[] {
  const counter = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(file.text, { customTags: CFN_TAGS, lineCounter: counter });
  } catch {
    return [];
  }
  if (doc.errors.length) return [];
  const cfn = doc.toJS() as { Parameters?: unknown; Resources?: unknown };
  // a provider the template defines: !Ref and !GetAtt …Arn give its ARN
  const providers = Object.entries(isObject(cfn.Resources) ? cfn.Resources : {}).flatMap(([name, r]) => {
    const url =
      isObject(r) && r['Type'] === 'AWS::IAM::OIDCProvider' && isObject(r['Properties'])
        ? r['Properties']['Url']
        : undefined;
    return typeof url === 'string'
      ? [
          [name, providerArnOf(url, scope)],
          [`${name}.Arn`, providerArnOf(url, scope)],
        ]
      : [];
  });
  const refs: Record<string, string> = {
    ...Object.fromEntries(providers),
    ...Object.fromEntries(PLACING.map((p) => [p, `\${${p}}`])),
    'AWS::Partition': 'aws',
    ...(scope.account ? { 'AWS::AccountId': scope.account } : {}),
    ...Object.fromEntries(
      Object.entries(isObject(cfn.Parameters) ? cfn.Parameters : {}).flatMap(([k, p]) =>
        isObject(p) && p['Default'] !== undefined ? [[k, String(p['Default'])]] : [],
      ),
    ),
  };
  // the line of the property's key (`AssumeRolePolicyDocument:`), where the policy begins
  const lineAt = (...path: Array<string | number>) => {
    const parent = doc.getIn(['Resources', ...path.slice(0, -1)], true);
    const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === path.at(-1)) : undefined;
    const range = isScalar(pair?.key) ? pair.key.range : undefined;
    return range ? counter.linePos(range[0]).line : undefined;
  };
  const policies: IacPolicy[] = [];
  const add = (name: string, path: Array<string | number>, label: string, kind: IacPolicy['kind'], raw: unknown) => {
    const unresolved: string[] = [];
    const value = unresolvedFunctions(resolveCfn(raw, refs), unresolved, refs);
    policies.push({
      file: file.file,
      line: lineAt(name, 'Properties', ...path),
      label,
      kind,
      text: typeof value === 'string' ? value : JSON.stringify(value, null, 2),
      unresolved,
    });
  };
  for (const [name, r] of Object.entries(isObject(cfn.Resources) ? cfn.Resources : {})) {
    if (!isObject(r) || typeof r['Type'] !== 'string' || !isObject(r['Properties'])) continue;
    const props = r['Properties'];
    for (const [property, kind] of CFN_POLICY_TYPES[r['Type']] ?? [])
      if (property in props) add(name, [property], `${name} ${property}`, kind, props[property]);
    if (r['Type'] === 'AWS::IAM::Role' && Array.isArray(props['Policies']))
      props['Policies'].forEach((p, i) => {
        if (isObject(p) && 'PolicyDocument' in p)
          add(name, ['Policies', i, 'PolicyDocument'], `${name} Policies[${i}]`, 'permissions', p['PolicyDocument']);
      });
  }
  return policies;
}

const quote = (s: string) => JSON.stringify(s);

/** `iac.unresolved`: a policy (or a part of it) written as an expression `check` cannot evaluate. */
export function unresolvedPolicy(p: IacPolicy): Hit[] {
  if (p.unparsed !== undefined)
    return [
      hit(
        undefined,
        `not parsed as HCL (${p.unparsed}), so the IAM policies it defines are not checked`,
        'Fix the syntax (terraform validate shows where); then check judges its policies.',
      ),
    ];
  if (!p.unresolved.length) return [];
  const parts = [...new Set(p.unresolved.map((u) => (u.length > 120 ? `${u.slice(0, 119)}…` : u)))];
  return [
    hit(
      p.line,
      `${p.label}: check cannot resolve ${parts.map(quote).join(', ')} here, so what depends on ${parts.length > 1 ? 'them' : 'it'} is not checked`,
      `Write the value in the policy, or give the variable a default or a value in ${TFVARS_NAME} (CloudFormation: a parameter Default); then check judges it.`,
    ),
  ];
}
