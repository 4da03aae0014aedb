/**
 * `check --token`: a Bitbucket Pipelines OIDC token decoded and judged the way STS would judge it —
 * issuer against the IAM provider, audience against its client IDs, expiry, then each role's trust
 * policy. Pure: the token is only read here, never verified against the issuer's keys and never sent
 * anywhere (reading `--token @file` is the CLI's part).
 */
import { Buffer } from 'node:buffer';
import { UsageError } from '../../errors.js';
import {
  audience as defaultAudience,
  CONDITION_CLAIMS,
  conditionKey,
  ENVIRONMENT_UUID_PLACEHOLDER,
  hostPathOf,
  oidcProviderArn,
  providerUrl,
  readProviderArn,
  readUuid,
  REPO_UUID_PLACEHOLDER,
  repositorySubPattern,
  subParts,
  workspaceOfAudience,
  workspaceOfIssuer,
} from '../facts/index.js';
import { isObject, tooDeep } from '../util/index.js';
import { conditionValueMatches, evaluateTrust, policyStatements, type TrustRequest } from '../iam-eval/index.js';

export interface TokenClaims {
  iss: string;
  aud: string | string[];
  sub: string;
  iat?: number;
  exp?: number;
  [claim: string]: unknown;
}

export interface DecodedToken {
  header: Record<string, unknown>;
  claims: TokenClaims;
  /** Whether the token carries a signature at all; it is not verified (that needs the issuer's keys). */
  signaturePresent: boolean;
}

/** The IAM OIDC provider a repository's roles rely on: URL with `https://`, its ARN, its client IDs. */
export interface Provider {
  url: string;
  arn: string;
  clientIds: string[];
}

export interface RoleToCheck {
  name: string;
  trustPolicy: unknown;
  /** The trust policy's file, relative to the checked folder. */
  file: string;
}

export interface RoleVerdict {
  role: string;
  /** Whether STS would accept this token's identity for the role; expiry is reported apart (see TokenReport). */
  accepted: boolean;
  /** Each failing check in the order STS makes them (the first is the error STS answers), with its fix. */
  reasons: string[];
}

export interface TokenReport {
  claims: TokenClaims;
  /** No signature, or `alg: none`: STS refuses it, so no role accepts it, whatever the claims say. */
  unsigned: boolean;
  /**
   * A pasted token is usually an old one: an expired token is still judged, since a fresh token of the
   * same step carries the same claims. STS itself refuses it (ExpiredTokenException).
   */
  expired: boolean;
  /** One sentence on `exp` relative to now. */
  expiry: string;
  /** What the trust policies see: the claims AWS turns into condition keys. */
  conditionKeys: Record<string, string | string[]>;
  /** Claims AWS does not expose to trust policies: a condition on them can never be met. */
  ignoredClaims: string[];
  roles: RoleVerdict[];
}

const ACTION = 'sts:AssumeRoleWithWebIdentity';
/** Registered JWT claims STS checks itself: not condition keys, but nothing a policy author would expect to test. */
const REGISTERED_CLAIMS = ['iss', 'iat', 'exp', 'nbf', 'jti', 'azp'];

const bad = (what: string) => new UsageError(`--token: ${what}`);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const strings = (v: unknown): string[] => list(v).filter((x): x is string => typeof x === 'string');
const quoted = (values: string[]) => values.map((v) => JSON.stringify(v)).join(', ');
const unbraced = (s: string) => s.replace(/[{}]/g, '').toLowerCase();

/**
 * Decodes a compact JWS without verifying it. Error messages never repeat the token: it is a credential
 * for as long as it lives.
 */
export function decodeToken(raw: string): DecodedToken {
  // a token copied from a log may be wrapped over several lines
  const token = raw.replace(/\s+/g, '');
  if (!token) throw bad('the token is empty (paste the value of $BITBUCKET_STEP_OIDC_TOKEN, or give @file)');
  if (token.startsWith('$')) throw bad('this is the name of a variable, not a token: give its value');
  const parts = token.split('.');
  if (parts.length === 5)
    throw bad('this is an encrypted token (JWE, five parts): Bitbucket Pipelines issues signed tokens of three parts');
  if (parts.length !== 3) throw bad(`a JSON Web Token has three parts separated by ".", this has ${parts.length}`);
  const [header, payload, signature] = parts as [string, string, string];
  const headerJson = jsonPart(header, 'header');
  const claims = jsonPart(payload, 'payload');
  return { header: headerJson, claims: checkedClaims(claims), signaturePresent: signature.length > 0 };
}

function jsonPart(part: string, name: string): Record<string, unknown> {
  // base64url without padding; a length of 4n+1 cannot come out of any encoding
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(part) || part.replace(/=+$/, '').length % 4 === 1) {
    throw bad(`the ${name} is not base64url text (is the token complete, or was it masked in the log?)`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(part, 'base64url'));
  } catch {
    throw bad(`the ${name} does not decode to UTF-8 text`);
  }
  const deep = tooDeep(text);
  if (deep) throw bad(`the ${name} is ${deep}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad(`the ${name} is not JSON`);
  }
  if (!isObject(value)) throw bad(`the ${name} is JSON but not an object`);
  return value;
}

function checkedClaims(claims: Record<string, unknown>): TokenClaims {
  const hint = '(is this a Bitbucket Pipelines OIDC token?)';
  for (const name of ['iss', 'sub'] as const) {
    if (typeof claims[name] !== 'string' || claims[name] === '') throw bad(`the token has no "${name}" claim ${hint}`);
  }
  const aud = claims['aud'];
  const audOk =
    typeof aud === 'string'
      ? aud !== ''
      : Array.isArray(aud) && aud.length > 0 && aud.every((a) => typeof a === 'string' && a !== '');
  if (!audOk) throw bad(`the token has no "aud" claim, or it is neither a string nor a list of strings ${hint}`);
  for (const name of ['iat', 'exp'] as const) {
    if (claims[name] !== undefined && typeof claims[name] !== 'number')
      throw bad(`the "${name}" claim is not a number of seconds`);
  }
  return claims as TokenClaims;
}

/**
 * The provider a trust policy relies on: its Federated principal names the provider (ARN → issuer
 * host/path), and its `<host/path>:aud` condition the audience the provider must list as client ID.
 * It is what the policy implies, not what exists in the account.
 */
export function providerFromTrustPolicy(policy: unknown): Provider | undefined {
  const statements = policyStatements(policy);
  for (const statement of statements) {
    const principal = statement['Principal'];
    const arn = strings(isObject(principal) ? principal['Federated'] : undefined).find((p) => readProviderArn(p));
    if (!arn) continue;
    const { hostPath } = readProviderArn(arn)!;
    const clientIds = statements
      .filter((s) => isObject(s['Principal']) && strings(s['Principal']['Federated']).includes(arn))
      .flatMap((s) => conditionValues(s, conditionKey(hostPath, 'aud')));
    return { url: providerUrl(hostPath), arn, clientIds: [...new Set(clientIds)] };
  }
  return undefined;
}

/** Every value any operator of the statement tests the key against (condition keys are case-insensitive). */
function conditionEntries(statement: Record<string, unknown>, key: string): Array<{ operator: string; value: string }> {
  const condition = statement['Condition'];
  if (!isObject(condition)) return [];
  return Object.entries(condition).flatMap(([operator, byKey]) =>
    isObject(byKey)
      ? Object.entries(byKey)
          .filter(([k]) => k.toLowerCase() === key.toLowerCase())
          .flatMap(([, v]) => strings(v).map((value) => ({ operator, value })))
      : [],
  );
}

const conditionValues = (statement: Record<string, unknown>, key: string) =>
  conditionEntries(statement, key).map((e) => e.value);

/** The claims as IAM condition keys, prefixed with the issuer's host/path. */
export function conditionKeysOf(claims: TokenClaims): Record<string, string | string[]> {
  const prefix = hostPathOf(claims.iss);
  const keys: Record<string, string | string[]> = {};
  // with an `azp` claim, IAM puts it in `:aud` and the token's `aud` in `:oaud`; Bitbucket sets no `azp`
  const azp = typeof claims['azp'] === 'string' ? claims['azp'] : undefined;
  keys[conditionKey(prefix, 'aud')] = azp ?? claims.aud;
  if (azp) keys[conditionKey(prefix, 'oaud')] = claims.aud;
  keys[conditionKey(prefix, 'sub')] = claims.sub;
  for (const name of ['amr', 'email']) {
    const v = claims[name];
    if (typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')))
      keys[conditionKey(prefix, name)] = v as string | string[];
  }
  return keys;
}

/**
 * Judges the token for each role. `provider` is the repository's IAM provider when known (the manifest's
 * answers, the IaC); without it each role is judged against the provider its trust policy names.
 */
export function explainToken(
  claims: TokenClaims,
  roles: RoleToCheck[],
  provider: Provider | undefined,
  now: Date,
  signature: Pick<DecodedToken, 'header' | 'signaturePresent'> = { header: { alg: 'RS256' }, signaturePresent: true },
): TokenReport {
  const context = conditionKeysOf(claims);
  const alg = signature.header['alg'];
  const unsigned = !signature.signaturePresent || typeof alg !== 'string' || alg.toLowerCase() === 'none';
  const unsignedReason = `the token is unsigned (alg ${JSON.stringify(alg ?? null)}${signature.signaturePresent ? '' : ', no signature'}): STS refuses it; Bitbucket's tokens are signed with RS256`;
  return {
    claims,
    unsigned,
    expired: claims.exp !== undefined && claims.exp * 1000 <= now.getTime(),
    expiry: expiryOf(claims, now),
    conditionKeys: context,
    ignoredClaims: Object.keys(claims).filter((c) => !CONDITION_CLAIMS.includes(c) && !REGISTERED_CLAIMS.includes(c)),
    roles: roles.map((role) => {
      const own = provider ?? providerFromTrustPolicy(role.trustPolicy);
      const reasons = [
        ...(unsigned ? [unsignedReason] : []),
        ...issuerReasons(claims, own),
        ...audienceReasons(claims, own),
        ...trustReasons(claims, role, own, context),
      ];
      return { role: role.name, accepted: reasons.length === 0, reasons };
    }),
  };
}

function expiryOf(claims: TokenClaims, now: Date): string {
  if (claims.exp === undefined) return 'the token has no "exp" claim: STS refuses tokens without one';
  const at = new Date(claims.exp * 1000);
  const minutes = Math.round(Math.abs(at.getTime() - now.getTime()) / 60000);
  return at.getTime() <= now.getTime()
    ? `expired at ${at.toISOString()} (${minutes} min ago): STS would answer ExpiredTokenException; each role's verdict is what a fresh token of the same step would get`
    : `valid until ${at.toISOString()} (${minutes} min from now)`;
}

/** STS finds the provider by the token's `iss`, exactly. */
function issuerReasons(claims: TokenClaims, provider: Provider | undefined): string[] {
  const create = `create an IAM OIDC provider with URL ${claims.iss} and client ID ${quoted(strings(claims.aud))}`;
  if (!claims.iss.startsWith('https://')) {
    return [
      `issuer: the token's iss "${claims.iss}" is not an https URL, and IAM providers exist only for those — this is no Bitbucket Pipelines token`,
    ];
  }
  if (!provider) {
    return [
      `issuer: no IAM OIDC provider is known (no Federated oidc-provider principal in the trust policy): STS would answer "No OpenIDConnect provider found" — fix: ${create}`,
    ];
  }
  if (hostPathOf(provider.url) === hostPathOf(claims.iss)) return [];
  const tokenWorkspace = workspaceOfIssuer(hostPathOf(claims.iss));
  const providerWorkspace = workspaceOfIssuer(hostPathOf(provider.url));
  let why = '';
  if (tokenWorkspace && providerWorkspace && readUuid(providerWorkspace)) {
    why = ` The provider URL names the workspace by its UUID; Bitbucket's issuer uses the workspace slug ("${tokenWorkspace}").`;
  } else if (tokenWorkspace && providerWorkspace) {
    why = ` The token comes from workspace "${tokenWorkspace}", the provider is for workspace "${providerWorkspace}": run the pipeline in "${providerWorkspace}", or, if the workspace was renamed, the provider must follow the new slug.`;
  } else if (!tokenWorkspace) {
    why = ' The token was not issued by Bitbucket Pipelines.';
  }
  return [
    `issuer: the token's iss "${claims.iss}" differs from the provider URL "${provider.url}" (IAM matches it exactly): STS would answer "No OpenIDConnect provider found".${why} Fix: ${create} (a provider's URL cannot be changed).`,
  ];
}

/** The provider's client-ID list must contain the token's `aud` (one of them, when it is a list). */
function audienceReasons(claims: TokenClaims, provider: Provider | undefined): string[] {
  const auds = strings(claims.aud);
  if (!provider || auds.some((a) => provider.clientIds.includes(a))) return [];
  const hint = audienceHint(claims, auds, provider.clientIds);
  return [
    `audience: the token's aud ${quoted(auds)} is not among the provider's client IDs [${quoted(provider.clientIds)}]: STS would answer "InvalidIdentityToken: Incorrect token audience".${hint}`,
  ];
}

function audienceHint(claims: TokenClaims, auds: string[], listed: string[]): string {
  const nearly = listed.find((id) => auds.some((a) => unbraced(a) === unbraced(id)));
  if (nearly !== undefined) {
    return nearly.includes('{')
      ? ` The client ID "${nearly}" has braces around the UUID; Bitbucket's audience has none. Fix: list exactly ${quoted(auds)}.`
      : ` The token's aud differs from "${nearly}" only in braces or case (Bitbucket's default audience is the UUID without braces). Fix: list the token's value exactly, or give the step the default audience.`;
  }
  const tokenUuid = auds.map((a) => workspaceOfAudience(a)).find(Boolean);
  const listedUuid = listed.map((id) => workspaceOfAudience(id)).find(Boolean);
  const workspaceUuid = typeof claims['workspaceUuid'] === 'string' ? unbraced(claims['workspaceUuid']) : undefined;
  if (tokenUuid && listedUuid) {
    const wrongProvider = workspaceUuid && workspaceUuid === unbraced(tokenUuid);
    return ` The token is for workspace UUID ${tokenUuid}, the provider lists ${listedUuid}: ${wrongProvider ? 'the token comes from another workspace, or the workspace UUID in the provider is wrong' : 'the workspace UUIDs differ'}. Fix: add "${defaultAudience(unbraced(tokenUuid))}" to the provider's client IDs if this workspace is meant.`;
  }
  return ` Fix: add ${quoted(auds)} to the provider's client IDs, or give the step the audience the provider lists.`;
}

/** The role's trust policy, judged by the evaluator with the Federated principal the token's issuer maps to. */
function trustReasons(
  claims: TokenClaims,
  role: RoleToCheck,
  provider: Provider | undefined,
  context: TrustRequest['context'],
): string[] {
  const arn = provider && readProviderArn(provider.arn);
  if (!arn)
    return [
      `trust policy (${role.file}): no Federated principal names an IAM OIDC provider (arn:…:oidc-provider/…) — fix: trust the provider of ${claims.iss}`,
    ];
  const federated = oidcProviderArn(arn.partition, arn.account, hostPathOf(claims.iss));
  const decision = evaluateTrust(role.trustPolicy, { federated, action: ACTION, context });
  if (decision.allowed) return [];
  const why = decision.reasons.length ? decision.reasons.join('; ') : 'no statement allows it';
  const fixes = trustFixes(claims, role.trustPolicy, federated);
  return [`trust policy (${role.file}): denied — ${why}.${fixes.length ? ` Fix: ${fixes.join(' ')}` : ''}`];
}

/** What to change, found by comparing the policy's principals and conditions with the token's keys. */
function trustFixes(claims: TokenClaims, policy: unknown, federated: string): string[] {
  const statements = policyStatements(policy).filter((s) => s['Effect'] === 'Allow');
  const principals = statements.flatMap((s) =>
    strings(isObject(s['Principal']) ? s['Principal']['Federated'] : undefined),
  );
  if (!principals.includes(federated)) {
    return [
      `(Principal) use a token of the issuer the policy trusts; add "${federated}" to the Federated principal only if ${claims.iss} is to be trusted.`,
    ];
  }
  const trusting = statements.filter(
    (s) => isObject(s['Principal']) && strings(s['Principal']['Federated']).includes(federated),
  );
  const prefix = hostPathOf(claims.iss);
  const fixes: string[] = [];
  const unexposed = [
    ...new Set(
      trusting.flatMap((s) => conditionKeys(s)).filter((k) => k.toLowerCase().startsWith(`${prefix.toLowerCase()}:`)),
    ),
  ].filter((k) => !CONDITION_CLAIMS.includes(k.slice(prefix.length + 1).toLowerCase()));
  for (const key of unexposed) {
    fixes.push(
      `"${key}" is not a condition key AWS sets (only ${CONDITION_CLAIMS.map((c) => `:${c}`).join(', ')} are): remove the condition and scope by :sub (repository, deployment environment; restrict the environment to a branch in Bitbucket).`,
    );
  }
  const auds = strings(claims.aud);
  const audTests = trusting.flatMap((s) => conditionEntries(s, conditionKey(prefix, 'aud')));
  if (audTests.length && !audTests.some((t) => auds.some((a) => matches(t, a)))) {
    fixes.push(
      `(:aud) give the step the audience the role expects or, if the token's is the right one, put it in the condition and in the provider's client IDs.`,
    );
  }
  const subTests = trusting.flatMap((s) => conditionEntries(s, conditionKey(prefix, 'sub')));
  if (subTests.length && !subTests.some((t) => matches(t, claims.sub))) fixes.push(subFixes(claims.sub, subTests));
  return fixes;
}

function conditionKeys(statement: Record<string, unknown>): string[] {
  const condition = statement['Condition'];
  return isObject(condition)
    ? Object.values(condition)
        .filter(isObject)
        .flatMap((byKey) => Object.keys(byKey))
    : [];
}

/** Whether the test names the value, compared as its operator compares (`…Like` expands `*` and `?`). */
const matches = (test: { operator: string; value: string }, value: string) =>
  conditionValueMatches(test.operator, test.value, value);

/** Says which part of `sub` — repository, deployment environment, step — the role's patterns reject. */
function subFixes(sub: string, tests: Array<{ operator: string; value: string }>): string {
  const { repo, environment: env } = subParts(sub);
  const why = tests.map(({ operator, value: pattern }) => {
    const { repo: wantRepo, environment: wantEnv } = subParts(pattern);
    if (pattern.includes(REPO_UUID_PLACEHOLDER) || pattern.includes(ENVIRONMENT_UUID_PLACEHOLDER))
      return `the UUID in "${pattern}" is not set yet: the token's repository is ${repo ?? '?'}${env ? `, its deployment environment ${env}` : ''}`;
    if (!pattern.includes('{'))
      return `UUIDs in sub carry braces: "${repositorySubPattern(unbraced(repo ?? 'REPOSITORY-UUID'))}", not "${pattern}"`;
    if (pattern.includes('*') && !/like$/i.test(operator))
      return `${operator} compares "${pattern}" literally: "*" is a wildcard only with StringLike`;
    if (!pattern.endsWith('*'))
      return `the step UUID at the end changes on every run: "${pattern}" needs StringLike and a trailing "*"`;
    if (!wantRepo || !repo) return `"${pattern}" does not match`;
    if (unbraced(wantRepo) !== unbraced(repo))
      return `the token comes from repository ${repo}, the role trusts repository ${wantRepo}: run the pipeline of that repository, or set the repository UUID to ${repo} if this repository is meant`;
    if (wantEnv && !env)
      return `the step has no deployment environment, the role trusts only steps of environment ${wantEnv}: add \`deployment:\` with that environment to the step`;
    if (wantEnv && env && unbraced(wantEnv) !== unbraced(env))
      return `the token comes from deployment environment ${env}, the role trusts environment ${wantEnv}: give this step the role of its own environment (its AWS_OIDC_ROLE_ARN deployment variable), or correct the environment UUID`;
    return `"${pattern}" does not match`;
  });
  // the evaluator's reason already quotes the pattern and the value: say only what differs
  return `(:sub) ${why.join('; ')}.`;
}
