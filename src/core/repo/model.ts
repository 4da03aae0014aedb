/**
 * The pure core: validated answers in, everything the files say out, as data. Every renderer (JSON,
 * Terraform, CloudFormation, pipeline, README) reads this one value.
 */
import {
  type Answers,
  environmentParam,
  paramOfAnswerKey,
  releaseEnvironment,
  parseEnvironments,
  partitionOf,
  sessionSeconds,
  type EnvironmentType,
} from '../answers/index.js';
import {
  REPO_UUID_PLACEHOLDER,
  ENVIRONMENT_UUID_PLACEHOLDER,
  environmentSubPattern,
  symbolic,
  param,
  resolveParams,
  splitParams,
  type ParamValues,
  asJson,
  permissionsPolicy,
  trustPolicy,
  type PolicyDocument,
  type TrustPolicy,
  inlinePolicyPath,
  README_FILE,
  repositoryFiles,
  SETUP_README,
  trustPolicyPath,
  type GeneratedFile,
  PATTERN,
  stepMaxTime,
} from '../facts/index.js';
import { type Json, shQuote } from '../util/index.js';
import {
  credentialScript,
  pipelineItems,
  REGION_VARIABLE,
  ROLE_VARIABLE,
  verifyRoleScript,
  type PipelineDoc,
  type PipelineStep,
} from './pipeline.js';
import {
  targetScript,
  targetSetup,
  targetStatements,
  BUILT_IN_TARGETS,
  findTarget,
  questionsOf,
  type Gallery,
  type TargetDefinition,
} from '../targets/index.js';

export interface RoleModel {
  /** Terraform resource label and CloudFormation logical-ID stem: `pipeline`, or the environment. */
  key: string;
  /** The deployment environment the role is scoped to, if any, and its type. */
  environment?: string;
  environmentType?: EnvironmentType;
  /** Role name and ARN, with markers. */
  name: string;
  arn: string;
  /** Concrete role ARN: the value of AWS_OIDC_ROLE_ARN for this role's steps. */
  concreteArn: string;
  description: string;
  /** Name of the inline permissions policy. */
  policyName: string;
  trustPolicy: TrustPolicy;
  permissions: PolicyDocument;
  /** The role's IAM JSON files. */
  trustFile: string;
  permissionsFile: string;
}

/** A Terraform variable / CloudFormation parameter beyond the fixed ones: a target answer or an environment UUID. */
export interface ExtraVariable {
  param: string;
  description: string;
  pattern: string;
  example: string;
  optional: boolean;
}

export interface RepoModel {
  answers: Answers;
  /** The concrete value of every parameter marker. */
  values: ParamValues;
  /**
   * The roles' maximum session in seconds, from the answer `sessionDuration`: the IaC's MaxSessionDuration,
   * `apply`'s and `doctor`'s, the explicit STS call's DurationSeconds and the steps' `max-time` all read it.
   */
  sessionSeconds: number;
  /** True until the repository UUID is known: the trust policies then match no token. */
  repoUuidMissing: boolean;
  /** Environments whose UUID is not known yet: their role trusts no step until it is. */
  environmentUuidsMissing: string[];
  provider: { url: string; hostPath: string; arn: string; clientIds: string[] };
  roles: RoleModel[];
  targets: TargetDefinition[];
  extraVariables: ExtraVariable[];
  pipeline: PipelineDoc;
  /** Variables to set in Bitbucket: per repository, and per deployment environment. */
  repositoryVariables: Array<{ name: string; value: string }>;
  deploymentVariables: Array<{ environment: string; name: string; value: string }>;
  /** Generated files in the order they are written. */
  files: GeneratedFile[];
  /** Added to a repository of the user's own (see `new`): its README and pipeline stay theirs. */
  existingRepository: boolean;
  /** The file that walks the user through the setup, which the pipeline's error messages point to. */
  guide: string;
}

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
export const environmentUuidParam = (environment: string) => `${camel(environment)}EnvironmentUuid`;

/** The name of a target's step in an environment's part of the pipeline. */
export const targetStepName = (t: TargetDefinition, environment: string | undefined) =>
  environment ? `${t.step.name} (${environment})` : t.step.name;

export function buildRepoModel(
  answers: Answers,
  gallery: Gallery = BUILT_IN_TARGETS,
  { existingRepository = false }: { existingRepository?: boolean } = {},
): RepoModel {
  // a repository of the user's own keeps its README.md: ours goes beside it
  const guide = existingRepository ? SETUP_README : README_FILE;
  const repoUuidMissing = answers.repoUuid === '';
  const session = sessionSeconds(answers.sessionDuration);
  const environments = parseEnvironments(answers.environments);
  const targets = answers.target.split(',').map((id) => {
    const t = findTarget(gallery, id);
    if (!t) throw new Error(`unknown target ${id}`);
    return t;
  });
  const values: ParamValues = {
    ...Object.fromEntries(Object.entries(answers.targetAnswers).map(([k, v]) => [paramOfAnswerKey(k), v])),
    partition: partitionOf(answers.region),
    account: answers.account,
    region: answers.region,
    workspace: answers.workspace,
    workspaceUuid: answers.workspaceUuid,
    repoUuid: repoUuidMissing ? REPO_UUID_PLACEHOLDER : answers.repoUuid,
    roleName: answers.roleName,
    ...Object.fromEntries(
      environments.map((e) => [environmentUuidParam(e.name), e.uuid || ENVIRONMENT_UUID_PLACEHOLDER]),
    ),
  };
  const perEnvironment = new Set(
    questionsOf(targets)
      .filter((q) => q.perEnvironment)
      .map((q) => q.name),
  );
  /** The parameter of a question as one environment sees it: its own for a per-environment question. */
  const scoped = (name: string, environment?: string) =>
    environment && perEnvironment.has(name) ? environmentParam(name, environment) : name;
  const givenIn = (environment?: string) => (name: string) => Boolean(values[scoped(name, environment)]);
  const resolve = (s: string) => resolveParams(s, values);
  const releaseIn = releaseEnvironment(environments)?.name;
  const buildIn = environments[0]?.name;
  /** A release runs in the last stage only, a build in the first; a deployment in every one. */
  const targetsOf = (environment?: string) =>
    targets.filter(
      (t) =>
        environment === undefined || (t.release ? environment === releaseIn : t.build ? environment === buildIn : true),
    );

  const scopes = environments.length
    ? environments.map((e) => ({
        environment: e.name as string | undefined,
        environmentType: e.type as EnvironmentType | undefined,
        key: e.name.replace(/-/g, '_'),
      }))
    : [{ environment: undefined, environmentType: undefined, key: 'pipeline' }];
  const roles: RoleModel[] = scopes.map(({ environment, environmentType, key }) => {
    const name = environment ? `${param('roleName')}-${environment}` : param('roleName');
    const arn = `arn:${param('partition')}:iam::${param('account')}:role/${name}`;
    const placeholders: Record<string, string> = {
      roleArn: arn,
      roleName: name,
      account: param('account'),
      region: param('region'),
      partition: param('partition'),
    };
    const fill = (p: string) => placeholders[p] ?? param(scoped(p, environment));
    return {
      key,
      environment,
      ...(environmentType ? { environmentType } : {}),
      name,
      arn,
      concreteArn: resolve(arn),
      description: `Assumed by Bitbucket Pipelines of ${answers.workspace}/${answers.name}${environment ? ` in the ${environment} environment` : ''} through OpenID Connect`,
      policyName: 'pipelines-oidc-permissions',
      trustPolicy: trustPolicy(
        environment
          ? environmentSubPattern(param('repoUuid'), param(environmentUuidParam(environment)))
          : symbolic.repositorySubPattern,
      ),
      permissions: permissionsPolicy(
        targetsOf(environment).flatMap((t) => targetStatements(t, givenIn(environment), fill)),
      ),
      trustFile: trustPolicyPath(environment),
      permissionsFile: inlinePolicyPath(environment),
    };
  });

  const pipeline: PipelineDoc = { pipelines: {} };
  for (const t of targets) {
    const group =
      t.pipeline.trigger === 'custom' ? (pipeline.pipelines.custom ??= {}) : (pipeline.pipelines.branches ??= {});
    group[t.pipeline.name] ??= [];
  }
  for (const [trigger, group] of Object.entries(pipeline.pipelines)) {
    for (const name of Object.keys(group)) {
      // a build's step comes first: the deployments after it deploy what it built
      const members = targets
        .filter((t) => t.pipeline.trigger === (trigger === 'custom' ? 'custom' : 'branch') && t.pipeline.name === name)
        .sort((a, b) => Number(Boolean(b.build)) - Number(Boolean(a.build)));
      group[name] = pipelineItems(
        roles
          .map((role) => ({
            environment: role.environment,
            gated: role.environmentType === 'production',
            steps: members.filter((t) => targetsOf(role.environment).includes(t)).map((t) => stepFor(t, role)),
          }))
          .filter((run) => run.steps.length),
      );
    }
  }

  function stepFor(t: TargetDefinition, role: RoleModel): PipelineStep {
    const concrete: Record<string, string> = {
      roleArn: role.concreteArn,
      roleName: resolve(role.name),
      account: values.account,
      region: values.region,
      partition: values.partition,
    };
    const fill = (p: string) => shQuote(concrete[p] ?? values[scoped(p, role.environment)] ?? '');
    return {
      name: targetStepName(t, role.environment),
      image: t.step.image,
      oidc: true,
      'max-time': stepMaxTime(session),
      ...(t.step.services ? { services: t.step.services } : {}),
      script: [
        ...targetSetup(t, fill),
        ...credentialScript(answers.auth, guide, session),
        ...verifyRoleScript(role.concreteArn),
        ...targetScript(t, givenIn(role.environment), fill),
      ],
    };
  }

  return {
    answers,
    values,
    sessionSeconds: session,
    repoUuidMissing,
    environmentUuidsMissing: environments.filter((e) => !e.uuid).map((e) => e.name),
    provider: {
      url: symbolic.issuerUrl,
      hostPath: symbolic.issuerHostPath,
      arn: symbolic.providerArn,
      clientIds: [symbolic.audience],
    },
    roles,
    targets,
    extraVariables: extraVariables(
      roles,
      targets,
      environments.map((e) => e.name),
    ),
    pipeline,
    repositoryVariables: [
      ...(environments.length ? [] : [{ name: ROLE_VARIABLE, value: roles[0]!.concreteArn }]),
      { name: REGION_VARIABLE, value: answers.region },
    ],
    deploymentVariables: roles
      .filter((r) => r.environment)
      .map((r) => ({ environment: r.environment!, name: ROLE_VARIABLE, value: r.concreteArn })),
    files: repositoryFiles(answers.iac, roles, guide),
    existingRepository,
    guide,
  };
}

/** Parameters the documents use beyond the fixed ones, each becoming a Terraform variable and CloudFormation parameter. */
function extraVariables(roles: RoleModel[], targets: TargetDefinition[], environments: string[]): ExtraVariable[] {
  const used = new Set<string>();
  const collect = (v: Json): void => {
    if (typeof v === 'string') for (const p of splitParams(v)) typeof p !== 'string' && used.add(p.param);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object') Object.entries(v).forEach(([k, x]) => (collect(k), collect(x)));
  };
  for (const r of roles) (collect(asJson(r.permissions)), collect(asJson(r.trustPolicy)));
  const fromTargets = questionsOf(targets).flatMap((q) =>
    [
      { param: q.name, description: q.description },
      ...environments.map((e) => ({
        param: environmentParam(q.name, e),
        description: `${q.description}, in the ${e} environment`,
      })),
    ]
      .filter((v) => used.has(v.param))
      .map((v) => ({ ...v, pattern: q.pattern, example: q.example, optional: q.optional ?? false })),
  );
  const fromEnvironments = environments.map((e) => ({
    param: environmentUuidParam(e),
    description: `UUID of the ${e} deployment environment, without braces: only its steps may assume its role`,
    pattern: PATTERN.uuid,
    example: '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d',
    optional: false,
  }));
  return [...fromTargets, ...fromEnvironments];
}

/** The role's documents with every marker resolved: the content of its iam/*.json files. */
export function concretePolicies(model: RepoModel, role: RoleModel) {
  return {
    trustPolicy: resolveParams(asJson(role.trustPolicy), model.values),
    permissions: resolveParams(asJson(role.permissions), model.values),
  };
}

/** The CloudFormation stack name the README's deploy command and the next steps use. */
export function stackNameFor(repo: string): string {
  return `bitbucket-oidc-${repo}`.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 128);
}
