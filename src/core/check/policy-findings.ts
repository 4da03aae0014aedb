/**
 * Rules about the IAM side: the trust policy (who may assume the role: `trust.*`), the permissions
 * policy (`policy.grammar`, `policy.broad`) and broad AWS-managed policies attached in Terraform or
 * CloudFormation (`policy.broad`). The rule table (rules.ts) names them.
 */
import {
  audience,
  CONDITION_CLAIMS,
  ENVIRONMENT_UUID_PLACEHOLDER as ENVIRONMENT_PLACEHOLDER,
  isPartition,
  issuerHostPath,
  readConditionKey as splitKey,
  readProviderArn,
  readUuid,
  REPO_UUID_PLACEHOLDER as REPO_PLACEHOLDER,
  workspaceOfAudience,
  workspaceOfIssuer as workspaceOf,
  BROADEST,
  managedPolicyBreadth,
} from '../facts/index.js';
import { isObject } from '../util/index.js';
import {
  actionsOf,
  readPolicy,
  statementAllows,
  type ConditionEntry,
  type PolicyStatement,
  hit,
  type Hit,
  type Severity,
  type SourceFile,
} from '../iam-eval/index.js';
import { openPrincipals, type TrustScope } from './principal-findings.js';

const ISSUER_FORM = issuerHostPath('<workspace-slug>');

const list = (v: unknown): string[] =>
  typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
const quote = (s: string) => JSON.stringify(s);

/** What is wrong with an issuer host/path (in a provider ARN or a condition key), if anything. */
function issuerProblem(hostPath: string): string | undefined {
  if (/^https?:\/\//i.test(hostPath))
    return `${quote(hostPath)} starts with the scheme: IAM names the provider without https://`;
  const workspace = workspaceOf(hostPath);
  if (workspace === undefined) return `${quote(hostPath)} is not Bitbucket's issuer ${ISSUER_FORM}`;
  // a workspace UUID as copied from a URL may have its braces encoded
  if (readUuid(workspace.replace(/^%7B/i, '{').replace(/%7D$/i, '}'))) {
    return `${quote(hostPath)} names the workspace by its UUID: the issuer (the token's iss) has the workspace slug, so IAM finds no provider for the token`;
  }
  return undefined;
}

const isNegated = (c: ConditionEntry) => /Not/.test(c.base);

interface SubVerdict {
  severity: 'error' | 'warning';
  /** The pattern lets every repository of the workspace in (`trust.workspace-wide`), rather than being malformed (`trust.sub-format`). */
  everyRepository: boolean;
  message: string;
  fix: string;
}

const SUB_FIX =
  'Use "{<repository-uuid>}:*" for the repository (any of its steps), or "{<repository-uuid>}:{<environment-uuid>}:*" for one deployment environment: lower-case UUIDs in braces, ending with :*.';

/** A StringLike `sub` pattern against what Bitbucket's tokens carry: `{repo}:{step}` or `{repo}:{environment}:{step}`. */
function subVerdict(pattern: string): SubVerdict | undefined {
  const parts = pattern.split(':');
  if (/^[*?{}]*$/.test(parts[0]!)) {
    return {
      severity: 'error',
      everyRepository: true,
      message: `the sub pattern ${quote(pattern)} matches every repository of the workspace`,
      fix: SUB_FIX,
    };
  }
  if (pattern.includes(REPO_PLACEHOLDER) || pattern.includes(ENVIRONMENT_PLACEHOLDER)) {
    const missing = [
      ...(pattern.includes(REPO_PLACEHOLDER)
        ? [
            {
              what: 'repository',
              how: '`pipelines-oidc update --repo-uuid <uuid>` (Repository settings → Pipelines → OpenID Connect)',
            },
          ]
        : []),
      ...(pattern.includes(ENVIRONMENT_PLACEHOLDER)
        ? [
            {
              what: 'deployment environment',
              how: '`pipelines-oidc update --environment <name>=<uuid>` (Repository settings → Deployments)',
            },
          ]
        : []),
    ];
    // a generated repository before its Bitbucket repository exists: closed, not wrong, hence a warning
    return {
      severity: 'warning',
      everyRepository: false,
      message: `the ${missing.map((m) => m.what).join(' and the ')} UUID ${missing.length > 1 ? 'are' : 'is'} not set yet (${quote(pattern)}): no pipeline can assume the role until ${missing.length > 1 ? 'they are' : 'it is'}`,
      fix: `Set ${missing.length > 1 ? 'them' : 'it'} with ${missing.map((m) => m.how).join(' and ')}, or through the Terraform variables / CloudFormation parameters.`,
    };
  }
  const errors: string[] = [];
  if (parts.length > 3)
    errors.push(`has ${parts.length} parts, but sub has at most three: {repository}:{environment}:{step}`);
  if (parts[parts.length - 1] !== '*')
    errors.push('does not end with :* (the step UUID at the end changes on every run)');
  const segments = parts.length > 1 ? parts.slice(0, -1) : parts;
  const upper: string[] = [];
  segments.slice(0, 2).forEach((segment, i) => {
    const what = i === 0 ? 'repository' : 'environment';
    const written = readUuid(segment);
    if (written?.open && written.close && written.lowerCase) return;
    if (written?.open && written.close) upper.push(segment);
    else if (written && !written.open && !written.close)
      errors.push(
        `writes the ${what} UUID without braces (${segment}); the token's sub has them: {${segment.toLowerCase()}}`,
      );
    else if (segment === '*' && i === 1)
      errors.push(
        'has * for the environment: "{repository}:*" already covers every environment; name one as {environment-uuid}',
      );
    else if (!(parts.length === 1 && i === 0 && /[*]$/.test(segment)))
      errors.push(
        `has ${quote(segment)} where the ${what} UUID in braces belongs (the slug or name does not appear in the token)`,
      );
  });
  if (errors.length)
    return {
      severity: 'error',
      everyRepository: false,
      message: `the sub pattern ${quote(pattern)} ${errors.join('; ')}, so it never matches a token`,
      fix: SUB_FIX,
    };
  if (upper.length) {
    return {
      severity: 'warning',
      everyRepository: false,
      message: `the sub pattern ${quote(pattern)} has upper-case letters: Bitbucket writes UUIDs in lower case and StringLike compares case-sensitively, so it is unlikely to match`,
      fix: `Write the UUIDs in lower case: ${quote(pattern.toLowerCase())}.`,
    };
  }
  return undefined;
}

/** A statement that lets Bitbucket's tokens assume the role, with what the trust rules read of it. */
export interface BitbucketStatement {
  statement: PolicyStatement;
  /** Its Federated principals that name Bitbucket. */
  principals: string[];
  /** The workspaces its well-formed Bitbucket principals name. */
  principalWorkspaces: Set<string | undefined>;
  /** Its conditions on Bitbucket's claims. */
  keys: ConditionEntry[];
}

/** An IAM policy as the rules read it: its grammar problems and its statements. */
export interface PolicySource {
  problems: Hit[];
  statements: PolicyStatement[];
}

export interface TrustPolicySource extends PolicySource {
  bitbucket: BitbucketStatement[];
  /** The repository's account and workspace, as far as known. */
  scope: TrustScope;
}

/** A statement's hits carry its label (`Statement[1]: …`). */
const inStatement =
  (s: PolicyStatement, hits: Hit[]) => (line: number | undefined, message: string, fix: string, severity?: Severity) =>
    hits.push(hit(line, `${s.label}: ${message}`, fix, severity));

/** A rule of one Bitbucket statement, its hits labelled with the statement. */
const perStatement =
  (rule: (b: BitbucketStatement, add: ReturnType<typeof inStatement>) => void) =>
  (b: BitbucketStatement): Hit[] => {
    const hits: Hit[] = [];
    rule(b, inStatement(b.statement, hits));
    return hits;
  };

/** The issuer's host/path of a Federated principal that is an OIDC provider ARN of a known partition. */
const principalHostPath = (f: string) => {
  const arn = readProviderArn(f);
  return arn && isPartition(arn.partition) ? arn.hostPath : undefined;
};

const validPrincipalHostPath = (f: string) => {
  const hostPath = principalHostPath(f);
  return hostPath !== undefined && !issuerProblem(hostPath) ? hostPath : undefined;
};

/** A role's trust policy: grammar, statements, and those that let Bitbucket pipelines in. */
export function readTrustPolicy(file: SourceFile, scope: TrustScope = {}): TrustPolicySource {
  const { problems, statements } = readPolicy(file.text, 'trust');
  const bitbucket = statements.flatMap((s): BitbucketStatement[] => {
    if (!statementAllows(s, 'sts:AssumeRoleWithWebIdentity')) return [];
    const federated = isObject(s.principal) && !s.notPrincipal ? list(s.principal['Federated']) : [];
    // statements for other providers (GitHub, …) or AWS principals are not this tool's business
    const forBitbucket =
      federated.some((f) => /bitbucket/i.test(f)) || s.conditions.some((c) => /bitbucket/i.test(c.key));
    if (!forBitbucket) return [];
    const principals = federated.filter((f) => /bitbucket/i.test(f));
    const principalWorkspaces = new Set(
      principals
        .map(validPrincipalHostPath)
        .filter((h) => h !== undefined)
        .map(workspaceOf),
    );
    const keys = s.conditions.filter((c) => /bitbucket/i.test(splitKey(c.key).issuer));
    return [{ statement: s, principals, principalWorkspaces, keys }];
  });
  return { problems, statements, bitbucket, scope };
}

/** A role's permissions (identity) policy: grammar and statements. */
export const readPermissionsPolicy = (file: SourceFile): PolicySource => readPolicy(file.text, 'identity');

/** `policy.grammar`: what IAM would refuse, or read otherwise than meant. */
export const policyGrammar = (policy: PolicySource): Hit[] => policy.problems;

/** `trust.provider`: the principal's ARN and the issuer in every condition key must name the same workspace by slug. */
export const trustProvider = perStatement(({ statement: s, principals, principalWorkspaces, keys }, add) => {
  if (!principals.length)
    add(
      s.lineOf('Principal'),
      "tests Bitbucket token claims but has no Federated principal for Bitbucket's identity provider",
      `Set "Principal": {"Federated": "arn:aws:iam::<account>:oidc-provider/${ISSUER_FORM}"}.`,
    );
  for (const f of principals) {
    const hostPath = principalHostPath(f);
    const problem = hostPath === undefined ? `${quote(f)} is not an IAM OIDC provider ARN` : issuerProblem(hostPath);
    if (problem)
      add(
        s.lineOf('Principal'),
        `the Federated principal: ${problem}`,
        `Use "arn:<partition>:iam::<account>:oidc-provider/${ISSUER_FORM}", with the slug shown in Repository settings → Pipelines → OpenID Connect.`,
      );
  }
  for (const c of keys) {
    const { issuer } = splitKey(c.key);
    const problem = issuerProblem(issuer);
    if (problem)
      add(
        c.line,
        `the condition key ${quote(c.key)}: ${problem}; a condition on it never matches`,
        `Write condition keys as "${ISSUER_FORM}:<claim>", the provider URL without https://.`,
      );
    else if (principalWorkspaces.size && !principalWorkspaces.has(workspaceOf(issuer))) {
      add(
        c.line,
        `the condition key ${quote(c.key)} names the workspace ${quote(workspaceOf(issuer)!)}, the Federated principal ${[...principalWorkspaces].map((w) => quote(w!)).join(', ')}: the condition never matches`,
        'Use the same workspace slug in the principal and in every condition key.',
      );
    }
  }
});

/** `trust.unsupported-key`: conditions on claims IAM does not know. */
export const unsupportedKey = perStatement(({ keys }, add) => {
  for (const c of keys) {
    const { claim } = splitKey(c.key);
    if (!CONDITION_CLAIMS.includes(claim)) {
      add(
        c.line,
        `${quote(c.key)}: IAM does not expose the claim ${quote(claim)} as a condition key (only ${CONDITION_CLAIMS.join(', ')}), so this condition never matches`,
        "Remove it: scope to a repository or deployment environment with StringLike on …:sub, and restrict branches in the deployment environment's settings in Bitbucket.",
      );
    }
  }
});

/** `trust.aud`: the audience. */
export const trustAudience = perStatement(({ statement: s, keys }, add) => {
  const audiences = keys.filter((c) => splitKey(c.key).claim === 'aud' && !isNegated(c));
  if (!audiences.length)
    add(
      s.lineOf('Condition'),
      'no condition on the audience (…:aud)',
      'Add "StringEquals": {"<issuer>:aud": "ari:cloud:bitbucket::workspace/<workspace-uuid>"} (the UUID without braces).',
    );
  for (const c of audiences) {
    for (const v of c.values) {
      const written = readUuid(workspaceOfAudience(v, true) ?? '');
      if (written && (written.open || written.close))
        add(
          c.line,
          `the audience ${quote(v)} has braces around the workspace UUID; the token's aud has none`,
          `Remove the braces: ${quote(audience(written.uuid))}.`,
        );
      else if (!written)
        add(
          c.line,
          `the audience ${quote(v)} is not Bitbucket's ari:cloud:bitbucket::workspace/<workspace-uuid>, so no token matches`,
          'Use "ari:cloud:bitbucket::workspace/<workspace-uuid>" (Repository settings → Pipelines → OpenID Connect shows it).',
        );
      else if (!written.lowerCase)
        add(
          c.line,
          `the audience ${quote(v)} has upper-case letters: Bitbucket writes UUIDs in lower case`,
          `Write ${quote(v.toLowerCase())}.`,
          'warning',
        );
    }
  }
});

/** The conditions that test the subject (who within the workspace). */
const subConditions = (keys: ConditionEntry[]) => keys.filter((c) => splitKey(c.key).claim === 'sub' && !isNegated(c));
const patternConditions = (keys: ConditionEntry[]) => subConditions(keys).filter((c) => !/Equals/.test(c.base));

/** `trust.workspace-wide`: no condition on sub, or a sub pattern any repository matches. */
export const workspaceWide = perStatement(({ statement: s, principalWorkspaces, keys }, add) => {
  const workspace = [...principalWorkspaces][0] ?? keys.map((c) => workspaceOf(splitKey(c.key).issuer)).find(Boolean);
  if (!subConditions(keys).length) {
    add(
      s.lineOf('Condition'),
      `no condition on sub: every repository of the workspace${workspace ? ` ${quote(workspace)}` : ''} can assume this role (the audience is the same for all of them)`,
      `Add "StringLike": {"${issuerHostPath(workspace ?? '<workspace-slug>')}:sub": "{<repository-uuid>}:*"}.`,
    );
  }
  for (const c of patternConditions(keys)) {
    for (const v of c.values) {
      const verdict = subVerdict(v);
      if (verdict?.everyRepository) add(c.line, verdict.message, verdict.fix, verdict.severity);
    }
  }
});

/** `trust.sub-exact`: sub tested for equality, which the step UUID at its end defeats. */
export const subExact = perStatement(({ keys }, add) => {
  for (const c of subConditions(keys).filter((x) => /Equals/.test(x.base))) {
    add(
      c.line,
      `${c.operator} on sub: the token's sub ends with the step UUID, which changes on every run, so an exact match never matches again`,
      'Use StringLike with a pattern ending in :*, e.g. "{<repository-uuid>}:*".',
    );
  }
});

/** `trust.sub-format`: sub patterns that no token's sub has the shape of. */
export const subFormat = perStatement(({ keys }, add) => {
  for (const c of patternConditions(keys)) {
    for (const v of c.values) {
      const verdict = subVerdict(v);
      if (verdict && !verdict.everyRepository) add(c.line, verdict.message, verdict.fix, verdict.severity);
    }
  }
});

/** `ecr:GetAuthorizationToken`, `sts:GetServiceBearerToken`, …: AWS offers no narrower resource. */
const resourceless = (action: string) => {
  const [service = '', name = ''] = action.split(':');
  return actionsOf(service)?.get(name.toLowerCase())?.resourceless === true;
};
const everyResource = (s: PolicyStatement) => s.notResource || s.resources.includes('*');

function broadStatement(s: PolicyStatement): Hit[] {
  const out: Hit[] = [];
  const add = (severity: Severity, element: string, message: string, fix: string) =>
    out.push(hit(s.lineOf(element), `${s.label}: ${message}`, fix, severity));
  if (s.notAction) {
    add(
      'error',
      'NotAction',
      'Allow with NotAction grants every other action of every AWS service',
      'List the actions the pipeline needs in "Action" instead.',
    );
    return out;
  }
  if (s.actions.some((a) => /^[*?]*(:[*?]*)?$/.test(a) || /^[^:]*[*?][^:]*:/.test(a))) {
    add('error', 'Action', 'allows every action ("*")', 'List the actions the pipeline needs, e.g. "s3:PutObject".');
    return out;
  }
  const serviceWide = s.actions.filter((a) => /:\*$/.test(a));
  if (serviceWide.length) {
    if (everyResource(s))
      add(
        'error',
        'Action',
        `allows every action of ${serviceWide.join(', ')} on every resource`,
        'List the actions the pipeline needs, and name the resources they work on.',
      );
    else
      add(
        'warning',
        'Action',
        `allows every action of ${serviceWide.join(', ')}`,
        'List the actions the pipeline needs instead of the whole service.',
      );
  }
  if (!everyResource(s)) return out;
  const specific = s.actions.filter((a) => !/:\*$/.test(a));
  const element = s.notResource ? 'NotResource' : 'Resource';
  const bearer = specific.filter((a) => a.toLowerCase() === 'sts:getservicebearertoken');
  if (bearer.length && !s.conditions.some((c) => c.key.toLowerCase() === 'sts:awsservicename')) {
    add(
      'warning',
      'Condition',
      'sts:GetServiceBearerToken on "*" without a condition on sts:AWSServiceName: bearer tokens for any service',
      'Add "Condition": {"StringEquals": {"sts:AWSServiceName": "codeartifact.amazonaws.com"}}.',
    );
  }
  const avoidable = specific.filter((a) => !resourceless(a));
  const covered = avoidable.filter((a) => actionsOf(a.split(':')[0] ?? ''));
  const unknown = avoidable.filter((a) => !actionsOf(a.split(':')[0] ?? ''));
  if (covered.length)
    add(
      'error',
      element,
      `${covered.join(', ')} on every resource ("*"), though AWS lets ${covered.length > 1 ? 'them' : 'it'} be limited to named resources`,
      'Name the resources (bucket, repository, function, … ARNs) instead of "*".',
    );
  if (unknown.length)
    add(
      'warning',
      element,
      `${unknown.join(', ')} on every resource ("*"); pipelines-oidc cannot tell whether AWS lets ${unknown.length > 1 ? 'them' : 'it'} be limited to named resources`,
      'Name the resources instead of "*" where the service allows it.',
    );
  return out;
}

/** `policy.broad` in a role's permissions policy: grants wider than the pipeline can need. */
export const broadPermissions = (policy: PolicySource): Hit[] =>
  policy.statements.filter((s) => s.effect === 'Allow').flatMap(broadStatement);

const MANAGED_ARN = /:iam::aws:policy\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)/g;

/** `policy.broad` in Terraform or CloudFormation: broad AWS-managed policies named there (attached, or looked up by name). */
export function broadManagedPolicies(file: SourceFile): Hit[] {
  const hits: Hit[] = [];
  file.text.split('\n').forEach((text, i) => {
    if (/^\s*(#|\/\/)/.test(text)) return;
    const names = new Set([...text.matchAll(MANAGED_ARN)].map((m) => m[1]!));
    // looked up by name (Terraform's aws_iam_policy data source): the name as a whole string, not in prose
    for (const b of BROADEST) if (new RegExp(`(["'])${b}\\1`).test(text)) names.add(b);
    for (const name of names) {
      const breadth = managedPolicyBreadth(name);
      if (breadth === 'account') {
        hits.push(
          hit(
            i + 1,
            `the AWS-managed policy ${name} gives the role ${name === 'IAMFullAccess' ? 'full control of IAM, and so of the account' : 'nearly every permission in the account'}`,
            'Attach only the inline policy with the actions and resources the pipeline needs.',
          ),
        );
      } else if (breadth === 'service') {
        hits.push(
          hit(
            i + 1,
            `the AWS-managed policy ${name} allows every action of its service on every resource`,
            'Replace it by an inline policy with the actions and resources the pipeline needs.',
            'warning',
          ),
        );
      }
    }
  });
  return hits;
}

/**
 * `trust.principal`: any way into the role besides this workspace's Bitbucket pipelines. Anyone, any
 * account, any identity provider is an error in every trust policy; a named principal beside Bitbucket's
 * provider (a role, a service) is a warning in an OIDC role's trust.
 */
export const trustPrincipal = (policy: TrustPolicySource): Hit[] =>
  openPrincipals(policy.statements, policy.scope, policy.bitbucket.length > 0);
