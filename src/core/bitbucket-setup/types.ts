/**
 * The Bitbucket side of a repository as `new --bitbucket` and `doctor` see it: what the repository needs
 * (desired), what Bitbucket holds (observed), and the changes that close the gap. Pure data.
 */

/** Bitbucket's deployment environment types (ranked in this order). */
export type EnvironmentType = 'Test' | 'Staging' | 'Production';

export interface Variable {
  name: string;
  value: string;
}

export interface DesiredBitbucket {
  workspace: string;
  slug: string;
  /** Project key for a repository we create; Bitbucket's default project otherwise. */
  project?: string;
  environments: Array<{ name: string; type: EnvironmentType }>;
  repositoryVariables: Variable[];
  deploymentVariables: Array<Variable & { environment: string }>;
}

export interface ObservedVariable {
  uuid: string;
  key: string;
  /** Undefined for a secured variable: Bitbucket never returns its value. */
  value?: string;
  secured: boolean;
}

export interface ObservedBitbucket {
  /** Without braces, lowercase. */
  workspaceUuid: string;
  /** Undefined when the repository does not exist (then nothing below exists either). */
  repository?: { uuid: string; httpsUrl?: string };
  pipelinesEnabled: boolean;
  repositoryVariables: ObservedVariable[];
  environments: Array<{ uuid: string; name: string; type?: string }>;
  /** By environment name. */
  deploymentVariables: Record<string, ObservedVariable[]>;
}

export type Change =
  | { kind: 'create-repository'; workspace: string; slug: string; project?: string }
  | { kind: 'enable-pipelines' }
  | { kind: 'create-environment'; name: string; type: EnvironmentType }
  | { kind: 'create-variable'; key: string; value: string }
  | { kind: 'update-variable'; uuid: string; key: string; value: string; before: string }
  | { kind: 'create-deployment-variable'; environment: string; key: string; value: string }
  | {
      kind: 'update-deployment-variable';
      environment: string;
      uuid: string;
      key: string;
      value: string;
      before: string;
    };

export interface BitbucketPlan {
  changes: Change[];
  /** What the plan leaves alone on purpose, and why. */
  notes: string[];
}
