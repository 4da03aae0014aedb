/**
 * `iac.drift`: the policies a repository holds in several forms must say the same thing. The IAM JSON
 * files are compared with what the manifest's answers give; CloudFormation (resolved with its parameter
 * defaults) and Terraform (the policy blocks of our own layout, and terraform.tfvars) with the JSON files
 * and the answers.
 */
import { parseDocument, type Scalar, type Tags, type YAMLMap, type YAMLSeq } from 'yaml';
import { samePolicy as same, CLOUDFORMATION_FILE, MANIFEST_FILE, TERRAFORM_FILE } from '../facts/index.js';
import { concretePolicies, type RepoModel } from '../repo/index.js';
import type { FileHit, SourceFile, TerraformModule } from '../iam-eval/index.js';
import { readTfvars, type TfvarsValue } from './tfvars.js';

const drift = (file: string, message: string, fix: string): FileHit => ({ file, message, fix });

/** The JSON files of each role against the manifest's answers. */
function jsonDrift(model: RepoModel, read: (file: string) => unknown): FileHit[] {
  return model.roles.flatMap((role) => {
    const want = concretePolicies(model, role);
    return [
      [role.trustFile, want.trustPolicy],
      [role.permissionsFile, want.permissions],
    ].flatMap(([file, expected]) => {
      const actual = read(file as string);
      if (actual === undefined || same(actual, expected)) return [];
      return [
        drift(
          file as string,
          `${file} differs from what the answers in ${MANIFEST_FILE} give`,
          'Run pipelines-oidc update --force to re-render it (yours is kept as a .orig file), or change the answers with update --<answer> if the file is right',
        ),
      ];
    });
  });
}

// CloudFormation's short tags, kept as `{ "Fn::X": … }` objects.
const tag = (name: string, fn: string, kind: 'scalar' | 'seq'): Tags[number] =>
  ({
    tag: `!${name}`,
    collection: kind === 'seq' ? 'seq' : undefined,
    resolve: (node: unknown) => ({ [fn]: kind === 'seq' ? (node as YAMLSeq).toJSON() : (node as Scalar | string) }),
  }) as unknown as Tags[number];

export const CFN_TAGS = [
  tag('Ref', 'Ref', 'scalar'),
  tag('Sub', 'Fn::Sub', 'scalar'),
  tag('GetAtt', 'Fn::GetAtt', 'scalar'),
  ...['If', 'Equals', 'Not', 'And', 'Or', 'Join', 'Select', 'Split', 'FindInMap'].map((n) => tag(n, `Fn::${n}`, 'seq')),
];

type Cfn = {
  Parameters?: Record<string, { Default?: unknown }>;
  Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }>;
};

/** Resolves Ref/Sub against parameter defaults and pseudo parameters; other functions stay as they are. */
export function resolveCfn(v: unknown, refs: Record<string, string>): unknown {
  if (Array.isArray(v)) return v.map((x) => resolveCfn(x, refs));
  if (!v || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && keys[0] === 'Ref' && typeof o['Ref'] === 'string' && o['Ref'] in refs) return refs[o['Ref']];
  if (keys.length === 1 && keys[0] === 'Fn::Sub' && typeof o['Fn::Sub'] === 'string') {
    return (o['Fn::Sub'] as string).replace(/\$\{(!?)([^}]+)\}/g, (all, bang: string, name: string) =>
      bang ? `\${${name}}` : (refs[name] ?? all),
    );
  }
  return Object.fromEntries(keys.map((k) => [k, resolveCfn(o[k], refs)]));
}

function cloudFormationDrift(file: SourceFile, model: RepoModel, read: (file: string) => unknown): FileHit[] {
  const doc = parseDocument(file.text, { customTags: CFN_TAGS });
  if (doc.errors.length)
    return [
      drift(
        file.file,
        `${file.file} is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`,
        'Fix the YAML syntax',
      ),
    ];
  const cfn = doc.toJS() as Cfn;
  const refs: Record<string, string> = {
    'AWS::AccountId': model.values.account,
    'AWS::Partition': model.values.partition,
    'AWS::Region': model.values.region,
    ...Object.fromEntries(Object.entries(cfn.Parameters ?? {}).map(([k, p]) => [k, String(p.Default ?? '')])),
  };
  const roles = Object.entries(cfn.Resources ?? {}).filter(([, r]) => r.Type === 'AWS::IAM::Role');
  return model.roles.flatMap((role) => {
    const match =
      roles.find(([id]) => id.toLowerCase() === `${role.key.replace(/_/g, '')}role`) ??
      (roles.length === 1 && model.roles.length === 1 ? roles[0] : undefined);
    if (!match)
      return [
        drift(
          file.file,
          `${file.file} has no role for ${role.environment ? `the ${role.environment} environment` : 'the repository'}`,
          'Run pipelines-oidc update --force to re-render it (yours is kept as a .orig file)',
        ),
      ];
    const props = (resolveCfn(match[1].Properties ?? {}, refs) ?? {}) as Record<string, unknown>;
    const policies = (props['Policies'] as Array<{ PolicyDocument?: unknown }> | undefined) ?? [];
    const checks: Array<[string, unknown, unknown]> = [
      [role.trustFile, props['AssumeRolePolicyDocument'], read(role.trustFile)],
      [role.permissionsFile, policies[0]?.PolicyDocument, read(role.permissionsFile)],
    ];
    return checks
      .filter(([, inCfn, inJson]) => inJson !== undefined && !same(inCfn, inJson))
      .map(([json]) =>
        drift(
          file.file,
          `the ${match[0]} policy in ${file.file} differs from ${json}`,
          'Make both say the same (pipelines-oidc update --force re-renders both from the answers, keeping yours as .orig files)',
        ),
      );
  });
}

/** The `jsonencode(…)` policy blocks of each resource in our Terraform layout, by resource label. */
function policyBlocks(text: string): Map<string, string> {
  const blocks = new Map<string, string>();
  const re =
    /resource "(aws_iam_role|aws_iam_role_policy)" "([^"]+)" \{[\s\S]*?\n {2}(assume_role_policy|policy) += jsonencode\(([\s\S]*?)\n {2}\}\)/g;
  for (const m of text.matchAll(re)) blocks.set(`${m[1]}.${m[2]}`, m[4]!);
  return blocks;
}

/** Terraform against what the answers give (our layout only: a hand-written module is not compared). */
function terraformDrift(file: SourceFile, rendered: string): FileHit[] {
  const want = policyBlocks(rendered);
  const have = policyBlocks(file.text);
  return [...want]
    .filter(([label, block]) => have.get(label) !== block)
    .map(([label]) =>
      drift(
        file.file,
        `${label} in ${file.file} ${have.has(label) ? 'has a policy that differs from' : 'is missing from'} what the answers in ${MANIFEST_FILE} give (and so from the IAM JSON files)`,
        'Run pipelines-oidc update --force to re-render it (yours is kept as a .orig file)',
      ),
    );
}

const shown = (v: TfvarsValue) => JSON.stringify(v);

/** terraform.tfvars against what the answers render: the value of each variable, whatever the layout and comments. */
function tfvarsDrift(file: SourceFile, rendered: string): FileHit[] {
  const want = readTfvars(rendered);
  const have = readTfvars(file.text);
  const fix =
    'Change the answer with pipelines-oidc update (it re-renders every file in step), or run pipelines-oidc update --force to re-render this one (yours is kept as a .orig file)';
  // what the answers render always reads back (a test proves it for hostile values)
  if ('error' in want) return [];
  if ('error' in have)
    return [drift(file.file, `${file.file} cannot be compared with the answers: ${have.error}`, fix)];
  const names = [...new Set([...want.values.keys(), ...have.values.keys()])];
  return names.flatMap((name) => {
    const [w, h] = [want.values.get(name), have.values.get(name)];
    if (!have.values.has(name))
      return [
        drift(file.file, `${file.file} does not set ${name} (the answers in ${MANIFEST_FILE} give ${shown(w!)})`, fix),
      ];
    if (!want.values.has(name))
      return [drift(file.file, `${file.file} sets ${name}, which the answers in ${MANIFEST_FILE} do not`, fix)];
    if (Object.is(w, h)) return [];
    return [
      drift(
        file.file,
        `${file.file} sets ${name} = ${shown(h!)}; the answers in ${MANIFEST_FILE} give ${shown(w!)}`,
        fix,
      ),
    ];
  });
}

/** A repository as the drift rule reads it: the model from its manifest, its files, and what it would render now. */
export interface RepositorySource {
  model?: RepoModel;
  /** A policy file's JSON (undefined: absent or not JSON). */
  read: (file: string) => unknown;
  terraform: SourceFile[];
  cloudformation: SourceFile[];
  taskDefinitions?: SourceFile[];
  /** terraform/terraform.tfvars, when there is our Terraform layout to compare. */
  tfvars?: SourceFile;
  expected?: Map<string, string>;
  /** Generated files (recorded in the manifest) that are not there. */
  missing?: string[];
  /** Paths the targets' steps read that are not there. */
  missingInputs?: string[];
  /** bitbucket-pipelines.yml, whose steps run AWS CLI commands under the roles' inline policies. */
  pipeline?: SourceFile;
  /** The trust and inline policy files found, for rules that read a role's two documents together. */
  trustFiles?: readonly string[];
  permissionFiles?: readonly string[];
  /** Terraform's folders parsed (those with IAM resources that differ from what the answers render). */
  terraformModules?: readonly TerraformModule[];
}

function tfvarsHits({ tfvars, expected }: RepositorySource): FileHit[] {
  const rendered = tfvars && expected?.get(tfvars.file);
  return tfvars && rendered !== undefined && rendered !== tfvars.text ? tfvarsDrift(tfvars, rendered) : [];
}

/** `iac.drift`: only a generated repository (one with a manifest) is compared. */
export function iacDrift(repo: RepositorySource): FileHit[] {
  const { model, read } = repo;
  if (!model) return [];
  const main = repo.terraform.find((f) => f.file === TERRAFORM_FILE.main);
  const rendered = repo.expected?.get(TERRAFORM_FILE.main);
  const json = jsonDrift(model, read);
  // a template byte-identical to what the answers render agrees with them (a test proves it), and so with
  // JSON files that agree with them too: only a changed template is parsed and compared
  const changed = (f: SourceFile) => json.length > 0 || repo.expected?.get(f.file) !== f.text;
  // only the template the answers render holds the roles: a stack the pipeline deploys (a SAM template.yaml)
  // is the user's own, with no role of ours to compare
  const ours = (f: SourceFile) => (repo.expected ? repo.expected.has(f.file) : f.file === CLOUDFORMATION_FILE);
  return [
    ...json,
    ...repo.cloudformation
      .filter(ours)
      .filter(changed)
      .flatMap((f) => cloudFormationDrift(f, model, read)),
    ...(main && rendered ? terraformDrift(main, rendered) : []),
    ...tfvarsHits(repo),
  ];
}
