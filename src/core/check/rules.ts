/**
 * Every finding `check` reports, declared once: its id (stable: users and tests rely on it), severity,
 * the line the README shows, the rule that finds it and the fixture repository that proves it. `check`
 * runs this table; the README's table is generated from it, and a test walks it.
 */
import { anyBranch } from './branch-findings.js';
import { iacDrift, type RepositorySource } from './drift.js';
import { oidcMissing, pipelineSchema, staticKeys, type PipelineSource } from './pipeline-findings.js';
import {
  broadManagedPolicies,
  broadPermissions,
  policyGrammar,
  subExact,
  subFormat,
  trustAudience,
  trustProvider,
  unsupportedKey,
  workspaceWide,
  type BitbucketStatement,
  type PolicySource,
} from './policy-findings.js';
import type { FileHit, Hit } from './report.js';
import type { Severity, SourceFile } from './types.js';

/** What a rule reads: one kind of file, or the repository as a whole; a rule may read several kinds. */
export interface RuleChecks {
  pipeline?: (pipeline: PipelineSource) => Hit[];
  trustPolicy?: (policy: PolicySource) => Hit[];
  /** Each statement of a trust policy that lets Bitbucket's tokens in. */
  trustStatement?: (statement: BitbucketStatement) => Hit[];
  permissionsPolicy?: (policy: PolicySource) => Hit[];
  /** Terraform and CloudFormation files. */
  infrastructure?: (file: SourceFile) => Hit[];
  repository?: (repo: RepositorySource) => FileHit[];
}

export interface Rule {
  id: string;
  /** Its findings' severity; a rule reports a case that is only suspicious as a warning. */
  severity: Severity;
  /** What it finds, in one line of Markdown (the README's findings table). */
  title: string;
  check: RuleChecks;
  /** The folder under test/fixtures/check holding a repository with exactly this finding. */
  fixture: string;
}

/** In the order `check` reports findings on one line of a file. */
export const RULES = [
  {
    id: 'pipeline.schema',
    severity: 'error',
    title:
      "not valid against Atlassian's schema (`--schema`, else fetched once and cached; without either, built-in structural checks), or an unknown key in a step (`scriptz:`)",
    check: { pipeline: pipelineSchema },
    fixture: 'pipeline.schema',
  },
  {
    id: 'pipeline.oidc-missing',
    severity: 'error',
    title: 'a step uses the OIDC token, an AWS OIDC pipe or a web-identity token file without `oidc: true`',
    check: { pipeline: oidcMissing },
    fixture: 'pipeline.oidc-missing',
  },
  {
    id: 'pipeline.static-keys',
    severity: 'error',
    title: 'the pipeline relies on `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`',
    check: { pipeline: staticKeys },
    fixture: 'pipeline.static-keys',
  },
  {
    id: 'policy.grammar',
    severity: 'error',
    title: 'invalid policy document, unknown condition operator, unknown action of a known service',
    check: { trustPolicy: policyGrammar, permissionsPolicy: policyGrammar },
    fixture: 'policy.grammar',
  },
  {
    id: 'trust.provider',
    severity: 'error',
    title: "the Federated principal is not the workspace's Bitbucket provider, or names a UUID instead of the slug",
    check: { trustStatement: trustProvider },
    fixture: 'trust.provider',
  },
  {
    id: 'trust.unsupported-key',
    severity: 'error',
    title: 'a condition on a claim AWS does not expose (`branchName`, `repositoryUuid`, …): it never matches',
    check: { trustStatement: unsupportedKey },
    fixture: 'trust.unsupported-key',
  },
  {
    id: 'trust.aud',
    severity: 'error',
    title: 'no audience condition, or not `ari:cloud:bitbucket::workspace/<uuid>` without braces',
    check: { trustStatement: trustAudience },
    fixture: 'trust.aud',
  },
  {
    id: 'trust.workspace-wide',
    severity: 'error',
    title: 'no `sub` condition: every repository of the workspace can assume the role',
    check: { trustStatement: workspaceWide },
    fixture: 'trust.workspace-wide',
  },
  {
    id: 'trust.sub-exact',
    severity: 'error',
    title: '`sub` tested with `StringEquals` (the step UUID changes every run)',
    check: { trustStatement: subExact },
    fixture: 'trust.sub-exact',
  },
  {
    id: 'trust.sub-format',
    severity: 'error',
    title: '`sub` pattern not `{uuid}:*` or `{uuid}:{uuid}:*` (a placeholder not yet replaced is a warning)',
    check: { trustStatement: subFormat },
    fixture: 'trust.sub-format',
  },
  {
    id: 'trust.any-branch',
    severity: 'warning',
    title:
      'a role whose inline policy can change resources trusts every step of the repository (`{repo}:*` or wider): any branch can deploy',
    check: { repository: anyBranch },
    fixture: 'trust.any-branch',
  },
  {
    id: 'policy.broad',
    severity: 'error',
    title: '`*` actions or resources beyond the unavoidable cases; AdministratorAccess and the like in IaC',
    check: { permissionsPolicy: broadPermissions, infrastructure: broadManagedPolicies },
    fixture: 'policy.broad',
  },
  {
    id: 'iac.drift',
    severity: 'error',
    title: "the JSON files differ from what the manifest's answers give, or CloudFormation / Terraform from them",
    check: { repository: iacDrift },
    fixture: 'iac.drift',
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
