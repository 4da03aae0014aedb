/** `check` as one pure function: files in, findings, a trust simulation and a token report out. */
import { issuerHostPath } from '../bitbucket.js';
import type { RepoModel } from '../model.js';
import { cloudFormationDrift, jsonDrift, terraformDrift } from './drift.js';
import { missingPermissionFindings } from './permission-findings.js';
import { pipelineFindings } from './pipeline-findings.js';
import type { SchemaValidator } from './pipeline-schema.js';
import { iacBroadFindings, permissionsFindings, trustFindings } from './policy-findings.js';
import { simulate, type Identity, type RoleUnderTest, type SimulationRow } from './simulate.js';
import { decodeToken, explainToken, providerFromTrustPolicy } from './token.js';
import type { CheckInput, Finding } from './types.js';

export interface CheckOptions {
  /** Atlassian's schema of bitbucket-pipelines.yml, compiled; without it the built-in structural checks stand in. */
  schemaValidator?: SchemaValidator;
  /** The model of a generated repository (from its manifest) and the files it would render now. */
  model?: RepoModel;
  expected?: Map<string, string>;
  token?: string;
  now: Date;
}

export interface CheckReport {
  ok: boolean;
  findings: Finding[];
  simulation: SimulationRow[];
  token?: ReturnType<typeof explainToken>;
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** The `sub` patterns of a trust policy, wherever they stand. */
function subPatterns(policy: unknown): string[] {
  const found: string[] = [];
  const walk = (v: unknown, key = ''): void => {
    if (typeof v === 'string' && /:sub$/i.test(key)) found.push(v);
    else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === 'object') Object.entries(v).forEach(([k, x]) => walk(x, k));
  };
  walk(policy);
  return found;
}

function identityOf(roles: RoleUnderTest[], model: RepoModel | undefined): Identity | undefined {
  if (model) {
    return {
      issuerHostPath: issuerHostPath(model.values.workspace),
      providerArn: `arn:${model.values.partition}:iam::${model.values.account}:oidc-provider/${issuerHostPath(model.values.workspace)}`,
      audience: `ari:cloud:bitbucket::workspace/${model.values.workspaceUuid}`,
      repoUuid: model.values.repoUuid,
    };
  }
  for (const r of roles) {
    const provider = providerFromTrustPolicy(r.policy);
    const repo = subPatterns(r.policy).map((p) => new RegExp(`^\\{(${UUID})\\}`).exec(p)?.[1]).find(Boolean);
    if (provider && repo && provider.clientIds[0]) {
      return { issuerHostPath: provider.url.replace(/^https:\/\//, ''), providerArn: provider.arn, audience: provider.clientIds[0], repoUuid: repo };
    }
  }
  return undefined;
}

export function runChecks(input: CheckInput, options: CheckOptions): CheckReport {
  const findings: Finding[] = [
    ...(input.pipeline ? pipelineFindings(input.pipeline, options.schemaValidator) : []),
    ...input.trustPolicies.flatMap(trustFindings),
    ...input.permissionPolicies.flatMap(permissionsFindings),
    ...[...input.terraform, ...input.cloudformation].flatMap(iacBroadFindings),
  ];
  const json = new Map([...input.trustPolicies, ...input.permissionPolicies].map((f) => [f.file, parseJson(f.text)]));
  // the inline policy of the role a step assumes: its environment's, else the repository's
  const policyFor = (environment: string | undefined) => {
    const generated = options.model?.roles.find((r) => r.environment === environment)?.permissionsFile;
    const file = generated ?? [environment && `iam/${environment}/inline-policy.json`, 'iam/inline-policy.json'].find((f) => f && json.get(f) !== undefined);
    const policy = file ? json.get(file) : undefined;
    return file && policy !== undefined ? { file, policy } : undefined;
  };
  if (input.pipeline) findings.push(...missingPermissionFindings(input.pipeline, policyFor));
  if (options.model) {
    const read = (file: string) => json.get(file);
    findings.push(...jsonDrift(options.model, read));
    for (const f of input.cloudformation) findings.push(...cloudFormationDrift(f, options.model, read));
    const main = input.terraform.find((f) => f.file === 'terraform/main.tf');
    const rendered = options.expected?.get('terraform/main.tf');
    if (main && rendered) findings.push(...terraformDrift(main, rendered));
  }

  const roles: RoleUnderTest[] = input.trustPolicies.flatMap((f) => {
    const policy = json.get(f.file);
    if (policy === undefined) return [];
    const env = subPatterns(policy).map((p) => new RegExp(`^\\{${UUID}\\}:\\{(${UUID})\\}:`).exec(p)?.[1]).find(Boolean);
    const generated = options.model?.roles.find((r) => r.trustFile === f.file);
    const role = generated ? generated.concreteArn.replace(/^.*:role\//, '') : f.file;
    return [{ role, file: f.file, policy, ...(env ? { environmentUuid: env } : {}) }];
  });
  const identity = identityOf(roles, options.model);
  const simulation = identity ? simulate(roles, identity) : [];

  // the provider the repository creates: from its answers, else as its first trust policy names it
  const provider = identity ? { url: `https://${identity.issuerHostPath}`, arn: identity.providerArn, clientIds: [identity.audience] } : roles[0] && providerFromTrustPolicy(roles[0].policy);
  const token =
    options.token === undefined
      ? undefined
      : explainToken(decodeToken(options.token).claims, roles.map((r) => ({ name: r.role, trustPolicy: r.policy, file: r.file })), provider || undefined, options.now);
  const errors = findings.some((f) => f.severity === 'error');
  return { ok: !errors, findings, simulation, ...(token ? { token } : {}) };
}
