import type { Statement } from '../policy.js';

/** What a target knows about the repository it is rendered into (strings may hold parameter markers). */
export interface TargetContext {
  /** ARN of the pipeline role, with markers. */
  roleArn: string;
  /** Concrete answers, for the pipeline script (which runs with real values, not IaC variables). */
  answers: { roleName: string; region: string; account: string };
}

/** A deploy target: its permissions, its pipeline and its README section, in one module. */
export interface Target {
  id: string;
  title: string;
  description: string;
  /** Least-privilege IAM statements, with resource ARNs built from the answers. */
  statements(ctx: TargetContext): Statement[];
  /** The pipeline the target adds: a custom (manual) pipeline or a branch pipeline. */
  pipeline(ctx: TargetContext): { trigger: 'custom' | 'branch'; name: string; stepName: string; script: string[] };
  /** Why each permission is there, one line per statement, for the README. */
  permissionNotes: string[];
}
