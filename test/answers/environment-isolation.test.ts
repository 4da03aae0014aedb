/**
 * Each environment its own resources and rights, judged by the independent IAM evaluator for every
 * built-in target: the test role cannot touch production's resources and the production role cannot
 * touch test's, neither reaches a third environment's, and a step without an environment assumes
 * neither. Values and ARNs here are written out from AWS's documentation, not taken from src/.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Answers } from '../../src/core/answers/questions.ts';
import { resolveAnswers } from '../../src/core/answers/resolve.ts';
import { BUILT_IN_TARGETS, type TargetDefinition } from '../../src/core/targets/registry.ts';
import { ENVIRONMENT_UUIDS as ENV_UUID, EXAMPLE, renderRepo, STEP_UUID as STEP } from '../support/fixtures.ts';
import {
  assertAllowed,
  assertDenied,
  assumeRoleWithWebIdentity,
  callAsRole,
  identityPolicy,
  trustPolicy,
} from '../support/iam-simulator.ts';

/** A resource name (or file) of each kind per environment; every per-environment question must have a row. */
const NAMES: Record<string, Record<string, string>> = {
  siteBucket: { test: 'test.example.com', staging: 'staging.example.com', production: 'www.example.com' },
  distributionId: { test: 'E1TESTDIST0001', staging: 'E2STAGEDIST002', production: 'E3PRODDIST0003' },
  functionName: { test: 'widgets-test', staging: 'widgets-staging', production: 'widgets' },
  ecsCluster: { test: 'test', staging: 'staging', production: 'production' },
  ecsService: { test: 'web-test', staging: 'web-staging', production: 'web' },
  taskFamily: { test: 'web-test', staging: 'web-staging', production: 'web' },
  taskDefinitionFile: {
    test: 'ecs/test/task-definition.json',
    staging: 'ecs/staging/task-definition.json',
    production: 'ecs/production/task-definition.json',
  },
  taskRoleName: { test: 'web-task-test', staging: 'web-task-staging', production: 'web-task' },
  executionRoleName: { test: 'web-exec-test', staging: 'web-exec-staging', production: 'web-exec' },
  stackName: { test: 'widgets-test', staging: 'widgets-staging', production: 'widgets' },
  serviceRoleName: { test: 'cfn-test', staging: 'cfn-staging', production: 'cfn' },
  templateFile: { test: 'stacks/test.yaml', staging: 'stacks/staging.yaml', production: 'template.yaml' },
  templateBucket: { test: 'cfn-templates-test', staging: 'cfn-templates-staging', production: 'cfn-templates' },
  siteKmsKey: {
    test: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-1111-4111-8111-111111111111',
    staging: 'arn:aws:kms:eu-west-1:123456789012:key/22222222-2222-4222-8222-222222222222',
    production: 'arn:aws:kms:eu-west-1:123456789012:key/mrk-33333333333333333333333333333333',
  },
};

function answersFor(target: TargetDefinition, environments: string[]): Answers {
  const flags: Record<string, string> = {
    ...(EXAMPLE as unknown as Record<string, string>),
    target: target.release || target.build ? `sts-check,${target.id}` : target.id,
    environments: environments.map((e) => `${e}=${ENV_UUID[e]}`).join(','),
  };
  delete flags['targetAnswers'];
  for (const q of target.questions) {
    if (!q.perEnvironment) flags[q.name] = q.example;
    else for (const e of environments) flags[`${q.name}.${e}`] = NAMES[q.name]![e]!;
  }
  return resolveAnswers({ flags, env: {} });
}

interface Role {
  arn: string;
  trust: ReturnType<typeof trustPolicy>;
  inline: ReturnType<typeof identityPolicy>;
  /** Every call the role's policy grants on a named resource (a `*` in an ARN stands for one object). */
  calls: Array<{ action: string; resource: string; context: Record<string, string> }>;
}

function rolesOf(a: Answers, environments: string[]): Record<string, Role> {
  const { files } = renderRepo(a);
  const json = (path: string): unknown => JSON.parse(files.get(path)!);
  return Object.fromEntries(
    environments.map((e) => {
      const inline = json(`iam/${e}/inline-policy.json`) as {
        Statement: Array<{
          Action: string | string[];
          Resource: string | string[];
          Condition?: Record<string, Record<string, string>>;
        }>;
      };
      const calls = inline.Statement.flatMap((s) =>
        [s.Resource]
          .flat()
          .filter((r) => r !== '*')
          .flatMap((r) =>
            [s.Action].flat().map((action) => ({
              action,
              resource: r.replace(/\*/g, 'object'),
              // the request a real call makes: the condition's values (the role passed, the service, the
              // revision a service is pointed at); a negated condition holds without its key
              context: {
                ...s.Condition?.['StringEquals'],
                ...Object.fromEntries(
                  Object.entries(s.Condition?.['ArnLike'] ?? {}).map(([k, v]) => [k, v.replace(/\*/g, 'object')]),
                ),
              },
            })),
          ),
      );
      return [
        e,
        {
          arn: `arn:aws:iam::${a.account}:role/${a.roleName}-${e}`,
          trust: trustPolicy(json(`iam/${e}/trust-policy.json`)),
          inline: identityPolicy(inline),
          calls,
        },
      ];
    }),
  );
}

const session = (role: Role) => `${role.arn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/s`;
const account = EXAMPLE.account;

test('every per-environment question of the gallery has names here for each environment', () => {
  for (const t of BUILT_IN_TARGETS)
    for (const q of t.questions.filter((x) => x.perEnvironment))
      assert.ok(NAMES[q.name], `${t.id}: ${q.name} has no names in this test`);
});

for (const target of BUILT_IN_TARGETS.filter((t) => t.statements.some((s) => s.Resource !== '*'))) {
  test(`${target.id}: the test role cannot touch production's resources, nor production test's`, () => {
    const roles = rolesOf(answersFor(target, ['test', 'production']), ['test', 'production']);
    for (const [own, other] of [
      ['test', 'production'],
      ['production', 'test'],
    ] as const) {
      const mine = new Set(roles[own]!.calls.map((c) => `${c.action} ${c.resource}`));
      /** A recorded call, made as this environment's role. */
      const asOwn = (call: (typeof roles)[string]['calls'][number]) =>
        callAsRole(
          roles[own]!.inline,
          session(roles[own]!),
          call.action,
          { arn: call.resource, account },
          call.context,
        );
      for (const call of roles[own]!.calls) assertAllowed(asOwn(call), `${own} may ${call.action} on ${call.resource}`);
      const foreign = roles[other]!.calls.filter((c) => !mine.has(`${c.action} ${c.resource}`));
      if (!target.release && !target.build) assert.ok(foreign.length, `${other} has resources of its own`);
      for (const call of foreign)
        assertDenied(asOwn(call), `${own} must not ${call.action} on ${other}'s ${call.resource}`);
    }
  });

  test(`${target.id}: neither role reaches a third environment's resources`, () => {
    const both = rolesOf(answersFor(target, ['test', 'production']), ['test', 'production']);
    const third = rolesOf(answersFor(target, ['staging', 'production']), ['staging', 'production'])['staging']!;
    for (const [name, role] of Object.entries(both)) {
      const mine = new Set(role.calls.map((c) => `${c.action} ${c.resource}`));
      for (const call of third.calls.filter((c) => !mine.has(`${c.action} ${c.resource}`)))
        assertDenied(
          callAsRole(role.inline, session(role), call.action, { arn: call.resource, account }, call.context),
          `${name} must not ${call.action} on ${call.resource}`,
        );
    }
  });

  test(`${target.id}: a step without an environment assumes neither role; each environment only its own`, () => {
    const roles = rolesOf(answersFor(target, ['test', 'production']), ['test', 'production']);
    const hostPath = `api.bitbucket.org/2.0/workspaces/${EXAMPLE.workspace}/pipelines-config/identity/oidc`;
    const token = (sub: string) => ({
      providerArn: `arn:aws:iam::${account}:oidc-provider/${hostPath}`,
      issuerHostPath: hostPath,
      aud: `ari:cloud:bitbucket::workspace/${EXAMPLE.workspaceUuid}`,
      sub,
    });
    const repo = `{${EXAMPLE.repoUuid}}`;
    for (const [name, role] of Object.entries(roles)) {
      const ref = { arn: role.arn, account };
      assertDenied(assumeRoleWithWebIdentity(role.trust, ref, token(`${repo}:${STEP}`)), `${name}: no environment`);
      for (const e of ['test', 'production']) {
        const outcome = assumeRoleWithWebIdentity(role.trust, ref, token(`${repo}:{${ENV_UUID[e]}}:${STEP}`));
        if (e === name) assertAllowed(outcome, `${name}: its own environment`);
        else assertDenied(outcome, `${name}: the ${e} environment`);
      }
    }
  });
}

test.run();
