/**
 * apply's plan and doctor's checks, pure: the repository's desired state against observed states built
 * by hand (the suite `iam-apply` drives the same code through the real SDK and a local IAM endpoint).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { desiredState } from '../../src/core/iam/desired.ts';
import { doctorChecks } from '../../src/core/iam/doctor.ts';
import { planChanges, type Step } from '../../src/core/iam/plan.ts';
import type { DesiredState, ObservedRole, ObservedState } from '../../src/core/iam/types.ts';
import { answers, renderRepo } from '../support/fixtures.ts';

function desiredFor(
  overrides: Parameters<typeof answers>[0] = {},
  edit: (files: Map<string, string>) => void = () => {},
  thumbprint?: string,
): DesiredState {
  const { model, files } = renderRepo(answers(overrides));
  edit(files);
  return desiredState(model, (f) => files.get(f), { command: 'apply', ...(thumbprint ? { thumbprint } : {}) });
}

/** The account exactly as the repository wants it. */
function matching(desired: DesiredState): ObservedState {
  return {
    caller: { account: desired.account, arn: `arn:aws:iam::${desired.account}:user/admin` },
    provider: {
      arn: desired.provider.arn,
      url: desired.provider.url.replace('https://', ''),
      clientIds: [desired.provider.audience],
      thumbprints: [],
      tags: { 'managed-by': 'pipelines-oidc' },
    },
    roles: Object.fromEntries(
      desired.roles.map((r): [string, ObservedRole] => [
        r.name,
        {
          name: r.name,
          arn: r.arn,
          trustPolicy: structuredClone(r.trustPolicy),
          maxSessionDuration: 3600,
          tags: { 'managed-by': 'pipelines-oidc' },
          inlinePolicyNames: [r.policyName],
          permissions: structuredClone(r.permissions),
          attached: [],
        },
      ]),
    ),
  };
}

const kinds = (steps: Step[]) => steps.map((s) => `${s.kind}${'role' in s ? `:${s.role}` : ''}`);

test('an empty account: provider, then each role with its inline policy, with the files as IAM stores them', () => {
  const desired = desiredFor({
    environments: 'staging=11111111-2222-4333-8444-555555555555,production=66666666-7777-4888-9999-aaaaaaaaaaaa',
  });
  const plan = planChanges(desired, { caller: { account: desired.account, arn: 'x' }, roles: {} });
  const role = desired.roles[0]!.name.replace(/-staging$/, '');
  assert.equal(kinds(plan.steps), [
    'create-provider',
    `create-role:${role}-staging`,
    `put-policy:${role}-staging`,
    `create-role:${role}-production`,
    `put-policy:${role}-production`,
  ]);
  const provider = plan.steps[0] as Extract<Step, { kind: 'create-provider' }>;
  assert.is(
    provider.url,
    `https://api.bitbucket.org/2.0/workspaces/${answers().workspace}/pipelines-config/identity/oidc`,
  );
  assert.equal(provider.clientIds, [`ari:cloud:bitbucket::workspace/${answers().workspaceUuid}`]);
  assert.equal(provider.thumbprints, [], 'no thumbprint unless asked for');
  const create = plan.steps[1] as Extract<Step, { kind: 'create-role' }>;
  assert.equal(JSON.parse(create.trustPolicy), desired.roles[0]!.trustPolicy);
  assert.ok(!/\s/.test(create.trustPolicy), 'compact JSON: IAM counts whitespace against the 2,048-character limit');
  assert.is(create.maxSessionDuration, 3600);
  assert.equal(plan.notes, []);
});

test('an account that matches: nothing to do, also when IAM returns lists reordered and single values unwrapped', () => {
  const desired = desiredFor();
  assert.equal(planChanges(desired, matching(desired)), { steps: [], notes: [] });
  const observed = matching(desired);
  const role = observed.roles[desired.roles[0]!.name]!;
  const trust = role.trustPolicy as {
    Statement: Array<{ Action: unknown; Condition: Record<string, Record<string, unknown>> }>;
  };
  trust.Statement[0]!.Action = [trust.Statement[0]!.Action];
  const permissions = role.permissions as { Statement: unknown[] };
  permissions.Statement.reverse();
  assert.equal(planChanges(desired, observed).steps, []);
  assert.ok(doctorChecks(desired, observed).every((c) => c.ok));
});

test('a changed trust policy is replaced, with the live one kept for the diff; doctor says how to fix it', () => {
  const desired = desiredFor();
  const observed = matching(desired);
  const name = desired.roles[0]!.name;
  const workspaceWide = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: desired.provider.arn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { 'x:aud': 'y' } },
      },
    ],
  };
  observed.roles[name]!.trustPolicy = workspaceWide;
  const plan = planChanges(desired, observed);
  assert.equal(kinds(plan.steps), [`update-trust:${name}`]);
  const step = plan.steps[0] as Extract<Step, { kind: 'update-trust' }>;
  assert.equal(JSON.parse(step.before), workspaceWide);
  const check = doctorChecks(desired, observed).find((c) => c.id === `role.trust:${name}`)!;
  assert.is(check.ok, false);
  assert.match(check.fix!, /pipelines-oidc apply/);
});

test('an existing provider without our audience gets it added, not a second provider', () => {
  const desired = desiredFor();
  const observed = matching(desired);
  observed.provider!.clientIds = ['ari:cloud:bitbucket::workspace/00000000-0000-4000-8000-000000000000'];
  assert.equal(planChanges(desired, observed).steps, [
    { kind: 'add-client-id', providerArn: desired.provider.arn, clientId: desired.provider.audience },
  ]);
  const check = doctorChecks(desired, observed).find((c) => c.id === 'provider.audience')!;
  assert.is(check.ok, false);
  assert.match(check.detail, /Incorrect token audience/);
});

test('--thumbprint is added to the existing ones, up to IAM’s five', () => {
  const thumb = 'a031c46782e6e6c662c2c87c76da9aa62ccabd8e';
  const desired = desiredFor({}, () => {}, thumb.toUpperCase());
  const observed = matching(desired);
  observed.provider!.thumbprints = ['1'.repeat(40)];
  assert.equal(planChanges(desired, observed).steps, [
    { kind: 'set-thumbprints', providerArn: desired.provider.arn, thumbprints: ['1'.repeat(40), thumb] },
  ]);
  observed.provider!.thumbprints = ['1', '2', '3', '4', '5'].map((c) => c.repeat(40));
  const plan = planChanges(desired, observed);
  assert.equal(plan.steps, []);
  assert.match(plan.notes.join('\n'), /five|5 thumbprints/);
});

test('attached managed policies and foreign inline policies are reported, never detached or deleted', () => {
  const desired = desiredFor();
  const observed = matching(desired);
  const name = desired.roles[0]!.name;
  const role = observed.roles[name]!;
  role.attached = [{ name: 'AdministratorAccess', arn: 'arn:aws:iam::aws:policy/AdministratorAccess' }];
  role.inlinePolicyNames = ['pipelines-oidc-permissions', 'legacy'];
  role.tags = {};
  role.maxSessionDuration = 43200;
  const plan = planChanges(desired, observed);
  assert.equal(kinds(plan.steps), [`set-max-session:${name}`]);
  assert.match(plan.notes.join('\n'), /AdministratorAccess attached: apply never detaches/);
  assert.match(plan.notes.join('\n'), /aws iam delete-role-policy --role-name \S+ --policy-name legacy/);
  assert.match(plan.notes.join('\n'), /not created by pipelines-oidc/);
  const failed = doctorChecks(desired, observed)
    .filter((c) => !c.ok)
    .map((c) => c.id);
  assert.equal(failed, [
    `role.other-inline-policies:${name}`,
    `role.managed-policies:${name}`,
    `role.max-session:${name}`,
  ]);
  const managed = doctorChecks(desired, observed).find((c) => c.id === `role.managed-policies:${name}`)!;
  assert.match(managed.detail, /AdministratorAccess \(far broader/);
  assert.is(
    managed.fix,
    `aws iam detach-role-policy --role-name ${name} --policy-arn arn:aws:iam::aws:policy/AdministratorAccess`,
  );
});

test('doctor on an empty account and on credentials of another account', () => {
  const desired = desiredFor();
  const checks = doctorChecks(desired, {
    caller: { account: '999999999999', arn: 'arn:aws:iam::999999999999:user/x' },
    roles: {},
  });
  assert.equal(
    checks.map((c) => [c.id, c.ok]),
    [
      ['credentials.account', false],
      ['provider.exists', false],
      [`role.exists:${desired.roles[0]!.name}`, false],
    ],
  );
  assert.ok(
    checks.every((c) => c.fix),
    'every failed check says how to fix it',
  );
  assert.ok(checks.every((c) => typeof c.detail === 'string' && c.detail.length > 0));
});

test('a repository not ready for IAM is refused before any call: placeholder, unsafe trust, oversize document, broken JSON', () => {
  const refused = (
    overrides: Parameters<typeof answers>[0],
    edit: (files: Map<string, string>) => void,
    pattern: RegExp,
  ) => {
    try {
      desiredFor(overrides, edit);
    } catch (e) {
      assert.match((e as Error).message, pattern);
      assert.is((e as { exitCode?: number }).exitCode, 2);
      return;
    }
    assert.unreachable(`expected ${pattern}`);
  };
  refused(
    { repoUuid: '' },
    () => {},
    /iam\/trust-policy\.json still holds REPOSITORY-UUID-NOT-SET: set the repository UUID first/,
  );
  refused(
    { environments: 'staging' },
    () => {},
    /iam\/staging\/trust-policy\.json still holds ENVIRONMENT-UUID-NOT-SET/,
  );
  refused(
    {},
    (files) => {
      const trust = JSON.parse(files.get('iam/trust-policy.json')!);
      for (const op of Object.values(trust.Statement[0].Condition) as Array<Record<string, unknown>>)
        for (const k of Object.keys(op)) if (k.endsWith(':sub')) delete op[k];
      trust.Statement[0].Condition = Object.fromEntries(
        Object.entries(trust.Statement[0].Condition).filter(([, v]) => Object.keys(v as object).length),
      );
      files.set('iam/trust-policy.json', JSON.stringify(trust));
    },
    /trust\.workspace-wide/,
  );
  refused(
    {},
    (files) =>
      files.set(
        'iam/inline-policy.json',
        JSON.stringify({
          Version: '2012-10-17',
          Statement: Array.from({ length: 200 }, (_, i) => ({
            Sid: `S${i}`,
            Effect: 'Allow',
            Action: 'sts:GetCallerIdentity',
            Resource: '*',
          })),
        }),
      ),
    /longer than IAM's 10240 characters/,
  );
  refused(
    {},
    (files) => files.set('iam/inline-policy.json', '{ "Version": '),
    /iam\/inline-policy\.json is not valid JSON/,
  );
  refused({}, (files) => files.delete('iam/trust-policy.json'), /iam\/trust-policy\.json is missing/);
});

test.run();
