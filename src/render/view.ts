/**
 * What the templates see: the model plus the concrete and derived values they print. Built from the
 * model only, so the templates never compute a fact themselves.
 */
import { REPO_UUID_PLACEHOLDER, WHERE_TO_FIND, repositorySubPattern } from '../core/bitbucket.js';
import { concretePolicies, MANIFEST_FILE, type RepoModel } from '../core/model.js';
import { resolveParams } from '../core/params.js';
import { asJson } from '../core/policy.js';
import { PATTERN } from '../core/validate.js';
import { cloudFormationTemplate } from './cloudformation.js';

const PURPOSE: Record<string, string> = {
  'bitbucket-pipelines.yml': 'the pipeline: steps with `oidc: true` that assume the role',
  'iam/trust-policy.json': 'who may assume the role: this repository’s pipelines, with the workspace audience',
  'iam/inline-policy.json': 'what the role may do: least privilege for the chosen target',
  'terraform/versions.tf': 'Terraform and AWS provider versions',
  'terraform/variables.tf': 'inputs, each validated',
  'terraform/main.tf': 'identity provider (or reuse of an existing one), role and inline policy',
  'terraform/outputs.tf': 'role ARN and provider ARN',
  'terraform/terraform.tfvars': 'your answers',
  'cloudformation/oidc-role.yaml': 'the same IAM side as one CloudFormation stack',
  'README.md': 'this file',
  '.gitignore': 'keeps Terraform state and credentials out of git',
  [MANIFEST_FILE]: 'the answers, so pipelines-oidc can re-render or check the repository later',
};

export function stackNameFor(repo: string): string {
  return `bitbucket-oidc-${repo}`.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 128);
}

export function templateContext(model: RepoModel, toolVersion: string) {
  const { answers, values } = model;
  const role = model.roles[0]!;
  const concrete = concretePolicies(model, role);
  const resolve = (s: string) => resolveParams(s, values);
  const hasTerraform = answers.iac === 'terraform' || answers.iac === 'both';
  const hasCloudFormation = answers.iac === 'cloudformation' || answers.iac === 'both';
  return {
    repo: {
      answers,
      toolVersion,
      roleArn: model.roleArn,
      repoUuidMissing: model.repoUuidMissing,
      placeholder: REPO_UUID_PLACEHOLDER,
      where: WHERE_TO_FIND,
      issuerUrl: resolve(model.provider.url),
      audience: resolve(model.provider.clientIds[0]!),
      providerArn: resolve(model.provider.arn),
      subPattern: resolve(repositorySubPattern(values.repoUuid)),
      environmentSubPattern: resolve(`{${values.repoUuid}}:{ENVIRONMENT-UUID}:*`),
      trustPolicy: concrete.trustPolicy,
      permissions: concrete.permissions,
      symbolic: {
        provider: model.provider,
        roles: model.roles.map((r) => ({ ...r, trustPolicy: asJson(r.trustPolicy), permissions: asJson(r.permissions) })),
      },
      pipeline: model.pipeline,
      targets: model.targets.map((t) => ({ id: t.id, title: t.title, description: t.description, notes: t.permissionNotes })),
      variables: model.repositoryVariables,
      files: model.files.map((path) => ({ path, purpose: PURPOSE[path] ?? '' })),
      hasTerraform,
      hasCloudFormation,
      tfvars: {
        aws_region: answers.region,
        account_id: answers.account,
        workspace: answers.workspace,
        workspace_uuid: answers.workspaceUuid,
        repository_uuid: values.repoUuid,
        role_name: answers.roleName,
        create_oidc_provider: true,
      },
      patterns: PATTERN,
      uuidMessages: {
        workspace: `The workspace_uuid must be a lowercase UUID without braces (${WHERE_TO_FIND.workspaceUuid}).`,
        repository: `The repository_uuid must be the repository's UUID without braces (${WHERE_TO_FIND.repoUuid}). Until it is set the role trusts no pipeline.`,
      },
      stackName: stackNameFor(answers.name),
      cloudformation: hasCloudFormation ? cloudFormationTemplate(model) : null,
      manifest: { tool: 'pipelines-oidc', version: toolVersion, answers, files: model.files.filter((f) => f !== MANIFEST_FILE) },
    },
  };
}

export type TemplateContext = ReturnType<typeof templateContext>;
