/**
 * One session duration, every rendering: the Terraform variable's default and terraform.tfvars, the
 * CloudFormation parameter's default, what `apply` sets and `doctor` expects, the explicit STS call's
 * `--duration-seconds`, each OIDC step's `max-time` and the generated README, all from the answer.
 * Terraform is read by hcl2json and CloudFormation by a YAML reader, not by the code that wrote them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse as parseYaml } from 'yaml';
import { desiredState } from '../../src/core/iam/desired.ts';
import { doctorChecks } from '../../src/core/iam/doctor.ts';
import type { ObservedState } from '../../src/core/iam/types.ts';
import { parseCloudFormation } from '../support/cfn-resolve.ts';
import { answers, renderRepo } from '../support/fixtures.ts';
import { parseHcl, variableBlocks, variableValues } from '../support/hcl-resolve.ts';
import { formatErrors, pipelinesValidator, referencePresent } from '../support/schema-reference.ts';

type Step = { oidc?: boolean; 'max-time'?: number; script: string[] };

/** Every step of the generated pipeline, inside stages too. */
function steps(yaml: string): Step[] {
  const doc = parseYaml(yaml) as { pipelines: Record<string, Record<string, unknown[]>> };
  const out: Step[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o['step']) out.push(o['step'] as Step);
      else Object.values(o).forEach(walk);
    }
  };
  walk(doc.pipelines);
  return out;
}

/** What the repository's renderings say the session is, each read back by a reader of its own. */
async function renderedSessions(duration: string, environments = '') {
  const { model, files } = renderRepo(
    answers({ iac: 'both', auth: 'assume-role', sessionDuration: duration, environments }),
  );
  const tf = {
    variables: await parseHcl('variables.tf', files.get('terraform/variables.tf')!),
    tfvars: await parseHcl('terraform.tfvars', files.get('terraform/terraform.tfvars')!),
  };
  const cfn = parseCloudFormation(files.get('cloudformation/oidc-role.yaml')!) as {
    Parameters: Record<string, { Default: unknown }>;
  };
  const desired = desiredState(model, (f) => files.get(f), { command: 'apply' });
  return {
    files,
    desired,
    terraformDefault: variableBlocks(tf.variables)['max_session_duration']!['default'],
    terraform: variableValues(tf.variables, tf.tfvars)['max_session_duration'],
    tfvars: tf.tfvars['max_session_duration'],
    cloudformation: cfn.Parameters['MaxSessionDuration']!.Default,
    apply: [...new Set(desired.roles.map((r) => r.maxSessionDuration))],
    steps: steps(files.get('bitbucket-pipelines.yml')!),
  };
}

test('2h: Terraform, tfvars, CloudFormation, apply, the STS call, max-time and the README agree', async () => {
  const r = await renderedSessions(
    '2h',
    'test=11111111-2222-4333-8444-555555555555,production=21111111-2222-4333-8444-555555555555',
  );
  assert.is(r.terraformDefault, 7200);
  assert.is(r.tfvars, 7200, 'terraform.tfvars holds the answer');
  assert.is(r.terraform, 7200);
  assert.is(r.cloudformation, 7200);
  assert.equal(r.apply, [7200]);
  const oidcSteps = r.steps.filter((s) => s.oidc);
  assert.ok(oidcSteps.length >= 2);
  for (const step of oidcSteps) {
    assert.is(step['max-time'], 120, 'the step ends when its session does');
    assert.ok(
      step.script.some((l) => l.includes('assume-role-with-web-identity') && l.includes(' --duration-seconds 7200 ')),
    );
  }
  assert.ok(
    r.steps.filter((s) => !s.oidc).every((s) => s['max-time'] === undefined),
    'a step without AWS keeps its time',
  );
  const readme = r.files.get('README.md')!;
  assert.match(readme, /credentials that last 2 hours/);
  assert.match(readme, /`--duration-seconds 7200`/);
  assert.match(readme, /`max-time: 120`/);
});

test("90m and 12h: the same agreement at both ends; the pipeline stays valid against Atlassian's schema", async () => {
  for (const [duration, seconds] of [
    ['90m', 5400],
    ['12h', 43200],
  ] as const) {
    const r = await renderedSessions(duration);
    assert.equal([r.terraform, r.cloudformation, ...r.apply], [seconds, seconds, seconds], duration);
    assert.ok(
      r.steps.filter((s) => s.oidc).every((s) => s['max-time'] === seconds / 60),
      duration,
    );
    if (referencePresent()) {
      const validate = pipelinesValidator();
      assert.ok(validate(parseYaml(r.files.get('bitbucket-pipelines.yml')!)), formatErrors(validate.errors));
    }
  }
});

test('an hour (the default): no tfvars entry, no --duration-seconds, and max-time 60 with either auth', async () => {
  for (const auth of ['token-file', 'assume-role'] as const) {
    const { model, files } = renderRepo(answers({ iac: 'both', auth }));
    assert.is(model.sessionSeconds, 3600);
    const tfvars = await parseHcl('terraform.tfvars', files.get('terraform/terraform.tfvars')!);
    assert.not.ok('max_session_duration' in tfvars, 'terraform.tfvars is as it was before the answer');
    const variables = variableBlocks(await parseHcl('variables.tf', files.get('terraform/variables.tf')!));
    assert.is(variables['max_session_duration']!['default'], 3600);
    const cfn = parseCloudFormation(files.get('cloudformation/oidc-role.yaml')!) as {
      Parameters: Record<string, { Default: unknown }>;
    };
    assert.is(cfn.Parameters['MaxSessionDuration']!.Default, 3600);
    for (const step of steps(files.get('bitbucket-pipelines.yml')!).filter((s) => s.oidc)) {
      assert.is(step['max-time'], 60, auth);
      assert.not.ok(
        step.script.some((l) => l.includes('--duration-seconds')),
        auth,
      );
    }
    assert.match(files.get('README.md')!, /credentials of the IAM role\n?.*that last an hour/);
  }
});

test("doctor expects the answer's session: shorter (STS refuses the step's request) and longer both fail", async () => {
  const r = await renderedSessions('2h');
  const role = r.desired.roles[0]!;
  const observed = (maxSessionDuration: number): ObservedState => ({
    caller: { account: r.desired.account, arn: 'arn:aws:iam::123456789012:user/admin' },
    provider: {
      arn: r.desired.provider.arn,
      url: r.desired.provider.url.replace('https://', ''),
      clientIds: [r.desired.provider.audience],
      thumbprints: [],
      tags: {},
    },
    roles: {
      [role.name]: {
        name: role.name,
        arn: role.arn,
        trustPolicy: role.trustPolicy,
        maxSessionDuration,
        tags: {},
        inlinePolicyNames: [role.policyName],
        permissions: role.permissions,
        attached: [],
      },
    },
  });
  const session = (seconds: number) =>
    doctorChecks(r.desired, observed(seconds)).find((c) => c.id === `role.max-session:${role.name}`)!;
  assert.is(session(7200).ok, true);
  assert.is(session(3600).ok, false);
  assert.match(session(3600).detail, /the repository sets 7200 s: STS refuses/);
  assert.is(session(10800).ok, false);
  assert.match(session(10800).fix!, /pipelines-oidc apply/);
});

test.run();
