/**
 * `trust.principal`: who a trust policy lets assume the role besides this workspace's Bitbucket pipelines.
 * One recogniser for every form IAM accepts (`"*"`, `AWS`, `Federated`, `Service`, `CanonicalUser`,
 * string or list, `NotPrincipal`), read by `check`, by `apply` (which refuses what it finds) and by
 * `doctor` (which names it in a live trust policy).
 */
import { isPartition, issuerHostPath, readProviderArn, workspaceOfIssuer } from '../facts/index.js';
import { isObject } from '../util/index.js';
import { readPolicy, statementAllows, type PolicyStatement, hit, type Hit, type Severity } from '../iam-eval/index.js';

/** What the repository is for, when known: its AWS account and Bitbucket workspace (slug). */
export interface TrustScope {
  account?: string;
  workspace?: string;
}

const list = (v: unknown): string[] =>
  typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
const quote = (s: string) => JSON.stringify(s);
const hasWildcard = (s: string) => /[*?]/.test(s);

/** The account an AWS principal stands for as a whole: a bare account ID or its `:root` ARN. */
const wholeAccount = (value: string) => /^(\d{12})$|^arn:[^:]+:iam::(\d{12}):root$/.exec(value)?.slice(1).find(Boolean);
const accountOfArn = (value: string) => /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(value)?.[1];

/** The workspace a Federated principal names, if it is a well-formed Bitbucket provider ARN. */
function bitbucketWorkspace(arn: string): string | undefined {
  const parsed = readProviderArn(arn);
  return parsed && isPartition(parsed.partition) ? workspaceOfIssuer(parsed.hostPath) : undefined;
}

/** Each principal of a statement as `type value` (`AWS *`, `Service ec2.amazonaws.com`); `*` alone is everyone. */
const principalsOf = (principal: unknown): Array<{ type: string; value: string }> =>
  principal === '*'
    ? [{ type: '*', value: '*' }]
    : isObject(principal)
      ? Object.entries(principal).flatMap(([type, v]) => list(v).map((value) => ({ type, value })))
      : [];

interface Verdict {
  severity: Severity;
  message: string;
}

const open = (message: string): Verdict => ({ severity: 'error', message });
const other = (message: string): Verdict => ({ severity: 'warning', message });

/**
 * One principal of an Allow statement: an error when it lets in anyone, any account or any identity
 * provider; a warning for a named way in besides Bitbucket's pipelines (`oidcRole` only: elsewhere it is
 * the role's purpose); undefined when it is this workspace's Bitbucket provider (or one `trust.provider` judges).
 */
function judge(
  type: string,
  value: string,
  scope: TrustScope,
  { oidcRole, webIdentity }: { oidcRole: boolean; webIdentity: boolean },
): Verdict | undefined {
  const named = `the principal ${type} ${quote(value)}`;
  if (type === '*' || (type === 'AWS' && value === '*'))
    return open(
      `the principal ${type === '*' ? '"*"' : '{"AWS": "*"}'} lets anyone assume the role, from any AWS account, with no token at all`,
    );
  if (hasWildcard(value))
    return open(
      `${named} has a wildcard: IAM refuses it or reads it as every ${type === 'AWS' ? 'identity of every account' : type === 'Federated' ? 'identity provider' : type === 'Service' ? 'service' : 'principal'}`,
    );
  if (type === 'Federated') {
    const workspace = bitbucketWorkspace(value);
    // a malformed Bitbucket principal of a web-identity statement is trust.provider's to explain
    if (workspace === undefined && webIdentity && /bitbucket/i.test(value)) return undefined;
    if (workspace !== undefined) {
      if (scope.workspace === undefined || workspace === scope.workspace) return undefined;
      return open(
        `${named} is the identity provider of the workspace ${quote(workspace)}, not of this repository's ${quote(scope.workspace)}: every pipeline of that workspace may assume the role`,
      );
    }
    return open(
      `${named} is not Bitbucket's provider for ${scope.workspace ? `the workspace ${quote(scope.workspace)}` : 'this workspace'}: whoever that provider issues tokens to may assume the role, and no Bitbucket condition guards it`,
    );
  }
  if (type === 'AWS') {
    const account = wholeAccount(value);
    if (account !== undefined && scope.account !== undefined && account !== scope.account)
      return open(
        `${named} is the whole account ${account}, not this repository's ${scope.account}: any identity there whose own policy allows sts:AssumeRole can assume the role`,
      );
    if (account !== undefined && scope.account === undefined)
      return other(
        `${named} lets every identity of account ${account} that its own policy allows assume the role; pipelines-oidc cannot tell whether it is this repository's account`,
      );
    const arnAccount = accountOfArn(value);
    if (arnAccount !== undefined && scope.account !== undefined && arnAccount !== scope.account)
      return other(`${named} belongs to another account (${arnAccount}) and can assume the role`);
  }
  return oidcRole
    ? other(`${named} can assume the role besides Bitbucket's pipelines, without their token`)
    : undefined;
}

const TRUST_ONLY_BITBUCKET =
  'Trust only Bitbucket\'s provider: "Principal": {"Federated": "arn:aws:iam::<account>:oidc-provider/' +
  issuerHostPath('<workspace-slug>') +
  '"}; give anyone else a role of their own.';

/**
 * The ways into a role its trust policy opens besides Bitbucket's pipelines. `oidcRole`: the policy lets
 * Bitbucket's tokens in, so every other principal is a second way in (a warning when it is named).
 */
export function openPrincipals(statements: PolicyStatement[], scope: TrustScope, oidcRole: boolean): Hit[] {
  return statements
    .filter((s) => s.effect === 'Allow')
    .flatMap((s): Hit[] => {
      const at = (element: string, v: Verdict, fix = TRUST_ONLY_BITBUCKET) =>
        hit(s.lineOf(element), `${s.label}: ${v.message}`, fix, v.severity === 'error' ? undefined : v.severity);
      if (s.notPrincipal)
        return [
          at(
            'NotPrincipal',
            open('Allow with NotPrincipal lets everyone assume the role except those it lists, from any AWS account'),
          ),
        ];
      const webIdentity = statementAllows(s, 'sts:AssumeRoleWithWebIdentity');
      const hits = principalsOf(s.principal).flatMap(({ type, value }) => {
        const v = judge(type, value, scope, { oidcRole, webIdentity });
        return v ? [at('Principal', v)] : [];
      });
      if (s.notAction)
        hits.push(
          at(
            'NotAction',
            open(
              'Allow with NotAction in a trust policy lets its principals in by every STS action it does not list (sts:AssumeRole, sts:AssumeRoleWithSAML, …)',
            ),
            'Write "Action": "sts:AssumeRoleWithWebIdentity" instead.',
          ),
        );
      return hits;
    });
}

/**
 * Stands for the account a Terraform or CloudFormation stack deploys into where check does not know it, in
 * the ARN of a provider the stack defines, so that the provider's issuer is still judged. Never taken as
 * the repository's account.
 */
export const UNKNOWN_ACCOUNT = '000000000000';

/** The repository's account and workspace as its trust policies name them: the first Bitbucket provider among their strings. */
export function scopeOfPolicies(policies: unknown[]): TrustScope {
  const strings = (v: unknown): string[] =>
    typeof v === 'string'
      ? [v]
      : Array.isArray(v)
        ? v.flatMap(strings)
        : isObject(v)
          ? Object.values(v).flatMap(strings)
          : [];
  for (const arn of policies.flatMap(strings)) {
    const workspace = bitbucketWorkspace(arn);
    const account = readProviderArn(arn)?.account;
    if (workspace !== undefined) return { ...(account === UNKNOWN_ACCOUNT ? {} : { account }), workspace };
  }
  return {};
}

/** What a trust policy already parsed (a live role's, say) opens to anyone, any account or any provider: the errors above, as sentences. */
export function openTo(trustPolicy: unknown, scope: TrustScope): string[] {
  const { statements } = readPolicy(JSON.stringify(trustPolicy), 'trust');
  return openPrincipals(statements, scope, false)
    .filter((h) => h.severity === undefined)
    .map((h) => h.message);
}
