/** What `check` reads and reports, shared by its pure parts (findings, evaluator, simulation, token). */

export type Severity = 'error' | 'warning';

/** Stable ids: users and tests rely on them. */
export const FINDING_IDS = [
  'pipeline.schema',
  'pipeline.oidc-missing',
  'pipeline.static-keys',
  'trust.workspace-wide',
  'trust.sub-exact',
  'trust.sub-format',
  'trust.aud',
  'trust.unsupported-key',
  'trust.provider',
  'policy.grammar',
  'policy.broad',
  'policy.missing-permission',
  'iac.drift',
] as const;

export type FindingId = (typeof FINDING_IDS)[number];

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

/** The files of the checked repository, sorted by what they are. */
export interface CheckInput {
  dir: string;
  /** The manifest of a generated repository. */
  manifest?: { answers: unknown; gallery?: string; files: Record<string, string> };
  pipeline?: SourceFile;
  trustPolicies: SourceFile[];
  permissionPolicies: SourceFile[];
  terraform: SourceFile[];
  cloudformation: SourceFile[];
}

