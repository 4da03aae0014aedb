/**
 * Every finding `check` reports, declared once: its id (stable: users and tests rely on it), severity,
 * the line the README shows and the rule that finds it; `test/fixtures/check/<id>/` proves it. `check`
 * runs this table; the README's table is generated from it, and a test walks it.
 */
import { GITIGNORE, MANIFEST_FILE, TFVARS_NAME } from '../facts/index.js';
import { anyBranch } from './branch-findings.js';
import { mergeConflict } from './conflict-markers.js';
import { deployWithoutEnvironment, pullRequestDeploy } from './deploy-gates.js';
import { iacDrift, type RepositorySource } from './drift.js';
import { unresolvedPolicy, type IacPolicy } from './iac-policies.js';
import { symlinkFile, unreadFile } from './input-limits.js';
import { missingPermission } from './permission-findings.js';
import { privilegedTaskDefinition, taggedTaskDefinition, unpassableRole } from './task-definition-findings.js';
import { missingFiles, missingInputs } from './missing-files.js';
import { oidcMissing, pipelineSchema, type PipelineSource } from './pipeline-findings.js';
import { imageEol } from './pipeline-image-eol.js';
import { staticKeys } from './static-keys.js';
import { afterScriptSecrets, pipeUnpinned, tlsDisabled } from './step-hygiene.js';
import { tokenExposed } from './token-exposure.js';
import { outlivesSession } from './session-findings.js';
import {
  broadManagedPolicies,
  broadPermissions,
  policyGrammar,
  subExact,
  subFormat,
  trustAudience,
  trustPrincipal,
  trustProvider,
  unsupportedKey,
  workspaceWide,
  type BitbucketStatement,
  type PolicySource,
  type TrustPolicySource,
} from './policy-findings.js';
import type { FileHit, Hit, Severity, SourceFile, UnreadFile } from '../iam-eval/index.js';

/** What a rule reads: one kind of file, or the repository as a whole; a rule may read several kinds. */
export interface RuleChecks {
  pipeline?: (pipeline: PipelineSource) => Hit[];
  trustPolicy?: (policy: TrustPolicySource) => Hit[];
  /** Each statement of a trust policy that lets Bitbucket's tokens in. */
  trustStatement?: (statement: BitbucketStatement) => Hit[];
  permissionsPolicy?: (policy: PolicySource) => Hit[];
  /** An IAM policy written in Terraform or CloudFormation. */
  iacPolicy?: (policy: IacPolicy) => Hit[];
  /** Terraform and CloudFormation files. */
  infrastructure?: (file: SourceFile) => Hit[];
  repository?: (repo: RepositorySource) => FileHit[];
  /** An entry check did not read: a symbolic link, a file too large, too deep or unreadable. */
  unread?: (entry: UnreadFile) => Hit[];
  /** Every file check reads, before the rules of its kind: a hit here stands for the whole file. */
  anyFile?: (file: SourceFile) => Hit[];
}

export interface Rule {
  id: string;
  /** Its findings' severity; a rule reports a case that is only suspicious as a warning. */
  severity: Severity;
  /** What it finds, in one line of Markdown (the README's findings table). */
  title: string;
  /** The rule; `test/fixtures/check/<id>/` holds a repository with exactly this finding. */
  check: RuleChecks;
}

/** In the order `check` reports findings on one line of a file. */
export const RULES = [
  {
    id: 'file.unread',
    severity: 'error',
    title:
      'a file check reads (pipeline, policy, Terraform, CloudFormation) is 1 MB or more, nested over 64 levels, or unreadable, or lies past a limit of the walk (a folder too deep or too full, too many entries, files or bytes in all): not checked',
    check: { unread: unreadFile },
  },
  {
    id: 'file.symlink',
    severity: 'warning',
    title: 'a symbolic link: never followed (it may lead outside the repository), so its target is not checked',
    check: { unread: symlinkFile },
  },
  {
    id: 'repo.merge-conflict',
    severity: 'error',
    title:
      'a file check reads still holds merge conflict markers (`<<<<<<<`, `=======`, `>>>>>>>`, as `update` leaves them): reported at each conflict instead of the syntax error they make',
    check: { anyFile: mergeConflict },
  },
  {
    id: 'pipeline.schema',
    severity: 'error',
    title:
      "not valid against Atlassian's schema (`--schema`, else the copy `--refresh-schema` cached; without either, built-in structural checks), or an unknown key in a step (`scriptz:`)",
    check: { pipeline: pipelineSchema },
  },
  {
    id: 'pipeline.oidc-missing',
    severity: 'error',
    title:
      'a step uses the OIDC token, an AWS OIDC pipe or a web-identity token file without `oidc: true` (a pipe given `AWS_OIDC_ROLE_ARN` then falls back to the stored access keys)',
    check: { pipeline: oidcMissing },
  },
  {
    id: 'pipeline.static-keys',
    severity: 'error',
    title:
      "the pipeline relies on `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`, or a step sets a key itself: an `AKIA…`/`ASIA…` ID, a key assigned a literal, another variable, a file or a command's output (`$(cat …)`), `aws configure set aws_secret_access_key`; only keys taken from an STS answer in the same step are a session's",
    check: { pipeline: staticKeys },
  },
  {
    id: 'pipeline.token-exposed',
    severity: 'error',
    title:
      'a step prints its OIDC token to the log (`echo`, `printenv`, `env`, `set -x` before a command that uses it) or writes it to a file its `artifacts:` or caches keep',
    check: { pipeline: tokenExposed },
  },
  {
    id: 'pipeline.after-script-secrets',
    severity: 'warning',
    title:
      "`after-script` uses the OIDC token or AWS credentials: it runs whatever the script's outcome, outside the checks that guard the script",
    check: { pipeline: afterScriptSecrets },
  },
  {
    id: 'pipeline.tls-disabled',
    severity: 'error',
    title:
      'a step that holds credentials turns TLS verification off (`--no-verify-ssl`, `curl -k`, `NODE_TLS_REJECT_UNAUTHORIZED=0`, `AWS_CA_BUNDLE=/dev/null`, …)',
    check: { pipeline: tlsDisabled },
  },
  {
    id: 'pipeline.pipe-unpinned',
    severity: 'warning',
    title:
      'a pipe by a moving tag (`atlassian/aws-s3-deploy:1`, `:latest`, no tag) instead of a full release (`:1.6.0`) or a digest',
    check: { pipeline: pipeUnpinned },
  },
  {
    id: 'pipeline.pull-request-deploy',
    severity: 'error',
    title:
      'a `pull-requests:` pipeline deploys to a production environment, applies IaC (`terraform apply`, `aws cloudformation deploy`, `cdk deploy`, …) or has `oidc: true` with a role that can change resources',
    check: { repository: pullRequestDeploy },
  },
  {
    id: 'pipeline.deploy-without-environment',
    severity: 'warning',
    title:
      'a step with `oidc: true` and no `deployment:` environment assumes a role whose inline policy can change resources, and no trust policy JSON lies beside that inline policy (with one, `trust.any-branch` judges which steps it admits)',
    check: { repository: deployWithoutEnvironment },
  },
  {
    id: 'pipeline.image-eol',
    severity: 'warning',
    title: 'the default image or a step image is a release line past its end of life (`node:20`, `python:3.9`)',
    check: { pipeline: imageEol },
  },
  {
    id: 'policy.grammar',
    severity: 'error',
    title: 'invalid policy document, unknown condition operator, unknown action of a known service',
    check: { trustPolicy: policyGrammar, permissionsPolicy: policyGrammar },
  },
  {
    id: 'trust.provider',
    severity: 'error',
    title: "the Federated principal is not the workspace's Bitbucket provider, or names a UUID instead of the slug",
    check: { trustStatement: trustProvider },
  },
  {
    id: 'trust.principal',
    severity: 'error',
    title:
      'a trust policy lets in anyone (`"*"`, `"AWS": "*"`, Allow with `NotPrincipal`), another account, another identity provider than the workspace\'s Bitbucket one, or has a wildcard in a principal; another named principal in an OIDC role\'s trust is a warning',
    check: { trustPolicy: trustPrincipal },
  },
  {
    id: 'trust.unsupported-key',
    severity: 'error',
    title: 'a condition on a claim AWS does not expose (`branchName`, `repositoryUuid`, …): it never matches',
    check: { trustStatement: unsupportedKey },
  },
  {
    id: 'trust.aud',
    severity: 'error',
    title: 'no audience condition, or not `ari:cloud:bitbucket::workspace/<uuid>` without braces',
    check: { trustStatement: trustAudience },
  },
  {
    id: 'trust.workspace-wide',
    severity: 'error',
    title: 'no `sub` condition: every repository of the workspace can assume the role',
    check: { trustStatement: workspaceWide },
  },
  {
    id: 'trust.sub-exact',
    severity: 'error',
    title: '`sub` tested with `StringEquals` (the step UUID changes every run)',
    check: { trustStatement: subExact },
  },
  {
    id: 'trust.sub-format',
    severity: 'error',
    title: '`sub` pattern not `{uuid}:*` or `{uuid}:{uuid}:*` (a placeholder not yet replaced is a warning)',
    check: { trustStatement: subFormat },
  },
  {
    id: 'trust.any-branch',
    severity: 'warning',
    title:
      'a role whose inline policy can change resources trusts every step of the repository (`{repo}:*` or wider): any branch can deploy',
    check: { repository: anyBranch },
  },
  {
    id: 'policy.broad',
    severity: 'error',
    title: '`*` actions or resources beyond the unavoidable cases; AdministratorAccess and the like in IaC',
    check: { permissionsPolicy: broadPermissions, infrastructure: broadManagedPolicies },
  },
  {
    id: 'policy.missing-permission',
    severity: 'error',
    title:
      'a step runs an AWS CLI command (`aws s3 sync`, `aws cloudformation deploy`, …) whose IAM actions the inline policy of the role it assumes does not allow',
    check: { repository: missingPermission },
  },
  {
    id: 'policy.ecs-tag-resource',
    severity: 'warning',
    title:
      'a task definition file has `tags`, and a role that may register task definitions (`ecs:RegisterTaskDefinition`) may not tag them (`ecs:TagResource`): ECS refuses the registration',
    check: { repository: taggedTaskDefinition },
  },
  {
    id: 'policy.ecs-privileged',
    severity: 'error',
    title:
      'a task definition file has a container with `privileged: true`: it runs with root on the container host, and a role that refuses `ecs:privileged` (as generated) cannot register it',
    check: { repository: privilegedTaskDefinition },
  },
  {
    id: 'policy.ecs-pass-role',
    severity: 'error',
    title:
      "a task definition file names a task or execution role that a role registering it may not pass to ECS tasks (`iam:PassRole`), and the step does not replace the file's role: ECS refuses the registration",
    check: { repository: unpassableRole },
  },
  {
    id: 'iac.unresolved',
    severity: 'warning',
    title:
      'a policy in Terraform or CloudFormation depends on what check cannot evaluate (a variable without default, `file()`, a `!Ref` without Default, a resource attribute): that part is not checked',
    check: { iacPolicy: unresolvedPolicy },
  },
  {
    id: 'iac.drift',
    severity: 'error',
    title: `the JSON files differ from what the manifest's answers give, or CloudFormation / Terraform (its policies, \`${TFVARS_NAME}\`' values) from them`,
    check: { repository: iacDrift },
  },
  {
    id: 'repo.missing-file',
    severity: 'error',
    title: `a file \`${MANIFEST_FILE}\` records as generated is gone (the pipeline, IAM or IaC files; a README or \`${GITIGNORE}\` is a warning)`,
    check: { repository: missingFiles },
  },
  {
    id: 'repo.missing-input',
    severity: 'warning',
    title:
      'a path a step of a target reads is not in the repository (the site folder, a task definition, `package.json`, a template…): the first real run fails, and `rehearse` only stands in a made-up one',
    check: { repository: missingInputs },
  },
  {
    id: 'pipeline.outlives-session',
    severity: 'warning',
    title:
      "a step with `oidc: true` may run longer (its `max-time`, else `options.max-time`, else Bitbucket's 120 minutes) than its AWS credentials last: an hour through the token file; through an explicit STS call its `--duration-seconds`, at most the role's MaxSessionDuration (the answers', else the IaC's, else AWS's default)",
    check: { repository: outlivesSession },
  },
] as const satisfies readonly Rule[];

export type FindingId = (typeof RULES)[number]['id'];

/** What `check` reports: a rule's hit named by the rule's id. */
export interface Finding {
  id: FindingId;
  severity: Severity;
  /** Path relative to the checked folder. */
  file: string;
  /** 1-based line, where it can be told. */
  line?: number;
  message: string;
  /** What to change, in one sentence. */
  fix: string;
}
