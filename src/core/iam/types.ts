/**
 * The IAM side of a repository as `apply` and `doctor` see it: what the repository asks for (desired),
 * what the account holds (observed), and the calls that close the gap (plan). Pure data.
 */

export interface DesiredRole {
  name: string;
  arn: string;
  environment?: string;
  description: string;
  /** The trust policy and the inline policy, parsed from the repository's IAM JSON files. */
  trustPolicy: unknown;
  trustFile: string;
  policyName: string;
  permissions: unknown;
  permissionsFile: string;
  maxSessionDuration: number;
}

export interface DesiredState {
  account: string;
  partition: string;
  /** The repository's region: STS is called there. */
  region: string;
  provider: {
    /** With `https://`, as CreateOpenIDConnectProvider takes it. */
    url: string;
    arn: string;
    /** The audience Bitbucket puts in `aud`: the provider's client-ID list must contain it. */
    audience: string;
    /** Only when `--thumbprint` asks for one: IAM no longer needs it. */
    thumbprint?: string;
  };
  roles: DesiredRole[];
  /** The Bitbucket variables the pipeline reads once the roles exist. */
  repositoryVariables: Array<{ name: string; value: string }>;
  deploymentVariables: Array<{ environment: string; name: string; value: string }>;
}

export interface ObservedProvider {
  arn: string;
  /** As IAM returns it: without `https://`. */
  url: string;
  clientIds: string[];
  thumbprints: string[];
  tags: Record<string, string>;
}

export interface ObservedRole {
  name: string;
  arn: string;
  trustPolicy: unknown;
  maxSessionDuration: number;
  tags: Record<string, string>;
  /** Names of every inline policy; the document only of ours, when present. */
  inlinePolicyNames: string[];
  permissions?: unknown;
  attached: Array<{ name: string; arn: string }>;
}

export interface ObservedState {
  /** Who the credentials are: from STS GetCallerIdentity. */
  caller: { account: string; arn: string };
  provider?: ObservedProvider;
  /** By role name; undefined for a role that does not exist. */
  roles: Record<string, ObservedRole | undefined>;
}
