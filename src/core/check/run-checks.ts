/** `check` as one pure function: files in, findings, a trust simulation and a token report out. */
import {
  audience,
  braced,
  ENVIRONMENT_UUID_PLACEHOLDER,
  hostPathOf,
  issuerHostPath,
  providerArn,
  providerUrl,
  subParts,
  subScope,
} from '../facts/index.js';
import type { RepoModel } from '../repo/index.js';
import { cloudFormationPolicies, terraformPolicies } from './iac-policies.js';
import {
  iacPolicyFindings,
  infrastructureFindings,
  permissionsFindings,
  pipelineFindings,
  repositoryFindings,
  trustFindings,
  unreadFindings,
} from './findings.js';
import { withinNestingLimit } from './input-limits.js';
import type { SchemaValidator } from './pipeline-schema.js';
import { scopeOfPolicies, type TrustScope } from './principal-findings.js';
import { simulate, type Identity, type RoleUnderTest, type SimulationRow } from './simulate.js';
import { decodeToken, explainToken, providerFromTrustPolicy } from './token.js';
import { RULES, type Finding } from './rules.js';
import type { CheckInput } from '../iam-eval/index.js';

// what `apply` refuses is what `check` reports: it judges the same IAM files with the same findings
export { permissionsFindings, trustFindings } from './findings.js';
export type { TrustScope } from './principal-findings.js';

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
      providerArn: providerArn(model.values.partition, model.values.account, model.values.workspace),
      audience: audience(model.values.workspaceUuid),
      repoUuid: model.values.repoUuid,
    };
  }
  for (const r of roles) {
    const provider = providerFromTrustPolicy(r.policy);
    const repo = subPatterns(r.policy)
      .map((p) => subScope(p).repoUuid)
      .find(Boolean);
    if (provider && repo && provider.clientIds[0]) {
      return {
        issuerHostPath: hostPathOf(provider.url),
        providerArn: provider.arn,
        audience: provider.clientIds[0],
        repoUuid: repo,
      };
    }
  }
  return undefined;
}

export function runChecks(given: CheckInput, options: CheckOptions): CheckReport {
  const input = withinNestingLimit(given);
  const json = new Map([...input.trustPolicies, ...input.permissionPolicies].map((f) => [f.file, parseJson(f.text)]));
  const { model, expected } = options;
  const judged = new Set([...input.trustPolicies, ...input.permissionPolicies].map((f) => f.file));
  const iacPolicies = (scope: TrustScope) => [
    ...(input.terraformModules ?? []).flatMap((m) => terraformPolicies(m, scope, judged)),
    ...input.cloudformation
      .filter((f) => expected?.get(f.file) !== f.text)
      .flatMap((f) => cloudFormationPolicies(f, scope)),
  ];
  // the account and workspace: the answers', else as the first Bitbucket provider in a trust policy names them
  const scope: TrustScope = model
    ? { account: model.values.account, workspace: model.values.workspace }
    : scopeOfPolicies([
        ...input.trustPolicies.map((f) => json.get(f.file)),
        ...iacPolicies({}).map((p) => parseJson(p.text)),
      ]);
  const findings: Finding[] = [
    ...input.unread.flatMap(unreadFindings),
    ...(input.pipeline ? pipelineFindings(input.pipeline, options.now, options.schemaValidator) : []),
    ...input.trustPolicies.flatMap((f) => trustFindings(f, scope)),
    ...input.permissionPolicies.flatMap(permissionsFindings),
    ...[...input.terraform, ...input.cloudformation].flatMap(infrastructureFindings),
    ...iacPolicies(scope)
      .flatMap((p) => iacPolicyFindings(p, scope))
      .sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0)),
    ...repositoryFindings({
      model,
      expected,
      read: (file) => json.get(file),
      terraform: input.terraform,
      cloudformation: input.cloudformation,
      ...(input.taskDefinitions ? { taskDefinitions: input.taskDefinitions } : {}),
      ...(input.tfvars ? { tfvars: input.tfvars } : {}),
      ...(input.pipeline ? { pipeline: input.pipeline } : {}),
      ...(input.missing ? { missing: input.missing } : {}),
      ...(input.missingInputs ? { missingInputs: input.missingInputs } : {}),
      trustFiles: input.trustPolicies.map((f) => f.file),
      permissionFiles: input.permissionPolicies.map((f) => f.file),
      ...(input.terraformModules ? { terraformModules: input.terraformModules } : {}),
    }),
  ];

  // a file with merge conflicts is reported as such; what other rules made of it (a syntax error, drift) waits
  const whole = new Set<string>(RULES.filter((r) => 'anyFile' in r.check).map((r) => r.id));
  const conflicted = new Set(findings.filter((f) => whole.has(f.id)).map((f) => f.file));
  const reported = findings.filter((f) => whole.has(f.id) || !conflicted.has(f.file));

  const roles: RoleUnderTest[] = input.trustPolicies.flatMap((f) => {
    const policy = json.get(f.file);
    if (policy === undefined) return [];
    // an environment whose UUID is not set yet is still an environment role
    const env = subPatterns(policy)
      .map(
        (p) =>
          subScope(p).environmentUuid ??
          (subParts(p).environment === braced(ENVIRONMENT_UUID_PLACEHOLDER) ? ENVIRONMENT_UUID_PLACEHOLDER : undefined),
      )
      .find(Boolean);
    const generated = options.model?.roles.find((r) => r.trustFile === f.file);
    const role = generated ? generated.concreteArn.replace(/^.*:role\//, '') : f.file;
    const environmentName = generated?.environment;
    return [
      {
        role,
        file: f.file,
        policy,
        ...(env ? { environmentUuid: env } : {}),
        ...(env && environmentName ? { environmentName } : {}),
      },
    ];
  });
  const identity = identityOf(roles, options.model);
  const simulation = identity ? simulate(roles, identity) : [];

  // the provider the repository creates: from its answers, else as its first trust policy names it
  const provider = identity
    ? { url: providerUrl(identity.issuerHostPath), arn: identity.providerArn, clientIds: [identity.audience] }
    : roles[0] && providerFromTrustPolicy(roles[0].policy);
  const decoded = options.token === undefined ? undefined : decodeToken(options.token);
  const token =
    decoded &&
    explainToken(
      decoded.claims,
      roles.map((r) => ({ name: r.role, trustPolicy: r.policy, file: r.file })),
      provider || undefined,
      options.now,
      decoded,
    );
  const errors = reported.some((f) => f.severity === 'error');
  return { ok: !errors, findings: reported, simulation, ...(token ? { token } : {}) };
}
