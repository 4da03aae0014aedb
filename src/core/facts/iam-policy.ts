/**
 * IAM facts `check`, `apply`/`doctor` and the renderers share: when two policies say the same, which
 * AWS-managed policies reach too far, and the tag on what pipelines-oidc creates.
 */

/** Order-insensitive form of a policy: single values as lists, lists sorted, keys sorted. */
export function normalizePolicy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalizePolicy).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, x]) => [
          k,
          typeof x === 'string' && k !== 'Version' && k !== 'Sid' && k !== 'Effect' ? [x] : normalizePolicy(x),
        ]),
    );
  }
  return v;
}

/** Two policies say the same thing when they differ only in order and in single values versus lists. */
export const samePolicy = (a: unknown, b: unknown) =>
  JSON.stringify(normalizePolicy(a)) === JSON.stringify(normalizePolicy(b));

/** AWS-managed policies that grant (nearly) everything, or everything of IAM. */
export const BROADEST = ['AdministratorAccess', 'PowerUserAccess', 'IAMFullAccess'];

/** How far an AWS-managed policy reaches, by its name: the account, all of one service, or neither. */
export function managedPolicyBreadth(name: string): 'account' | 'service' | undefined {
  if (BROADEST.includes(name)) return 'account';
  return /FullAccess$/.test(name) ? 'service' : undefined;
}

/** The tag on every IAM resource pipelines-oidc creates (provider, roles), in IAM's and CloudFormation's form. */
export const MANAGED_TAG = { Key: 'managed-by', Value: 'pipelines-oidc' } as const;

/** The tag as IAM's API and CloudFormation's `Tags` take it: a list of key-value pairs. */
export const MANAGED_TAGS = [{ ...MANAGED_TAG }];

/** The tag as Terraform's `tags` map. */
export const MANAGED_TAGS_MAP = { [MANAGED_TAG.Key]: MANAGED_TAG.Value };
