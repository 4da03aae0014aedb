/** What `check` reads and reports, shared by its pure parts (findings, evaluator, simulation, token). */
import type { Severity } from './report.js';

export type { Severity };

/** A file of the checked repository, as text (parsing is part of checking: a parse error is a finding). */
export interface SourceFile {
  file: string;
  text: string;
}

/** A trust-policy request: who calls (the Federated principal) with which token claims as condition keys. */
export interface TrustRequest {
  /** The Federated principal the token's issuer maps to: the provider ARN. */
  federated: string;
  action: string;
  /** Condition keys (e.g. `api.bitbucket.org/…/oidc:sub`) and their values; a list for multi-valued keys. */
  context: Record<string, string | string[]>;
}

/** The evaluator's answer, with the reason a person can act on. */
export interface Decision {
  allowed: boolean;
  /** Why: for a denial, each statement's first failing check (`StringLike …:sub: "{a}:x" does not match "{b}:*"`). */
  reasons: string[];
}

/** An entry of the checked repository that `check` did not read, and why (each is a finding: never silence). */
export interface UnreadFile {
  file: string;
  /** `symlink`: not followed (its target may lie outside the repository); `not-walked`: past a limit of the walk; the others: not read. */
  reason: 'symlink' | 'too-large' | 'too-deep' | 'unreadable' | 'not-walked';
  detail?: string;
}

/** The files of the checked repository, sorted by what they are. */
export interface CheckInput {
  dir: string;
  pipeline?: SourceFile;
  trustPolicies: SourceFile[];
  permissionPolicies: SourceFile[];
  terraform: SourceFile[];
  cloudformation: SourceFile[];
  /** ECS task definitions (JSON with `containerDefinitions`), which a step may register. */
  taskDefinitions?: SourceFile[];
  /** Terraform's folders whose IAM policies check evaluates, parsed (a folder as `new` renders it is not: its policies are the JSON files'). */
  terraformModules?: TerraformModule[];
  /** terraform/terraform.tfvars of a generated repository with our Terraform layout, compared with the answers. */
  tfvars?: SourceFile;
  /** Files the manifest records as generated that are not there (a generated repository only). */
  missing?: string[];
  /** Paths the pipeline's steps read (the targets' inputs) that the repository lacks (a generated repository only). */
  missingInputs?: string[];
  unread: UnreadFile[];
}

/** Terraform's files of one folder (a module), each as hcl2json gives it, and its terraform.tfvars. */
export interface TerraformModule {
  /** `hcl` as hcl2json gives it, or `error` when it could not parse the file. */
  files: Array<SourceFile & { hcl?: Record<string, unknown>; error?: string }>;
  tfvars?: Record<string, unknown>;
}
