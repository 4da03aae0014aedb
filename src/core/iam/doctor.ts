/**
 * `doctor`: the live account against the repository, one check per fact, each failed one with the
 * command that fixes it. Pure: the observed state comes in, already read.
 */
import { hostPathOf, workspaceOfIssuer, managedPolicyBreadth, samePolicy } from '../facts/index.js';
import { openTo } from '../check/index.js';
import type { DesiredState, ObservedState } from './types.js';

export interface DoctorCheck {
  id: string;
  ok: boolean;
  detail: string;
  /** What to run or change; null when the check passed. */
  fix: string | null;
}

const APPLY = 'pipelines-oidc apply';

export function doctorChecks(desired: DesiredState, observed: ObservedState): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const add = (id: string, ok: boolean, detail: string, fix: string) =>
    checks.push({ id, ok, detail, fix: ok ? null : fix });

  const account = observed.caller.account;
  const scope = { account: desired.account, workspace: workspaceOfIssuer(hostPathOf(desired.provider.url)) };
  add(
    'credentials.account',
    account === desired.account,
    account === desired.account
      ? `credentials of ${observed.caller.arn}`
      : `the credentials are for account ${account}, the repository is for ${desired.account}`,
    `use credentials of account ${desired.account} (--profile, or AWS_PROFILE)`,
  );
  const { provider } = observed;
  const hostPath = hostPathOf(desired.provider.url);
  add(
    'provider.exists',
    Boolean(provider),
    provider ? `${hostPath} is registered` : `no OIDC provider for ${hostPath}`,
    APPLY,
  );
  if (provider) {
    const has = provider.clientIds.includes(desired.provider.audience);
    add(
      'provider.audience',
      has,
      has
        ? `client IDs include ${desired.provider.audience}`
        : `client IDs ${JSON.stringify(provider.clientIds)} lack ${desired.provider.audience}: STS answers "Incorrect token audience"`,
      APPLY,
    );
  }

  for (const role of desired.roles) {
    const live = observed.roles[role.name];
    const id = (what: string) => `role.${what}:${role.name}`;
    add(id('exists'), Boolean(live), live ? live.arn : `no role ${role.name}`, APPLY);
    if (!live) continue;
    const trustSame = samePolicy(live.trustPolicy, role.trustPolicy);
    const opened = trustSame ? [] : openTo(live.trustPolicy, scope);
    add(
      id('trust'),
      trustSame,
      trustSame
        ? `trust policy equals ${role.trustFile}`
        : `trust policy differs from ${role.trustFile}${opened.length ? `, and lets in more than Bitbucket's pipelines: ${opened.join('; ')}` : ''}`,
      `${APPLY} (shows the difference and asks before replacing it)`,
    );
    const policySame = live.permissions !== undefined && samePolicy(live.permissions, role.permissions);
    add(
      id('policy'),
      policySame,
      policySame
        ? `inline policy ${role.policyName} equals ${role.permissionsFile}`
        : live.permissions === undefined
          ? `no inline policy ${role.policyName}`
          : `inline policy ${role.policyName} differs from ${role.permissionsFile}`,
      APPLY,
    );
    const others = live.inlinePolicyNames.filter((n) => n !== role.policyName);
    add(
      id('other-inline-policies'),
      others.length === 0,
      others.length ? `other inline policies: ${others.join(', ')}` : 'no other inline policy',
      others.map((n) => `aws iam delete-role-policy --role-name ${role.name} --policy-name ${n}`).join('; '),
    );
    const broad = live.attached.filter((p) => managedPolicyBreadth(p.name));
    const attachedDetail = live.attached.length
      ? `attached: ${live.attached.map((p) => p.name).join(', ')}`
      : 'no managed policy attached';
    add(
      id('managed-policies'),
      live.attached.length === 0,
      broad.length ? `${attachedDetail} (far broader than the pipeline needs)` : attachedDetail,
      live.attached.map((p) => `aws iam detach-role-policy --role-name ${role.name} --policy-arn ${p.arn}`).join('; '),
    );
    // longer grants more than the repository asked for; shorter, and STS refuses the steps' request for the session
    const sessionOk = live.maxSessionDuration === role.maxSessionDuration;
    add(
      id('max-session'),
      sessionOk,
      `maximum session ${live.maxSessionDuration} s${
        sessionOk
          ? ''
          : live.maxSessionDuration > role.maxSessionDuration
            ? ` (the repository sets ${role.maxSessionDuration} s)`
            : ` (the repository sets ${role.maxSessionDuration} s: STS refuses a step that asks for a longer session than the role allows)`
      }`,
      APPLY,
    );
  }
  return checks;
}
