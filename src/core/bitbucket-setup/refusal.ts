/**
 * Why STS refused a step's token, for `run --follow`. The step's claims are rebuilt from Bitbucket's UUIDs:
 * a simulation of its token, not the token (nothing here is signed), so they are judged as a genuine
 * token with these claims would be. When the repository's files accept them, the cause lies in what was
 * applied or set elsewhere: the account's provider and role, and the variable that names the role. Only
 * conditions that really fail are reported; what could not be read is said, never guessed.
 */
import { explainToken, type RoleVerdict, type TokenClaims } from '../check/index.js';
import { hostPathOf } from '../facts/index.js';
import type { DesiredRole, DesiredState, ObservedState } from '../iam/index.js';
import type { ObservedBitbucket } from './types.js';

export const ROLE_VARIABLE = 'AWS_OIDC_ROLE_ARN';

/** The role a step assumes as the repository defines it: its environment's, else the pipeline's. */
export function roleOfStep(desired: DesiredState, environment: string | undefined): DesiredRole | undefined {
  return (
    desired.roles.find((r) => r.environment !== undefined && r.environment === environment) ??
    desired.roles.find((r) => r.environment === undefined)
  );
}

/** The claims judged against the role's trust policy file, as STS would judge a signed token carrying them. */
export function judgeClaims(claims: TokenClaims, role: DesiredRole, desired: DesiredState, now: Date): RoleVerdict {
  const provider = { url: desired.provider.url, arn: desired.provider.arn, clientIds: [desired.provider.audience] };
  const [verdict] = explainToken(
    claims,
    [{ name: role.name, trustPolicy: role.trustPolicy, file: role.trustFile }],
    provider,
    now,
  ).roles;
  return verdict!;
}

export interface LiveRead {
  /** The account as the credentials read it; a string says why it could not be read. */
  aws: ObservedState | string;
  /** The repository's variables as Bitbucket holds them. */
  bitbucket: ObservedBitbucket;
}

export interface RefusalCauses {
  /** Conditions that fail, each a sentence with its fix. */
  causes: string[];
  /** What could not be read, so could not be ruled out. */
  unseen: string[];
}

/** What else refuses a token the files accept: the live provider, role and the variable naming the role. */
export function liveRefusalCauses(
  claims: TokenClaims,
  role: DesiredRole,
  desired: DesiredState,
  live: LiveRead,
  now: Date,
): RefusalCauses {
  const causes: string[] = [];
  const unseen: string[] = [];
  const apply = 'fix: pipelines-oidc apply';
  const { aws } = live;
  if (typeof aws === 'string') {
    unseen.push(`the account's provider and role (AWS: ${aws})`);
  } else if (aws.caller.account !== desired.account) {
    unseen.push(
      `the account's provider and role: the AWS credentials are for account ${aws.caller.account}, the repository's for ${desired.account}`,
    );
  } else if (!aws.provider) {
    causes.push(
      `the IAM OIDC provider for ${hostPathOf(desired.provider.url)} is not registered in account ${desired.account}: STS answers "No OpenIDConnect provider found" — ${apply}`,
    );
  } else {
    const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!auds.some((a) => aws.provider!.clientIds.includes(a)))
      causes.push(
        `the provider's client IDs ${JSON.stringify(aws.provider.clientIds)} lack the token's audience ${JSON.stringify(claims.aud)}: STS answers "Incorrect token audience" — ${apply}`,
      );
    const applied = aws.roles[role.name];
    if (!applied) {
      causes.push(`the role ${role.name} does not exist in account ${desired.account} — ${apply}`);
    } else {
      const provider = { url: aws.provider.url, arn: aws.provider.arn, clientIds: aws.provider.clientIds };
      const file = `the trust policy applied to ${role.name}`;
      const [verdict] = explainToken(
        claims,
        [{ name: role.name, trustPolicy: applied.trustPolicy, file }],
        provider,
        now,
      ).roles;
      // the audience was judged above, against the provider as it is
      const reasons = verdict!.reasons.filter((r) => !r.startsWith('audience:'));
      if (reasons.length)
        causes.push(
          `the role's trust policy in AWS differs from ${role.trustFile} and rejects the token: ${reasons.join('; ')} — ${apply} (shows the difference first)`,
        );
    }
  }
  causes.push(...variableCauses(role, desired, live.bitbucket, unseen));
  return { causes, unseen };
}

/**
 * The variable that names the role the step asks for: in a deployment step its environment's deployment
 * variable, else (and in a deployment step without one) the repository variable.
 */
function variableCauses(
  role: DesiredRole,
  desired: DesiredState,
  bitbucket: ObservedBitbucket,
  unseen: string[],
): string[] {
  const env = role.environment;
  const expected =
    desired.deploymentVariables.find((v) => v.environment === env && v.name === ROLE_VARIABLE)?.value ??
    desired.repositoryVariables.find((v) => v.name === ROLE_VARIABLE)?.value;
  if (expected === undefined) return [];
  const deployment = env
    ? Object.entries(bitbucket.deploymentVariables)
        .find(([name]) => name.toLowerCase() === env.toLowerCase())?.[1]
        .find((v) => v.key === ROLE_VARIABLE)
    : undefined;
  const repository = bitbucket.repositoryVariables.find((v) => v.key === ROLE_VARIABLE);
  const seen = deployment ?? repository;
  const where = deployment ? `the deployment variable of ${env}` : 'the repository variable';
  const place = env ? `a deployment variable of ${env}` : 'a repository variable';
  if (!seen)
    return [
      `no ${ROLE_VARIABLE} is set (${place} names the role ${role.name}), so the step asks for no role of this repository (a workspace variable may set another) — fix: set ${ROLE_VARIABLE}=${expected} as ${place}`,
    ];
  if (seen.secured) {
    unseen.push(`which role ${where} ${ROLE_VARIABLE} names: it is secured, so Bitbucket does not show its value`);
    return [];
  }
  if (seen.value === expected) return [];
  return [
    `${where} ${ROLE_VARIABLE} names ${JSON.stringify(seen.value)}, not this step's role ${expected}: STS judged the token against that role's trust — fix: set it to ${expected}`,
  ];
}
