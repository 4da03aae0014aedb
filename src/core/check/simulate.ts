/**
 * The simulation table of `check`: each role's trust policy evaluated for the tokens that matter —
 * this repository's, another repository's of the workspace, another workspace's, another identity
 * provider's (with the same claims), a wrong audience,
 * and each other deployment environment's — with the condition that decided.
 */
import {
  audience,
  braced,
  conditionKey,
  ENVIRONMENT_UUID_PLACEHOLDER,
  issuerHostPath,
  REPO_UUID_PLACEHOLDER,
  subClaim,
  workspaceUuidOfAudience,
} from '../facts/index.js';
import { evaluateTrust, type TrustRequest } from '../iam-eval/index.js';

export interface SimulationRow {
  role: string;
  file: string;
  scenario: string;
  /** What a correct trust policy does for this scenario. */
  expected: 'allowed' | 'denied';
  allowed: boolean;
  reason: string;
  /** Why the scenario cannot be allowed yet (a UUID still a placeholder): no pipeline can assume the role. */
  notYet?: string;
}

export interface RoleUnderTest {
  role: string;
  file: string;
  policy: unknown;
  /** The deployment environment UUID the role is meant for, if any (no braces). */
  environmentUuid?: string;
  /** That environment's name, when the manifest says it. */
  environmentName?: string;
}

export interface Identity {
  /** Issuer host/path (`api.bitbucket.org/2.0/workspaces/<slug>/pipelines-config/identity/oidc`). */
  issuerHostPath: string;
  providerArn: string;
  audience: string;
  repoUuid: string;
}

const STEP = '5c0ffee0-1111-4222-8333-444455556666';
const OTHER_WORKSPACE = 'another-workspace';
const OTHER_PROVIDER = 'token.actions.githubusercontent.com';
const OTHER_REPO = '9e9e9e9e-0000-4000-8000-000000000001';
const OTHER_ENV = '9e9e9e9e-0000-4000-8000-000000000002';
/** A real repository's UUID, standing in for this one's while it is not set: its token matches no placeholder. */
const SOME_REPO = '9e9e9e9e-0000-4000-8000-000000000003';

function request(
  id: Identity,
  sub: string,
  aud = id.audience,
  hostPath = id.issuerHostPath,
  providerArn = id.providerArn,
): TrustRequest {
  return {
    federated: providerArn,
    action: 'sts:AssumeRoleWithWebIdentity',
    context: { [conditionKey(hostPath, 'aud')]: aud, [conditionKey(hostPath, 'sub')]: sub },
  };
}

export function simulate(roles: RoleUnderTest[], id: Identity): SimulationRow[] {
  const envs = roles.map((r) => r.environmentUuid).filter((e): e is string => Boolean(e));
  const otherHost = issuerHostPath(OTHER_WORKSPACE);
  const otherProvider = id.providerArn.replace(id.issuerHostPath, otherHost);
  // Bitbucket's audience with another workspace UUID; an audience of another form stays as it is
  const workspaceUuid = workspaceUuidOfAudience(id.audience);
  const audienceOf = (uuid: string) => (workspaceUuid === undefined ? id.audience : audience(uuid));
  const repoUnset = id.repoUuid === REPO_UUID_PLACEHOLDER;
  return roles.flatMap((r) => {
    const envUnset = r.environmentUuid === ENVIRONMENT_UUID_PLACEHOLDER;
    const notYet = repoUnset ? 'repository UUID not set' : envUnset ? 'environment UUID not set' : undefined;
    const own = subClaim(id.repoUuid, STEP, r.environmentUuid);
    // a real token carries real UUIDs: with a placeholder in the policy it is denied, as it will be in AWS
    const ownToken = notYet
      ? subClaim(repoUnset ? SOME_REPO : id.repoUuid, STEP, envUnset ? OTHER_ENV : r.environmentUuid)
      : own;
    const scenarios: Array<[string, 'allowed' | 'denied', TrustRequest]> = [
      [
        'this repository' + (r.environmentUuid ? ', its environment' : ''),
        notYet ? 'denied' : 'allowed',
        request(id, ownToken),
      ],
      ['another repository of the workspace', 'denied', request(id, own.replace(id.repoUuid, OTHER_REPO))],
      ['another workspace', 'denied', request(id, own, audienceOf(OTHER_REPO), otherHost, otherProvider)],
      // a principal that lets in anyone, or any provider, lets this one in too
      [
        'a token of another identity provider',
        'denied',
        request(id, own, id.audience, OTHER_PROVIDER, id.providerArn.replace(id.issuerHostPath, OTHER_PROVIDER)),
      ],
      [
        'a wrong audience (braces around the UUID)',
        'denied',
        request(id, own, audienceOf(braced(workspaceUuid ?? ''))),
      ],
      ...(r.environmentUuid
        ? [
            ['a step without deployment environment', 'denied', request(id, subClaim(id.repoUuid, STEP))] as [
              string,
              'denied',
              TrustRequest,
            ],
            ...envs
              .filter((e) => e !== r.environmentUuid)
              .concat(envs.length > 1 ? [] : [OTHER_ENV])
              .map(
                (e) =>
                  [
                    `environment ${roles.find((o) => o.environmentUuid === e)?.environmentName ?? e}`,
                    'denied',
                    request(id, subClaim(id.repoUuid, STEP, e)),
                  ] as [string, 'denied', TrustRequest],
              ),
          ]
        : []),
    ];
    return scenarios.map(([scenario, expected, req], i) => {
      const d = evaluateTrust(r.policy, req);
      return {
        role: r.role,
        file: r.file,
        scenario,
        expected,
        allowed: d.allowed,
        reason: d.allowed ? 'allowed by the trust policy' : (d.reasons[0] ?? 'no statement allows it'),
        ...(i === 0 && notYet ? { notYet } : {}),
      };
    });
  });
}
