/**
 * What the templates see: the model plus the concrete and derived values they print. Built from the
 * model only, so the templates never compute a fact themselves.
 */
import {
  ENVIRONMENT_UUID_PLACEHOLDER,
  REPO_UUID_PLACEHOLDER,
  WHERE_TO_FIND,
  environmentSubPattern,
  repositorySubPattern,
  imageSupport,
  CLOUDFORMATION_FILE,
  GITIGNORE,
  inlinePolicyPath,
  MANIFEST_FILE,
  PIPELINE_FILE,
  README_FILE,
  rolePolicyFile,
  SETUP_README,
  TERRAFORM_FILE,
  trustPolicyPath,
  paramSpec,
  resolveParams,
  asJson,
  PATTERN,
  sessionText,
  stepMaxTime,
} from '../core/facts/index.js';
import { concretePolicies, recordedAnswers, stackNameFor, type RepoModel, type RoleModel } from '../core/repo/index.js';
import { environmentAnswerKey, environmentFlag } from '../core/answers/index.js';
import { cloudFormationTemplate, optionalPattern } from './cloudformation.js';
import { TERRAFORM_REQUIREMENTS } from './hcl.js';

const PURPOSE: Record<string, string> = {
  [PIPELINE_FILE]: 'the pipeline: steps with `oidc: true` that assume the role',
  [trustPolicyPath()]: 'who may assume the role: this repository’s pipelines, with the workspace audience',
  [inlinePolicyPath()]: 'what the role may do: least privilege for the chosen targets',
  [TERRAFORM_FILE.versions]: 'Terraform and AWS provider versions',
  [TERRAFORM_FILE.variables]: 'inputs, each validated',
  [TERRAFORM_FILE.main]: 'identity provider (or reuse of an existing one), roles and inline policies',
  [TERRAFORM_FILE.outputs]: 'role ARNs and provider ARN',
  [TERRAFORM_FILE.tfvars]: 'your answers',
  [CLOUDFORMATION_FILE]: 'the same IAM side as one CloudFormation stack',
  [README_FILE]: 'this file',
  [SETUP_README]: 'this file',
  [GITIGNORE]: 'keeps Terraform state and credentials out of git',
  [MANIFEST_FILE]:
    'the answers and a hash of each generated file, so pipelines-oidc can update the repository without losing your edits',
};

function purposeOf(path: string): string {
  const role = rolePolicyFile(path);
  if (role?.environment !== undefined)
    return role.kind === 'trust'
      ? `who may assume the ${role.environment} role: steps of the ${role.environment} deployment environment`
      : `what the ${role.environment} role may do`;
  return PURPOSE[path] ?? '';
}

const snake = (param: string) => paramSpec(param).terraform.replace(/^var\./, '');

/** A role as the README and its JSON files show it, every marker resolved. */
function roleView(model: RepoModel, role: RoleModel) {
  const concrete = concretePolicies(model, role);
  const sub = Object.values(role.trustPolicy.Statement[0]!.Condition['StringLike'] ?? {})[0] ?? '';
  return {
    key: role.key,
    environment: role.environment ?? '',
    environmentType: role.environmentType ?? '',
    arn: role.concreteArn,
    name: resolveParams(role.name, model.values),
    subPattern: resolveParams(sub, model.values),
    trustFile: role.trustFile,
    permissionsFile: role.permissionsFile,
    trustPolicy: concrete.trustPolicy,
    permissions: concrete.permissions,
  };
}

export type RoleView = ReturnType<typeof roleView>;

/** A CloudFormation template too large to send inline: why, and the bucket the user names. */
export interface TemplateBucketView {
  tooLarge: string;
  placeholder: string;
}

/** The images the steps run in, each once, with the targets using it and what is known of its support. */
function imagesView(model: RepoModel) {
  return [...new Set(model.targets.map((t) => t.step.image))].map((name) => ({
    name,
    targets: model.targets.filter((t) => t.step.image === name).map((t) => t.id),
    ...(imageSupport(name) ?? { support: 'not known to pipelines-oidc', releases: '' }),
  }));
}

export function templateContext(model: RepoModel, toolVersion: string) {
  const { answers, values } = model;
  const resolve = (s: string) => resolveParams(s, values);
  const hasTerraform = answers.iac === 'terraform' || answers.iac === 'both';
  const hasCloudFormation = answers.iac === 'cloudformation' || answers.iac === 'both';
  const roles = model.roles.map((r) => roleView(model, r));
  return {
    repo: {
      answers,
      toolVersion,
      terraformRequirements: TERRAFORM_REQUIREMENTS,
      roles,
      /** The only role's ARN, or the first environment's. */
      roleArn: roles[0]!.arn,
      hasEnvironments: model.roles.some((r) => r.environment),
      /** Release targets run only in the last stage. */
      releases: model.roles.some((r) => r.environment) ? model.targets.filter((t) => t.release).map((t) => t.id) : [],
      releaseEnvironment: roles[roles.length - 1]!.environment,
      repoUuidMissing: model.repoUuidMissing,
      environmentUuidsMissing: model.environmentUuidsMissing,
      placeholder: REPO_UUID_PLACEHOLDER,
      environmentPlaceholder: ENVIRONMENT_UUID_PLACEHOLDER,
      where: WHERE_TO_FIND,
      issuerUrl: resolve(model.provider.url),
      audience: resolve(model.provider.clientIds[0]!),
      providerArn: resolve(model.provider.arn),
      subPattern: resolve(repositorySubPattern(values.repoUuid)),
      environmentSubPattern: resolve(environmentSubPattern(values.repoUuid, 'ENVIRONMENT-UUID')),
      symbolic: {
        provider: model.provider,
        roles: model.roles.map((r) => ({
          ...r,
          trustPolicy: asJson(r.trustPolicy),
          permissions: asJson(r.permissions),
        })),
      },
      pipeline: model.pipeline,
      pipelineNames: [
        ...Object.keys(model.pipeline.pipelines.custom ?? {}).map((name) => ({ name, custom: true })),
        ...Object.keys(model.pipeline.pipelines.branches ?? {}).map((name) => ({ name, custom: false })),
      ],
      targets: model.targets.map((t) => ({
        id: t.id,
        title: t.title,
        description: t.description,
        notes: t.notes,
        answers: t.questions.flatMap((q) =>
          q.perEnvironment && model.roles.some((r) => r.environment)
            ? model.roles.map((r) => ({
                flag: environmentFlag(q.flag, r.environment!),
                value: answers.targetAnswers[environmentAnswerKey(q.name, r.environment!)] ?? '',
              }))
            : [{ flag: q.flag, value: answers.targetAnswers[q.name] ?? '' }],
        ),
      })),
      images: imagesView(model),
      variables: model.repositoryVariables,
      deploymentVariables: model.deploymentVariables,
      files: model.files.map((f) => ({ path: f.path, purpose: purposeOf(f.path) })),
      guide: model.guide,
      hasTerraform,
      hasCloudFormation,
      session: {
        seconds: model.sessionSeconds,
        text: sessionText(model.sessionSeconds),
        maxTime: `max-time: ${stepMaxTime(model.sessionSeconds)}`,
        request: `--duration-seconds ${model.sessionSeconds}`,
        tokenFile: answers.auth === 'token-file',
        /** Longer than STS's default: only the explicit call (assume-role) asks for it. */
        extended: recordedAnswers(answers).sessionDuration !== undefined,
      },
      tfvars: [
        { name: 'aws_region', value: answers.region },
        { name: 'account_id', value: answers.account },
        { name: 'workspace', value: answers.workspace },
        { name: 'workspace_uuid', value: answers.workspaceUuid },
        { name: 'repository_uuid', value: values.repoUuid },
        { name: 'role_name', value: answers.roleName },
        // an answer the manifest records: a session at AWS's default is the variable's default alone
        ...(recordedAnswers(answers).sessionDuration === undefined
          ? []
          : [{ name: 'max_session_duration', value: model.sessionSeconds }]),
        ...model.extraVariables.map((v) => ({ name: snake(v.param), value: values[v.param] ?? '' })),
        { name: 'create_oidc_provider', value: true },
      ],
      extraVariables: model.extraVariables.map((v) => ({
        name: snake(v.param),
        description: v.description,
        pattern: v.pattern,
        optional: v.optional,
        message: `The ${snake(v.param)} must match ${optionalPattern(v)} (e.g. ${v.example}).`,
      })),
      patterns: PATTERN,
      uuidMessages: {
        workspace: `The workspace_uuid must be a lowercase UUID without braces (${WHERE_TO_FIND.workspaceUuid}).`,
        repository: `The repository_uuid must be the repository's UUID without braces (${WHERE_TO_FIND.repoUuid}). Until it is set the role trusts no pipeline.`,
      },
      stackName: stackNameFor(answers.name),
      cloudformation: hasCloudFormation ? cloudFormationTemplate(model) : null,
      /** Set once the CloudFormation template is rendered: too large to send inline, `deploy` uploads it. */
      templateBucket: null as TemplateBucketView | null,
      /** Filled in once the other files are rendered (their hashes). */
      manifest: null as unknown,
    },
    /** The role a per-role file (iam/…) is rendered for. */
    role: null as RoleView | null,
  };
}

export type TemplateContext = ReturnType<typeof templateContext>;
