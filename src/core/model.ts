/**
 * The pure core: validated answers in, everything the files say out, as data. Every renderer (JSON,
 * Terraform, CloudFormation, pipeline, README) reads this one value.
 */
import type { Answers } from './answers.js';
import * as bitbucket from './bitbucket.js';
import { param, resolveParams, type ParamName } from './params.js';
import { buildPipeline, type PipelineDoc, REGION_VARIABLE, ROLE_VARIABLE } from './pipeline.js';
import { asJson, permissionsPolicy, trustPolicy, type PolicyDocument, type TrustPolicy } from './policy.js';
import { targetById, type Target } from './targets/index.js';
import { partitionOf } from './validate.js';

export interface RoleModel {
  /** Terraform resource label and CloudFormation logical-ID stem. */
  key: string;
  /** Role name, with markers. */
  name: string;
  description: string;
  /** Name of the inline permissions policy. */
  policyName: string;
  trustPolicy: TrustPolicy;
  permissions: PolicyDocument;
}

export interface RepoModel {
  answers: Answers;
  /** The concrete value of every parameter marker. */
  values: Record<ParamName, string>;
  /** True until the repository UUID is known: the trust policy then matches no token. */
  repoUuidMissing: boolean;
  provider: { url: string; hostPath: string; arn: string; clientIds: string[] };
  roles: RoleModel[];
  targets: Target[];
  pipeline: PipelineDoc;
  /** Concrete role ARN: the value of the AWS_OIDC_ROLE_ARN repository variable. */
  roleArn: string;
  repositoryVariables: Array<{ name: string; value: string }>;
  /** Generated files, relative paths, in the order they are written. */
  files: string[];
}

const TERRAFORM_FILES = ['terraform/versions.tf', 'terraform/variables.tf', 'terraform/main.tf', 'terraform/outputs.tf', 'terraform/terraform.tfvars'];
const CLOUDFORMATION_FILES = ['cloudformation/oidc-role.yaml'];

export const MANIFEST_FILE = '.pipelines-oidc.json';

export function filesFor(iac: Answers['iac']): string[] {
  return [
    'bitbucket-pipelines.yml',
    'iam/trust-policy.json',
    'iam/inline-policy.json',
    ...(iac === 'terraform' || iac === 'both' ? TERRAFORM_FILES : []),
    ...(iac === 'cloudformation' || iac === 'both' ? CLOUDFORMATION_FILES : []),
    'README.md',
    '.gitignore',
    MANIFEST_FILE,
  ];
}

export function buildRepoModel(answers: Answers): RepoModel {
  const repoUuidMissing = answers.repoUuid === '';
  const values: Record<ParamName, string> = {
    partition: partitionOf(answers.region),
    account: answers.account,
    region: answers.region,
    workspace: answers.workspace,
    workspaceUuid: answers.workspaceUuid,
    repoUuid: repoUuidMissing ? bitbucket.REPO_UUID_PLACEHOLDER : answers.repoUuid,
    roleName: answers.roleName,
  };
  const resolve = (s: string) => resolveParams(s, values);
  const targets = [targetById(answers.target)];
  const ctx = { roleArn: bitbucket.symbolic.roleArn, answers };
  const roleArn = resolve(bitbucket.symbolic.roleArn);
  const role: RoleModel = {
    key: 'pipeline',
    name: param('roleName'),
    description: `Assumed by Bitbucket Pipelines of ${answers.workspace}/${answers.name} through OpenID Connect`,
    policyName: 'pipelines-oidc-permissions',
    trustPolicy: trustPolicy(),
    permissions: permissionsPolicy(targets.flatMap((t) => t.statements(ctx))),
  };
  return {
    answers,
    values,
    repoUuidMissing,
    provider: {
      url: bitbucket.symbolic.issuerUrl,
      hostPath: bitbucket.symbolic.issuerHostPath,
      arn: bitbucket.symbolic.providerArn,
      clientIds: [bitbucket.symbolic.audience],
    },
    roles: [role],
    targets,
    pipeline: buildPipeline(answers, roleArn, targets, ctx),
    roleArn,
    repositoryVariables: [
      { name: ROLE_VARIABLE, value: roleArn },
      { name: REGION_VARIABLE, value: answers.region },
    ],
    files: filesFor(answers.iac),
  };
}

/** The role's documents with every marker resolved: the content of the iam/*.json files. */
export function concretePolicies(model: RepoModel, role: RoleModel) {
  return {
    trustPolicy: resolveParams(asJson(role.trustPolicy), model.values),
    permissions: resolveParams(asJson(role.permissions), model.values),
  };
}
