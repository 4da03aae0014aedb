/**
 * Deployment environments: one role per environment, each trusting only the steps bound to its own
 * environment of this repository. The trust policies are judged by the independent IAM evaluator, the
 * pipeline by Atlassian's schema, and Terraform and CloudFormation are evaluated and compared with the
 * JSON files of each environment. Expected claims and ARNs are written out here from Bitbucket's and
 * AWS's documentation, not taken from src/.
 */
import fc from 'fast-check';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Answers } from '../../src/core/answers/questions.ts';
import { cfnResolver, parseCloudFormation } from '../support/cfn-resolve.ts';
import { assertOneLineError, readTree, runNew } from '../support/cli-helpers.ts';
import {
  answers,
  ENVIRONMENT_UUIDS as ENV_UUID,
  exampleFlags,
  renderRepo,
  ROOT,
  STEP_UUID as STEP,
  tempDir,
} from '../support/fixtures.ts';
import { block, evaluate, parseHcl, variableValues } from '../support/hcl-resolve.ts';
import {
  assertAllowed,
  assertDenied,
  assumeRoleWithWebIdentity,
  callAsRole,
  identityPolicy,
  trustPolicy,
  type WebIdentityRequest,
} from '../support/iam-simulator.ts';
import { formatErrors, parseYaml, pipelinesValidator, referencePresent } from '../support/schema-reference.ts';

const ENVIRONMENTS = ['test', 'staging', 'production'];
const withUuids = (names: string[]) => names.map((n) => (ENV_UUID[n] ? `${n}=${ENV_UUID[n]}` : n)).join(',');

const A = answers({ iac: 'both', environments: withUuids(ENVIRONMENTS) });
const PARTITION = 'aws';
const OTHER_REPO = '1d2c3b4a-5968-4776-8594-a3b2c1d0e9f8';

const braced = (uuid: string) => `{${uuid}}`;
const hostPath = (workspace: string) => `api.bitbucket.org/2.0/workspaces/${workspace}/pipelines-config/identity/oidc`;
const roleName = (a: Answers, env: string) => `${a.roleName}-${env}`;
const roleArn = (a: Answers, env: string) => `arn:${PARTITION}:iam::${a.account}:role/${roleName(a, env)}`;
const roleRef = (a: Answers, env: string) => ({ arn: roleArn(a, env), account: a.account });

function token(a: Answers, sub: string): WebIdentityRequest {
  return {
    providerArn: `arn:${PARTITION}:iam::${a.account}:oidc-provider/${hostPath(a.workspace)}`,
    issuerHostPath: hostPath(a.workspace),
    aud: `ari:cloud:bitbucket::workspace/${a.workspaceUuid}`,
    sub,
  };
}

function fileOf(files: Map<string, string>, path: string): string {
  const text = files.get(path);
  if (text === undefined) throw new Error(`${path} was not generated (have: ${[...files.keys()].join(', ')})`);
  return text;
}
const jsonOf = (files: Map<string, string>, path: string): unknown => JSON.parse(fileOf(files, path));

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

type Step = { name: string; deployment?: string; trigger?: string; script: string[] };
type Item = {
  step?: Step;
  stage?: { name: string; deployment?: string; trigger?: string; steps: Array<{ step: Step }> };
};

/** A bucket per environment, as the per-environment question asks. */
const siteAnswers = (environments: string[]) => ({
  siteDir: 'public',
  ...Object.fromEntries(
    environments.flatMap((e) => [
      [`siteBucket.${e}`, `${e}.example.com`],
      [`distributionId.${e}`, ''],
    ]),
  ),
});

function customPipeline(pipeline: Record<string, unknown>, name: string): Item[] {
  const items = ((pipeline['pipelines'] as Record<string, Record<string, unknown>>)['custom'] ?? {})[name];
  if (!Array.isArray(items)) throw new Error(`no custom pipeline ${name}`);
  return items as Item[];
}

/** The role ARN a step checks it signed in as (`expected_role=…`), shell quotes removed. */
function expectedRole(step: Step): string {
  const lines = step.script.filter((l) => l.startsWith('expected_role='));
  assert.is(lines.length, 1, `one expected_role line in ${step.name}`);
  return lines[0]!.slice('expected_role='.length).replace(/^'(.*)'$/, '$1');
}

// --- the IAM evaluator --------------------------------------------------------------------------

test('each environment has its own role files, and no role for the repository as a whole', () => {
  const { files } = renderRepo(A);
  for (const env of ENVIRONMENTS) {
    assert.ok(files.has(`iam/${env}/trust-policy.json`), `iam/${env}/trust-policy.json`);
    assert.ok(files.has(`iam/${env}/inline-policy.json`), `iam/${env}/inline-policy.json`);
  }
  assert.not.ok(files.has('iam/trust-policy.json'), 'no repository-wide role: it would also trust every environment');
  assert.equal([...files.keys()].filter((p) => p.startsWith('iam/')).length, 2 * ENVIRONMENTS.length);
});

test('each environment role admits the steps of its environment, and only those', () => {
  const { files } = renderRepo(A);
  const repo = braced(A.repoUuid);
  for (const env of ENVIRONMENTS) {
    const trust = trustPolicy(jsonOf(files, `iam/${env}/trust-policy.json`));
    const role = roleRef(A, env);
    const own = braced(ENV_UUID[env]!);
    assertAllowed(
      assumeRoleWithWebIdentity(trust, role, token(A, `${repo}:${own}:${STEP}`)),
      `${env}: a step of ${env}`,
    );
    fc.assert(
      fc.property(fc.uuid(), (step) =>
        assertAllowed(
          assumeRoleWithWebIdentity(trust, role, token(A, `${repo}:${own}:${braced(step)}`)),
          `${env}: step ${step}`,
        ),
      ),
      { numRuns: 50 },
    );

    const nearMisses: Array<[string, string]> = [
      ...ENVIRONMENTS.filter((e) => e !== env).map((e): [string, string] => [
        `a step of ${e}`,
        `${repo}:${braced(ENV_UUID[e]!)}:${STEP}`,
      ]),
      ['a step without a deployment environment', `${repo}:${STEP}`],
      ['the same environment UUID in another repository', `${braced(OTHER_REPO)}:${own}:${STEP}`],
      ['the environment UUID without braces', `${repo}:${ENV_UUID[env]}:${STEP}`],
      ['the environment and repository swapped', `${own}:${repo}:${STEP}`],
    ];
    for (const [label, sub] of nearMisses)
      assertDenied(assumeRoleWithWebIdentity(trust, role, token(A, sub)), `${env}: ${label}`);
    fc.assert(
      fc.property(
        fc.uuid().filter((u) => u !== ENV_UUID[env]),
        fc.uuid(),
        (other, step) =>
          assertDenied(
            assumeRoleWithWebIdentity(trust, role, token(A, `${repo}:${braced(other)}:${braced(step)}`)),
            `${env}: environment ${other}`,
          ),
      ),
      { numRuns: 100 },
    );
    // the audience is still checked
    assertDenied(
      assumeRoleWithWebIdentity(trust, role, {
        ...token(A, `${repo}:${own}:${STEP}`),
        aud: 'ari:cloud:bitbucket::workspace/2b3c4d5e-6f70-4812-9a3b-4c5d6e7f8091',
      }),
      `${env}: another workspace's audience`,
    );
  }
});

test('an environment without a UUID yet admits no token; the others are unaffected', () => {
  const a = answers({
    environments: withUuids(['test', 'staging']).replace(`staging=${ENV_UUID['staging']}`, 'staging'),
  });
  const { files } = renderRepo(a);
  const repo = braced(a.repoUuid);
  const closed = trustPolicy(jsonOf(files, 'iam/staging/trust-policy.json'));
  const role = roleRef(a, 'staging');
  const realistic: Array<[string, string]> = [
    ['a step of the environment that will be staging', `${repo}:${braced(ENV_UUID['staging']!)}:${STEP}`],
    ['a step of test', `${repo}:${braced(ENV_UUID['test']!)}:${STEP}`],
    ['a step without environment', `${repo}:${STEP}`],
    ['an empty environment segment', `${repo}:{}:${STEP}`],
  ];
  for (const [label, sub] of realistic) assertDenied(assumeRoleWithWebIdentity(closed, role, token(a, sub)), label);
  fc.assert(
    fc.property(fc.option(fc.uuid(), { nil: undefined }), fc.uuid(), (environment, step) => {
      const sub = [a.repoUuid, environment, step]
        .filter((u) => u !== undefined)
        .map((u) => braced(u!))
        .join(':');
      assertDenied(assumeRoleWithWebIdentity(closed, role, token(a, sub)), `sub ${sub}`);
    }),
    { numRuns: 150 },
  );
  const test_ = trustPolicy(jsonOf(files, 'iam/test/trust-policy.json'));
  assertAllowed(
    assumeRoleWithWebIdentity(test_, roleRef(a, 'test'), token(a, `${repo}:${braced(ENV_UUID['test']!)}:${STEP}`)),
    'test keeps working',
  );
  // control: with the UUID filled in, the same token opens the staging role
  const filled = renderRepo(answers({ environments: withUuids(['test', 'staging']) })).files;
  assertAllowed(
    assumeRoleWithWebIdentity(
      trustPolicy(jsonOf(filled, 'iam/staging/trust-policy.json')),
      role,
      token(a, realistic[0]![1]),
    ),
    'staging once its UUID is known',
  );
});

test('an environment role may read only its own role', () => {
  const { files } = renderRepo(A);
  for (const env of ENVIRONMENTS) {
    const inline = identityPolicy(jsonOf(files, `iam/${env}/inline-policy.json`));
    const session = `arn:${PARTITION}:sts::${A.account}:assumed-role/${roleName(A, env)}/bitbucket-pipelines-7`;
    assertAllowed(callAsRole(inline, session, 'iam:GetRole', roleRef(A, env)), `${env} reads itself`);
    for (const other of ENVIRONMENTS.filter((e) => e !== env))
      assertDenied(callAsRole(inline, session, 'iam:GetRole', roleRef(A, other)), `${env} reads ${other}`);
    assertDenied(
      callAsRole(inline, session, 'iam:GetRole', {
        arn: `arn:${PARTITION}:iam::${A.account}:role/${A.roleName}`,
        account: A.account,
      }),
      `${env} reads the base name`,
    );
  }
});

// --- the pipeline -------------------------------------------------------------------------------

function schemaCheck(pipeline: Record<string, unknown>): void {
  if (!referencePresent()) return;
  const validate = pipelinesValidator();
  assert.ok(validate(pipeline), `schema errors:\n${formatErrors(validate.errors)}`);
}

test('the pipeline has one deployment step per environment, in order, each checking its own role', () => {
  const pipeline = parseYaml(fileOf(renderRepo(A).files, 'bitbucket-pipelines.yml'));
  schemaCheck(pipeline);
  const items = customPipeline(pipeline, 'test-aws-oidc');
  assert.equal(
    items.map((i) => i.step?.deployment),
    ENVIRONMENTS,
  );
  for (const item of items) {
    const step = item.step!;
    assert.is(expectedRole(step), roleArn(A, step.deployment!), `${step.name} checks the ${step.deployment} role`);
    assert.is(step.trigger, step.deployment === 'production' ? 'manual' : undefined, `${step.deployment} trigger`);
  }
});

test('production always waits for a click; an automatic first step comes before it when it would lead', () => {
  const pipelineOf = (environments: string) =>
    parseYaml(fileOf(renderRepo(answers({ environments })).files, 'bitbucket-pipelines.yml'));
  const first = pipelineOf(withUuids(['production', 'test']));
  schemaCheck(first);
  const items = customPipeline(first, 'test-aws-oidc');
  assert.equal(
    items.map((i) => [i.step?.deployment, i.step?.trigger]),
    [
      ['test', undefined],
      ['production', 'manual'],
    ],
    'stages in the order of the environment types, not of the flags',
  );

  const one = pipelineOf('production');
  schemaCheck(one);
  const alone = customPipeline(one, 'test-aws-oidc');
  assert.is(alone.length, 2, 'production alone: an automatic step first');
  assert.is(alone[0]!.step!.deployment, undefined);
  assert.is(alone[0]!.step!.trigger, undefined);
  assert.not.ok(alone[0]!.step!.script.join('\n').includes('aws '), 'the first step calls no AWS API');
  assert.equal([alone[1]!.step!.deployment, alone[1]!.step!.trigger], ['production', 'manual']);

  const typed = customPipeline(pipelineOf('qa,live,release:production,prod'), 'test-aws-oidc');
  assert.equal(
    typed.map((i) => [i.step?.deployment, i.step?.trigger]),
    [
      ['qa', undefined],
      ['live', 'manual'],
      ['prod', 'manual'],
      ['release', 'manual'],
    ],
    'a name says its type (live, prod) or :type does; every production environment is manual',
  );
});

test('every order of --environment gives the same pipeline, each environment once, valid by the schema', () => {
  const names = ['test', 'staging', 'production'];
  const orders = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
  ].map((o) => o.map((i) => names[i]!));
  const rendered = orders.map((order) =>
    fileOf(
      renderRepo(
        answers({
          target: 'sts-check,s3-static-site',
          environments: withUuids(order),
          targetAnswers: siteAnswers(order),
        }),
      ).files,
      'bitbucket-pipelines.yml',
    ),
  );
  for (const text of rendered) assert.is(text, rendered[0]);
  const pipeline = parseYaml(rendered[0]!);
  schemaCheck(pipeline);
  const groups = pipeline['pipelines'] as Record<string, Record<string, Item[]>>;
  for (const group of Object.values(groups)) {
    for (const items of Object.values(group)) {
      const used = items.map((i) => i.step?.deployment ?? i.stage?.deployment).filter(Boolean);
      assert.equal(used, [...new Set(used)], 'no environment twice in a pipeline');
      assert.equal(used, names);
    }
  }
});

if (referencePresent()) {
  test('negative control: the schema refuses a step with an invalid trigger', () => {
    const pipeline = parseYaml(fileOf(renderRepo(A).files, 'bitbucket-pipelines.yml'));
    customPipeline(pipeline, 'test-aws-oidc')[2]!.step!.trigger = 'sometimes';
    assert.not.ok(pipelinesValidator()(pipeline));
  });
} else {
  console.log('note: ../shared/reference is absent beside the project; the pipeline schema checks are skipped');
}

// --- Terraform and CloudFormation ---------------------------------------------------------------

async function terraformRoles(files: Map<string, string>, a: Answers) {
  const main = await parseHcl('main.tf', fileOf(files, 'terraform/main.tf'));
  const variables = await parseHcl('variables.tf', fileOf(files, 'terraform/variables.tf'));
  const tfvars = await parseHcl('terraform.tfvars', fileOf(files, 'terraform/terraform.tfvars'));
  const ctx = { variables: variableValues(variables, tfvars), locals: block(main, 'locals'), partition: PARTITION };
  const resources = main['resource'] as Record<string, Record<string, unknown>>;
  const labels = Object.keys(resources['aws_iam_role'] ?? {});
  return labels.map((label) => {
    const role = block(main, 'resource', 'aws_iam_role', label);
    const policy = block(main, 'resource', 'aws_iam_role_policy', label);
    return {
      label,
      name: evaluate(role['name'], ctx) as string,
      trust: JSON.parse(evaluate(role['assume_role_policy'], ctx) as string) as unknown,
      inline: JSON.parse(evaluate(policy['policy'], ctx) as string) as unknown,
      attachedTo: policy['role'],
      account: a.account,
    };
  });
}

test('Terraform declares one role per environment, each evaluating to its JSON files', async () => {
  const a = answers({
    iac: 'terraform',
    environments: withUuids(['test', 'staging', 'production']).replace(`staging=${ENV_UUID['staging']}`, 'staging'),
  });
  const { files } = renderRepo(a);
  const roles = await terraformRoles(files, a);
  assert.equal(roles.map((r) => r.name).sort(), ENVIRONMENTS.map((e) => roleName(a, e)).sort());
  for (const env of ENVIRONMENTS) {
    const r = roles.find((x) => x.name === roleName(a, env))!;
    assert.equal(r.trust, jsonOf(files, `iam/${env}/trust-policy.json`), `${env} trust policy`);
    assert.equal(r.inline, jsonOf(files, `iam/${env}/inline-policy.json`), `${env} inline policy`);
    assert.is(r.attachedTo, `\${aws_iam_role.${r.label}.id}`, `${env} policy attached to its role`);
  }
  assert.not.ok(files.has('cloudformation/oidc-role.yaml'));
});

test('CloudFormation declares one role per environment, each evaluating to its JSON files', () => {
  const a = answers({
    iac: 'cloudformation',
    environments: withUuids(['test', 'staging', 'production']).replace(`staging=${ENV_UUID['staging']}`, 'staging'),
  });
  const { files } = renderRepo(a);
  const template = parseCloudFormation(fileOf(files, 'cloudformation/oidc-role.yaml'));
  const cfn = cfnResolver(template, { accountId: a.account, partition: PARTITION, region: a.region });
  const resources = template['Resources'] as Record<string, { Type: string; Properties: unknown }>;
  const roles = Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Role')
    .map(
      (r) =>
        cfn.value(r.Properties) as {
          RoleName: string;
          AssumeRolePolicyDocument: unknown;
          Policies: Array<{ PolicyDocument: unknown }>;
        },
    );
  assert.equal(roles.map((r) => r.RoleName).sort(), ENVIRONMENTS.map((e) => roleName(a, e)).sort());
  for (const env of ENVIRONMENTS) {
    const r = roles.find((x) => x.RoleName === roleName(a, env))!;
    assert.equal(r.AssumeRolePolicyDocument, jsonOf(files, `iam/${env}/trust-policy.json`), `${env} trust policy`);
    assert.is(r.Policies.length, 1);
    assert.equal(r.Policies[0]!.PolicyDocument, jsonOf(files, `iam/${env}/inline-policy.json`), `${env} inline policy`);
  }
  // the placeholder is refused by the parameter's own pattern, like the repository placeholder
  const parameters = template['Parameters'] as Record<string, { Default: string; AllowedPattern: string }>;
  const staging = Object.values(parameters).filter((p) => p.Default === 'ENVIRONMENT-UUID-NOT-SET');
  assert.is(staging.length, 1, 'one parameter holds the placeholder');
  assert.not.ok(new RegExp(staging[0]!.AllowedPattern).test(staging[0]!.Default));
  assert.not.ok(files.has('terraform/main.tf'));
});

// --- several targets (a target from a gallery folder, through the CLI) -----------------------------

test('several targets: one role per environment with merged statements, a stage per environment', () => {
  const tmp = tempDir();
  try {
    const r = runNew(
      [
        ...exampleFlags({ target: 'sts-check,sns-notify', iac: 'both' }),
        '--gallery',
        join(ROOT, 'test/fixtures/gallery-ok'),
        '--topic-name',
        'deploy-events',
        '--environment',
        `test=${ENV_UUID['test']}`,
        '--environment',
        `production=${ENV_UUID['production']}`,
        '--dir',
        'out',
        '--no-git',
        '--yes',
      ],
      tmp.path,
    );
    assert.is(r.status, 0, r.stderr);
    const files = readTree(join(tmp.path, 'out'));
    const a = answers();
    for (const env of ['test', 'production']) {
      const inline = identityPolicy(jsonOf(files, `iam/${env}/inline-policy.json`));
      const session = `arn:${PARTITION}:sts::${a.account}:assumed-role/${roleName(a, env)}/s`;
      const topic = (name: string) => ({
        arn: `arn:${PARTITION}:sns:${a.region}:${a.account}:${name}`,
        account: a.account,
      });
      assertAllowed(callAsRole(inline, session, 'iam:GetRole', roleRef(a, env)), `${env}: sts-check's statement`);
      assertAllowed(
        callAsRole(inline, session, 'sns:Publish', topic('deploy-events')),
        `${env}: sns-notify's statement`,
      );
      assertDenied(callAsRole(inline, session, 'sns:Publish', topic('other-topic')), `${env}: another topic`);
      assertDenied(
        callAsRole(inline, session, 'kms:Decrypt', {
          arn: `arn:${PARTITION}:kms:${a.region}:${a.account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
          account: a.account,
        }),
        `${env}: the optional statement is left out`,
      );
    }
    assert.not.ok(existsSync(join(tmp.path, 'out/iam/trust-policy.json')));

    const pipeline = parseYaml(fileOf(files, 'bitbucket-pipelines.yml'));
    schemaCheck(pipeline);
    const items = customPipeline(pipeline, 'test-aws-oidc');
    assert.equal(
      items.map((i) => i.stage?.deployment),
      ['test', 'production'],
      'one stage per environment: each environment once per pipeline',
    );
    assert.equal(
      items.map((i) => i.stage?.trigger),
      [undefined, 'manual'],
    );
    for (const item of items) {
      const stage = item.stage!;
      assert.is(stage.steps.length, 2, `${stage.name}: one step per target`);
      for (const { step } of stage.steps) {
        assert.is(step.deployment, undefined, 'the stage, not its steps, names the environment');
        assert.is(expectedRole(step), roleArn(a, stage.deployment!), `${step.name}`);
      }
      assert.ok(
        stage.steps[1]!.step.script.some((l) => l.includes(`arn:aws:sns:${a.region}:${a.account}:deploy-events`)),
        'sns-notify runs in the stage',
      );
    }
  } finally {
    tmp.cleanup();
  }
});

// --- refusals -----------------------------------------------------------------------------------

test('a role name that the environment suffix makes longer than 64 characters is refused, naming --role-name', () => {
  const tmp = tempDir();
  try {
    const at64 = 'r'.repeat(64 - '-production'.length);
    const fits = runNew(
      [...exampleFlags({ roleName: at64 }), '--environment', 'production', '--dry-run', '--yes', '--no-git'],
      tmp.path,
    );
    assert.is(fits.status, 0, `exactly 64 characters is fine: ${fits.stderr}`);
    const over = runNew(
      [
        ...exampleFlags({ roleName: `${at64}x` }),
        '--environment',
        'test',
        '--environment',
        'production',
        '--dir',
        'out',
        '--no-git',
        '--yes',
      ],
      tmp.path,
    );
    assertOneLineError(over, 2, ['--role-name', 'production']);
    // the default role name counts too: bitbucket-<62-character slug> plus -production
    const slug = `a${'b'.repeat(61)}`;
    const withoutRoleName = exampleFlags({ name: slug }).filter(
      (arg, i, all) => arg !== '--role-name' && all[i - 1] !== '--role-name',
    );
    assert.ok(withoutRoleName.length > 0 && !withoutRoleName.includes('--role-name'));
    const derived = runNew(
      [...withoutRoleName, '--environment', 'production', '--dir', 'out', '--no-git', '--yes'],
      tmp.path,
    );
    assertOneLineError(derived, 2, ['--role-name']);
    assert.not.ok(existsSync(join(tmp.path, 'out')), 'nothing written');
  } finally {
    tmp.cleanup();
  }
});

test('invalid --environment values are refused with exit 2, naming --environment', () => {
  const tmp = tempDir();
  try {
    const invalid = [
      '1test',
      'test_env',
      'test-',
      'a--b',
      'test=not-a-uuid',
      'test={1a2b3c4d-0001-4a00-8000-00000000000a',
      'test=1a2b3c4d-0001-4a00-8000-00000000000a=x',
      'x'.repeat(31),
      'test,test',
      'test=1a2b3c4d-0001-4a00-8000-00000000000a,test',
      'pre-1,pre1', // would share Terraform and CloudFormation names
    ];
    for (const value of invalid) {
      const r = runNew([...exampleFlags(), '--environment', value, '--dir', 'out', '--no-git', '--yes'], tmp.path);
      assertOneLineError(r, 2, ['--environment']);
      assert.not.ok(existsSync(join(tmp.path, 'out')), `nothing written for ${value}`);
    }
    // and the edges that are fine
    // Bitbucket shows names capitalised (Production): taken in lowercase, as deployment: matches them
    for (const value of [
      'x'.repeat(30),
      'pre-prod',
      'eu-1',
      'Production',
      'test={1A2B3C4D-0001-4A00-8000-00000000000A}',
    ]) {
      const r = runNew([...exampleFlags(), '--environment', value, '--dry-run', '--yes', '--no-git'], tmp.path);
      assert.is(r.status, 0, `${value}: ${r.stderr}`);
    }
  } finally {
    tmp.cleanup();
  }
});

test.run();
