/**
 * The generated files against schemas nobody on this project wrote: Atlassian's schema of
 * bitbucket-pipelines.yml and the CloudFormation registry schemas of AWS::IAM::Role and
 * AWS::IAM::OIDCProvider, read from ../shared/reference (skipped with a note when it is absent).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AUTH_CHOICES, IAC_CHOICES, type Answers } from '../../src/core/answers/questions.ts';
import { BUILT_IN_TARGETS } from '../../src/core/targets/registry.ts';
import { parseCloudFormation } from '../support/cfn-resolve.ts';
import { answers, renderRepo, targetExamples, withStages } from '../support/fixtures.ts';
import { decidableErrors, propertyVariants, type Parameter } from '../support/schema-cfn.ts';
import {
  formatErrors,
  parseYaml,
  pipelinesValidator,
  referencePresent,
  registrySchema,
} from '../support/schema-reference.ts';

/** Step keys Bitbucket documents; the schema lets any other key through, so a typo would pass it. */
const STEP_KEYS = new Set([
  'name',
  'script',
  'oidc',
  'image',
  'caches',
  'services',
  'deployment',
  'trigger',
  'size',
  'artifacts',
  'after-script',
  'max-time',
  'clone',
  'runs-on',
  'runtime',
  'condition',
  'fail-fast',
]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function file(a: Answers, path: string): string {
  const text = renderRepo(a).files.get(path);
  if (text === undefined) throw new Error(`${path} was not generated`);
  return text;
}

/** Every `step:` mapping anywhere in a pipeline (plain, parallel, stages), with where it is. */
function steps(v: unknown, path = ''): Array<{ path: string; step: Record<string, unknown> }> {
  if (Array.isArray(v)) return v.flatMap((x, i) => steps(x, `${path}/${i}`));
  if (!isObject(v)) return [];
  return Object.entries(v).flatMap(([k, x]) => [
    ...(k === 'step' && isObject(x) ? [{ path: `${path}/step`, step: x }] : []),
    ...steps(x, `${path}/${k}`),
  ]);
}

/** What the project itself demands of a step beyond the schema: known keys and a script. */
function stepProblems(pipeline: unknown): string[] {
  return steps(pipeline).flatMap(({ path, step }) => [
    ...Object.keys(step)
      .filter((k) => !STEP_KEYS.has(k))
      .map((k) => `${path}: unknown key ${JSON.stringify(k)}`),
    ...(Array.isArray(step['script']) && step['script'].length > 0 ? [] : [`${path}: no script`]),
  ]);
}

type Template = {
  Parameters: Record<string, Parameter & { AllowedValues?: unknown[] }>;
  Resources: Record<string, { Type: string; Properties?: unknown }>;
};

const cloudFormation = (a: Answers) => parseCloudFormation(file(a, 'cloudformation/oidc-role.yaml')) as Template;

/** Registry-schema errors of one resource, for every variant of its Properties (empty: valid). */
function resourceProblems(
  resource: { Type: string; Properties?: unknown },
  parameters: Template['Parameters'],
): string[] {
  const schema = registrySchema(resource.Type);
  if (!schema) return [`no registry schema on file for ${resource.Type}`];
  return propertyVariants(resource.Properties, parameters).flatMap((properties) => {
    const readOnly = schema.readOnly.filter((p) => p in properties).map((p) => `sets the read-only property ${p}`);
    schema.validate(properties);
    const errors = decidableErrors(schema.validate.errors, properties);
    return [...readOnly, ...(errors.length ? [`${JSON.stringify(properties)}\n${formatErrors(errors)}`] : [])];
  });
}

/** A parameter's Default, judged as CloudFormation judges a value given for the parameter. */
function defaultProblems(name: string, p: Template['Parameters'][string]): string[] {
  const value = p.Default;
  const problems: string[] = [];
  if (p.AllowedPattern !== undefined && !new RegExp(p.AllowedPattern, 'u').test(String(value)))
    problems.push(`${name}: ${JSON.stringify(value)} does not match ${p.AllowedPattern}`);
  if (p.AllowedValues && !p.AllowedValues.map(String).includes(String(value)))
    problems.push(`${name}: ${JSON.stringify(value)} is not one of ${JSON.stringify(p.AllowedValues)}`);
  if (
    p.Type === 'Number' &&
    !(Number(value) >= Number(p.MinValue ?? -Infinity) && Number(value) <= Number(p.MaxValue ?? Infinity))
  ) {
    problems.push(`${name}: ${JSON.stringify(value)} is outside ${String(p.MinValue)}..${String(p.MaxValue)}`);
  }
  return problems;
}

const CFN_SETS: Array<{ label: string; answers: Answers }> = [
  { label: 'example', answers: answers({ iac: 'cloudformation' }) },
  { label: 'no repository UUID, assume-role', answers: answers({ iac: 'both', auth: 'assume-role', repoUuid: '' }) },
  {
    label: 'cn-north-1, every role-name character',
    answers: answers({ iac: 'cloudformation', region: 'cn-north-1', roleName: 'ci+deploy=role,x.y@z_w-1' }),
  },
  {
    label: 'longest workspace slug and role name',
    answers: answers({ iac: 'cloudformation', workspace: `w${'-x'.repeat(30)}9`, roleName: 'r'.repeat(64) }),
  },
];

function register(): void {
  const validatePipeline = pipelinesValidator();

  // every target of the gallery, alone and all together, without and with deployment environments
  const everyTarget = BUILT_IN_TARGETS.map((t) => t.id).join(',');
  for (const target of [...BUILT_IN_TARGETS.map((t) => t.id), everyTarget]) {
    for (const environments of [
      '',
      'test=1a2b3c4d-0001-4a00-8000-00000000000a,production=1a2b3c4d-0003-4c00-a000-00000000000c',
    ]) {
      test(`bitbucket-pipelines.yml (--target ${target}${environments ? ', two environments' : ''}) validates against Atlassian's schema`, () => {
        const pipeline = parseYaml(
          file(
            answers({
              target: withStages(target, environments),
              environments,
              targetAnswers: targetExamples(environments),
            }),
            'bitbucket-pipelines.yml',
          ),
        );
        assert.ok(validatePipeline(pipeline), `schema errors:\n${formatErrors(validatePipeline.errors)}`);
        assert.equal(stepProblems(pipeline), []);
        // the one step without a token is the automatic step before a gated first production step
        const callsAws = (step: Record<string, unknown>) => JSON.stringify(step['script']).includes('aws ');
        assert.ok(
          steps(pipeline).every(({ step }) => step['oidc'] === true || (!callsAws(step) && !step['deployment'])),
          'every step that calls AWS has oidc: true',
        );
      });
    }
  }

  for (const auth of AUTH_CHOICES) {
    for (const iac of IAC_CHOICES) {
      test(`bitbucket-pipelines.yml (--auth ${auth} --iac ${iac}) validates against Atlassian's schema`, () => {
        const pipeline = parseYaml(file(answers({ auth, iac }), 'bitbucket-pipelines.yml'));
        assert.ok(validatePipeline(pipeline), `schema errors:\n${formatErrors(validatePipeline.errors)}`);
        const found = steps(pipeline);
        assert.ok(found.length > 0, 'the pipeline has steps');
        assert.equal(stepProblems(pipeline), []);
        assert.ok(
          found.some(({ step }) => step['oidc'] === true),
          'a step has oidc: true',
        );
      });
    }
  }

  test('negative control: broken pipelines are rejected', () => {
    const pipeline = parseYaml(file(answers(), 'bitbucket-pipelines.yml'));
    const broken = (change: (step: Record<string, unknown>) => void) => {
      const copy = structuredClone(pipeline);
      change(steps(copy)[0]!.step);
      return copy;
    };
    for (const [label, change] of [
      ['oidc: "yes"', (s: Record<string, unknown>) => (s['oidc'] = 'yes')],
      ['script as a string', (s: Record<string, unknown>) => (s['script'] = 'aws sts get-caller-identity')],
      ['empty script', (s: Record<string, unknown>) => (s['script'] = [])],
    ] as const) {
      assert.not.ok(validatePipeline(broken(change)), `the schema rejects ${label}`);
    }
    // what the schema lets through, the project's own checks catch
    const typo = broken((s) => (s['scriptz'] = s['script']));
    assert.ok(validatePipeline(typo), 'the schema allows unknown step keys');
    assert.equal(stepProblems(typo), ['/pipelines/custom/test-aws-oidc/0/step: unknown key "scriptz"']);
    const noScript = broken((s) => delete s['script']);
    assert.ok(validatePipeline(noScript), 'the schema allows a step without script');
    assert.equal(stepProblems(noScript), ['/pipelines/custom/test-aws-oidc/0/step: no script']);
  });

  for (const set of CFN_SETS) {
    test(`CloudFormation (${set.label}): every resource validates against its registry schema`, () => {
      const template = cloudFormation(set.answers);
      const resources = Object.values(template.Resources);
      assert.equal(resources.map((r) => r.Type).sort(), ['AWS::IAM::OIDCProvider', 'AWS::IAM::Role']);
      assert.equal(
        resources.flatMap((r) => resourceProblems(r, template.Parameters)),
        [],
      );
    });

    test(`CloudFormation (${set.label}): parameter defaults satisfy their constraints`, () => {
      const { Parameters: parameters } = cloudFormation(set.answers);
      const problems = Object.entries(parameters).flatMap(([name, p]) => defaultProblems(name, p));
      if (set.answers.repoUuid) assert.equal(problems, []);
      else
        assert.equal(
          problems.map((p) => p.split(':')[0]),
          ['RepositoryUuid'],
          `only the missing repository UUID fails (closed): ${problems.join('; ')}`,
        );
      assert.ok(Object.values(parameters).filter((p) => p.AllowedPattern).length >= 4, 'patterns were checked');
    });
  }

  test('the trust policy fits AssumeRolePolicyDocument when passed as a string', () => {
    const longest = CFN_SETS[3]!.answers;
    const template = cloudFormation(longest);
    const role = Object.values(template.Resources).find((r) => r.Type === 'AWS::IAM::Role')!;
    const trust = JSON.stringify(JSON.parse(file(longest, 'iam/trust-policy.json')));
    const properties = { ...(role.Properties as Record<string, unknown>), AssumeRolePolicyDocument: trust };
    assert.equal(resourceProblems({ Type: role.Type, Properties: properties }, template.Parameters), []);
  });

  test('negative control: the registry schemas reject broken resources', () => {
    const template = cloudFormation(answers({ iac: 'cloudformation' }));
    const entries = Object.values(template.Resources);
    const of = (type: string) =>
      structuredClone(entries.find((r) => r.Type === type)!) as { Type: string; Properties: Record<string, unknown> };
    const rejected = (
      resource: { Type: string; Properties: Record<string, unknown> },
      parameters = template.Parameters,
    ) => resourceProblems(resource, parameters).length > 0;

    const role = of('AWS::IAM::Role');
    assert.not.ok(rejected(role), 'the generated role passes');
    assert.ok(rejected({ ...role, Properties: { ...role.Properties, RoleNam: 'typo' } }), 'unknown property');
    assert.ok(
      rejected({ ...role, Properties: { ...role.Properties, MaxSessionDuration: 100 } }),
      'MaxSessionDuration 100',
    );
    assert.ok(
      rejected(role, {
        ...template.Parameters,
        MaxSessionDuration: { ...template.Parameters['MaxSessionDuration']!, MaxValue: 86400 },
      }),
      'a parameter range wider than the schema',
    );
    assert.ok(
      rejected({ ...role, Properties: { ...role.Properties, Policies: { 'Fn::Sub': 'x' } } }),
      'a string where a list is needed',
    );
    assert.ok(rejected({ ...role, Properties: { ...role.Properties, RoleId: 'AROAEXAMPLE' } }), 'a read-only property');
    assert.ok(
      rejected({ ...role, Properties: { ...role.Properties, AssumeRolePolicyDocument: 'x'.repeat(2049) } }),
      'a trust policy string over 2048 characters',
    );
    assert.ok(
      rejected(role, {
        ...template.Parameters,
        RoleName: { ...template.Parameters['RoleName']!, Default: 'r'.repeat(65), AllowedPattern: '^.+$' },
      }),
      'a role name over 64 characters',
    );
    const { AssumeRolePolicyDocument: _trust, ...withoutTrust } = role.Properties;
    assert.ok(rejected({ ...role, Properties: withoutTrust }), 'no trust policy');

    const provider = of('AWS::IAM::OIDCProvider');
    assert.not.ok(rejected(provider), 'the generated provider passes');
    assert.ok(
      rejected({ ...provider, Properties: { ...provider.Properties, ThumbprintList: ['abc'] } }),
      'a short thumbprint',
    );
    assert.ok(
      rejected({ ...provider, Properties: { ...provider.Properties, ThumbprintList: Array(6).fill('a'.repeat(40)) } }),
      'six thumbprints',
    );
    assert.ok(rejected({ Type: 'AWS::IAM::User', Properties: {} }), 'a resource type without a schema on file');

    const uuid = template.Parameters['RepositoryUuid']!;
    assert.equal(defaultProblems('RepositoryUuid', uuid), []);
    assert.equal(
      defaultProblems('RepositoryUuid', { ...uuid, Default: `{${String(uuid.Default)}}` }).length,
      1,
      'braces are refused',
    );
  });
}

if (referencePresent()) register();
else {
  console.log('note: ../shared/reference is absent beside the project; the reference-schema tests are skipped');
  test.skip('reference schemas (../shared/reference is absent)', () => {});
}

test.run();
