/**
 * One policy definition, three renderings: the IAM JSON files, Terraform and CloudFormation. Each
 * rendering is parsed by a real parser (hcl2json, yaml) and evaluated as Terraform / CloudFormation
 * would, then compared with the JSON files, for several answer sets.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Answers } from '../../src/core/answers/questions.ts';
import { cfnResolver, parseCloudFormation } from '../support/cfn-resolve.ts';
import { globRegExp } from '../support/glob.ts';
import { answers, renderRepo } from '../support/fixtures.ts';
import {
  block,
  evaluate,
  parseHcl,
  parseHcl2JsonString,
  variableBlocks,
  variableReferences,
  variableValues,
  type HclContext,
} from '../support/hcl-resolve.ts';

interface AnswerSet {
  label: string;
  answers: Answers;
  /** The AWS partition of the region, from AWS's partition list (not from our code). */
  partition: string;
}

const SETS: AnswerSet[] = [
  { label: 'example (both, token-file)', answers: answers({ iac: 'both', auth: 'token-file' }), partition: 'aws' },
  {
    label: 'both, assume-role, no repository UUID',
    answers: answers({ iac: 'both', auth: 'assume-role', repoUuid: '' }),
    partition: 'aws',
  },
  { label: 'both, cn-north-1', answers: answers({ iac: 'both', region: 'cn-north-1' }), partition: 'aws-cn' },
  {
    label: 'both, us-gov-west-1, no repository UUID',
    answers: answers({ iac: 'both', auth: 'assume-role', region: 'us-gov-west-1', repoUuid: '' }),
    partition: 'aws-us-gov',
  },
  {
    label: 'terraform, eu-isoe-west-1',
    answers: answers({ iac: 'terraform', region: 'eu-isoe-west-1' }),
    partition: 'aws-iso-e',
  },
  {
    label: 'cloudformation, every role-name character',
    answers: answers({
      iac: 'cloudformation',
      auth: 'assume-role',
      name: 'web.app_2',
      workspace: 'acme_team-2',
      roleName: 'ci+deploy=role,x.y@z_w-1',
      region: 'us-east-1',
    }),
    partition: 'aws',
  },
];

const hostPath = (workspace: string) => `api.bitbucket.org/2.0/workspaces/${workspace}/pipelines-config/identity/oidc`;
const hasTerraform = (a: Answers) => a.iac === 'terraform' || a.iac === 'both';
const hasCloudFormation = (a: Answers) => a.iac === 'cloudformation' || a.iac === 'both';

function file(files: Map<string, string>, path: string): string {
  const text = files.get(path);
  if (text === undefined) throw new Error(`${path} was not generated`);
  return text;
}

type Policy = {
  Statement: Array<{
    Principal: { Federated: string };
    Condition: Record<string, Record<string, string>>;
    Resource: string;
  }>;
};

function jsonFiles(files: Map<string, string>) {
  return {
    trust: JSON.parse(file(files, 'iam/trust-policy.json')) as Policy,
    inline: JSON.parse(file(files, 'iam/inline-policy.json')) as Policy,
  };
}

/** IAM `StringLike`: `*` any run, `?` one character. */
const globMatches = (pattern: string, s: string) => globRegExp(pattern, 's').test(s);

const undeclared = (refs: Iterable<string>, declared: Record<string, unknown>) =>
  [...refs].filter((r) => !(r in declared));

async function terraform(files: Map<string, string>, set: AnswerSet) {
  const parsed = async (name: string) => parseHcl(name, file(files, `terraform/${name}`));
  const tf = {
    versions: await parsed('versions.tf'),
    variables: await parsed('variables.tf'),
    main: await parsed('main.tf'),
    outputs: await parsed('outputs.tf'),
    tfvars: await parsed('terraform.tfvars'),
  };
  const ctx: HclContext = {
    variables: variableValues(tf.variables, tf.tfvars),
    locals: block(tf.main, 'locals'),
    partition: set.partition,
  };
  return { tf, ctx };
}

/** The trust policy of the template's PipelineRole, as CloudFormation resolves it for the set's account and region. */
function cfnTrust(yaml: string, set: AnswerSet): unknown {
  const template = parseCloudFormation(yaml);
  const cfn = cfnResolver(template, {
    accountId: set.answers.account,
    partition: set.partition,
    region: set.answers.region,
  });
  return (cfn.value(template['Resources']) as Record<string, { Properties: Record<string, unknown> }>)['PipelineRole']!
    .Properties['AssumeRolePolicyDocument'];
}

/** The one resource of a type: its label and body. */
function onlyResource(main: Record<string, unknown>, type: string): [string, Record<string, unknown>] {
  const labels = Object.keys((main['resource'] as Record<string, Record<string, unknown>>)[type] ?? {});
  assert.is(labels.length, 1, `one ${type}`);
  return [labels[0]!, block(main, 'resource', type, labels[0]!)];
}

for (const set of SETS) {
  const a = set.answers;

  test(`${set.label}: the JSON files state the facts`, () => {
    const { files } = renderRepo(a);
    const { trust, inline } = jsonFiles(files);
    const statement = trust.Statement[0]!;
    assert.is(trust.Statement.length, 1);
    assert.is(
      statement.Principal.Federated,
      `arn:${set.partition}:iam::${a.account}:oidc-provider/${hostPath(a.workspace)}`,
    );
    assert.equal(statement.Condition['StringEquals'], {
      [`${hostPath(a.workspace)}:aud`]: `ari:cloud:bitbucket::workspace/${a.workspaceUuid}`,
    });
    const sub = statement.Condition['StringLike']?.[`${hostPath(a.workspace)}:sub`] ?? '';
    const otherRepo = '{11111111-2222-4333-8444-555555555555}:{66666666-7777-4888-8999-aaaaaaaaaaaa}';
    assert.not.ok(globMatches(sub, otherRepo), 'another repository never matches');
    if (a.repoUuid) {
      assert.ok(
        globMatches(sub, `{${a.repoUuid}}:{66666666-7777-4888-8999-aaaaaaaaaaaa}`),
        'a step of this repository matches',
      );
      assert.ok(
        globMatches(
          sub,
          `{${a.repoUuid}}:{77777777-7777-4888-8999-aaaaaaaaaaaa}:{66666666-7777-4888-8999-aaaaaaaaaaaa}`,
        ),
        'a deployment step matches',
      );
    } else {
      assert.not.ok(
        /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.test(sub),
        'no UUID-shaped repository: fail closed',
      );
    }
    assert.is(inline.Statement[0]!.Resource, `arn:${set.partition}:iam::${a.account}:role/${a.roleName}`);
    const manifest = JSON.parse(file(files, '.pipelines-oidc.json')) as { answers: unknown };
    // a session at the default (an hour) is not recorded: manifests from before the answer read the same
    const { sessionDuration, ...recorded } = a;
    assert.equal(manifest.answers, sessionDuration === '1h' ? recorded : a);
  });

  if (hasTerraform(a)) {
    test(`${set.label}: Terraform evaluates to the JSON policies`, async () => {
      const { files } = renderRepo(a);
      const { trust, inline } = jsonFiles(files);
      const { tf, ctx } = await terraform(files, set);

      const [roleLabel, role] = onlyResource(tf.main, 'aws_iam_role');
      assert.equal(JSON.parse(evaluate(role['assume_role_policy'], ctx) as string), trust);
      assert.is(evaluate(role['name'], ctx), a.roleName);
      const [, rolePolicy] = onlyResource(tf.main, 'aws_iam_role_policy');
      assert.equal(JSON.parse(evaluate(rolePolicy['policy'], ctx) as string), inline);
      assert.is(rolePolicy['role'], `\${aws_iam_role.${roleLabel}.id}`);

      const [, provider] = onlyResource(tf.main, 'aws_iam_openid_connect_provider');
      assert.is(evaluate(provider['url'], ctx), `https://${hostPath(a.workspace)}`);
      assert.equal(evaluate(provider['client_id_list'], ctx), [`ari:cloud:bitbucket::workspace/${a.workspaceUuid}`]);
      assert.is(evaluate(provider['count'], ctx), 1, 'tfvars create the provider');
      assert.is(evaluate(provider['thumbprint_list'], ctx), null, 'no thumbprint by default');

      const federated = trust.Statement[0]!.Principal.Federated;
      assert.is(evaluate(block(tf.outputs, 'output', 'oidc_provider_arn')['value'], ctx), federated);
      assert.is(evaluate(block(tf.versions, 'provider', 'aws')['region'], ctx), a.region);
    });

    test(`${set.label}: Terraform variables are declared, set and valid`, async () => {
      const { files } = renderRepo(a);
      const { tf, ctx } = await terraform(files, set);
      const declared = variableBlocks(tf.variables);
      const refs = new Set([
        ...variableReferences(tf.main),
        ...variableReferences(tf.outputs),
        ...variableReferences(tf.versions),
      ]);
      assert.ok(refs.has('repository_uuid') && refs.has('role_name'), 'references are found');
      assert.equal(undeclared(refs, declared), []);
      assert.equal(undeclared(Object.keys(tf.tfvars), declared), []);
      assert.equal(Object.keys(tf.tfvars).sort(), [
        'account_id',
        'aws_region',
        'create_oidc_provider',
        'repository_uuid',
        'role_name',
        'workspace',
        'workspace_uuid',
      ]);

      const checked: string[] = [];
      for (const [name, body] of Object.entries(declared)) {
        for (const validation of (body['validation'] as Array<Record<string, unknown>> | undefined) ?? []) {
          const condition = validation['condition'] as string;
          const ok = evaluate(condition, ctx);
          if (name === 'repository_uuid' && !a.repoUuid)
            assert.is(ok, false, 'the placeholder repository UUID is refused (fail closed)');
          else assert.is(ok, true, `${name} = ${JSON.stringify(ctx.variables[name])} passes ${condition}`);
          checked.push(name);
        }
      }
      // the six answers are each checked by can(regex("<pattern>", var.<name>))
      for (const name of ['aws_region', 'account_id', 'workspace', 'workspace_uuid', 'repository_uuid', 'role_name']) {
        const body = declared[name]!;
        const condition = parseHcl2JsonString((body['validation'] as Array<Record<string, string>>)[0]!['condition']!);
        const call = condition.kind === 'template' ? condition.parts[0] : undefined;
        assert.ok(
          typeof call === 'object' &&
            call.kind === 'call' &&
            call.name === 'can' &&
            call.args[0]?.kind === 'call' &&
            call.args[0].name === 'regex',
          `${name}: can(regex(...))`,
        );
        const regex = call.args[0];
        const [pattern, subject] = regex.args;
        assert.is(pattern?.kind, 'template', `${name}: literal pattern`);
        assert.equal(subject, { kind: 'traversal', root: 'var', steps: [name] });
      }
      assert.ok(checked.length >= 8, 'validations were evaluated');
    });
  }

  if (hasCloudFormation(a)) {
    test(`${set.label}: CloudFormation evaluates to the JSON policies`, () => {
      const { files } = renderRepo(a);
      const { trust, inline } = jsonFiles(files);
      const text = file(files, 'cloudformation/oidc-role.yaml');
      const template = parseCloudFormation(text);
      assert.equal(parseCloudFormation(text, '1.1'), template, 'YAML 1.1 and 1.2 readers agree');
      const cfn = cfnResolver(template, { accountId: a.account, partition: set.partition, region: a.region });
      const resources = template['Resources'] as Record<
        string,
        { Type: string; Condition?: string; Properties: unknown }
      >;

      const roles = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Role');
      assert.is(roles.length, 1);
      const role = cfn.value(roles[0]!.Properties) as Record<string, unknown> & {
        Policies: Array<{ PolicyDocument: unknown }>;
      };
      assert.equal(role['AssumeRolePolicyDocument'], trust);
      assert.is(role.Policies.length, 1);
      assert.equal(role.Policies[0]!.PolicyDocument, inline);
      assert.is(role['RoleName'], a.roleName);

      const providers = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::OIDCProvider');
      assert.is(providers.length, 1);
      assert.ok(cfn.condition(providers[0]!.Condition!), 'the provider is created by default');
      const provider = cfn.value(providers[0]!.Properties) as Record<string, unknown>;
      assert.is(provider['Url'], `https://${hostPath(a.workspace)}`);
      assert.equal(provider['ClientIdList'], [`ari:cloud:bitbucket::workspace/${a.workspaceUuid}`]);
      assert.not.ok('ThumbprintList' in provider, 'no thumbprint by default');

      const outputs = cfn.value(template['Outputs']) as Record<string, { Value: string }>;
      assert.is(outputs['RoleArn']?.Value, inline.Statement[0]!.Resource);
      assert.is(outputs['OidcProviderArn']?.Value, trust.Statement[0]!.Principal.Federated);
    });

    test(`${set.label}: CloudFormation parameter defaults pass their own constraints`, () => {
      const { files } = renderRepo(a);
      const template = parseCloudFormation(file(files, 'cloudformation/oidc-role.yaml'));
      const parameters = template['Parameters'] as Record<
        string,
        { Default?: unknown; AllowedPattern?: string; AllowedValues?: unknown[] }
      >;
      let patterns = 0;
      for (const [name, p] of Object.entries(parameters)) {
        if (p.AllowedValues) assert.ok(p.AllowedValues.includes(p.Default), `${name} default is allowed`);
        if (p.AllowedPattern === undefined) continue;
        patterns++;
        const ok = new RegExp(p.AllowedPattern, 'u').test(String(p.Default));
        if (name === 'RepositoryUuid' && !a.repoUuid)
          assert.not.ok(ok, 'the placeholder repository UUID is refused (fail closed)');
        else assert.ok(ok, `${name} default ${JSON.stringify(p.Default)} matches ${p.AllowedPattern}`);
      }
      assert.ok(patterns >= 4, 'patterns were checked');
      assert.is(parameters['RoleName']?.Default, a.roleName);
    });
  }
}

test('CloudFormation parameters switch the provider and the thumbprint', () => {
  const { files } = renderRepo(answers({ iac: 'cloudformation' }));
  const template = parseCloudFormation(file(files, 'cloudformation/oidc-role.yaml'));
  const pseudo = { accountId: '123456789012', partition: 'aws', region: 'eu-west-1' };
  const thumbprint = 'a031c46782e6e6c662c2c87c76da9aa62ccabd8e';
  const cfn = cfnResolver(template, pseudo, { CreateOidcProvider: 'false', OidcThumbprint: thumbprint });
  assert.not.ok(cfn.condition('CreateProvider'));
  const provider = cfn.value(
    (template['Resources'] as Record<string, { Properties: unknown }>)['BitbucketOidcProvider']!.Properties,
  ) as Record<string, unknown>;
  assert.equal(provider['ThumbprintList'], [thumbprint]);
});

// Negative controls: the comparisons above do fail when one rendering says something else.

test('negative control: a changed sub pattern no longer agrees', async () => {
  const set = SETS[0]!;
  const { files } = renderRepo(set.answers);
  const { trust } = jsonFiles(files);
  const mutated = structuredClone(trust);
  const like = mutated.Statement[0]!.Condition['StringLike']!;
  const key = Object.keys(like)[0]!;
  like[key] = `${set.answers.repoUuid}:*`; // braces dropped: the classic mistake

  const { tf, ctx } = await terraform(files, set);
  const [, role] = onlyResource(tf.main, 'aws_iam_role');
  const fromTerraform = JSON.parse(evaluate(role['assume_role_policy'], ctx) as string) as unknown;
  assert.equal(fromTerraform, trust);
  assert.not.equal(fromTerraform, mutated);

  const fromCfn = cfnTrust(file(files, 'cloudformation/oidc-role.yaml'), set);
  assert.equal(fromCfn, trust);
  assert.not.equal(fromCfn, mutated);
});

test('negative control: a changed Terraform or CloudFormation source no longer agrees', async () => {
  const set = SETS[0]!;
  const { files } = renderRepo(set.answers);
  const { trust } = jsonFiles(files);

  const mainTf = file(files, 'terraform/main.tf');
  assert.ok(mainTf.includes('"{${var.repository_uuid}}:*"'));
  const broken = new Map(files).set(
    'terraform/main.tf',
    mainTf.replace('"{${var.repository_uuid}}:*"', '"${var.repository_uuid}:*"'),
  );
  const { tf, ctx } = await terraform(broken, set);
  const [, role] = onlyResource(tf.main, 'aws_iam_role');
  assert.not.equal(JSON.parse(evaluate(role['assume_role_policy'], ctx) as string), trust);

  const yaml = file(files, 'cloudformation/oidc-role.yaml');
  assert.ok(yaml.includes(`'{\${RepositoryUuid}}:*'`));
  assert.not.equal(cfnTrust(yaml.replace(`'{\${RepositoryUuid}}:*'`, `'{\${!RepositoryUuid}}:*'`), set), trust);
});

test('negative control: an undeclared variable, a failing validation and an unknown reference are caught', async () => {
  const set = SETS[0]!;
  const { files } = renderRepo(set.answers);
  const { tf, ctx } = await terraform(files, set);
  const declared = variableBlocks(tf.variables);
  const outputs = await parseHcl(
    'outputs.tf',
    `${file(files, 'terraform/outputs.tf')}\noutput "x" {\n  value = var.not_declared\n}\n`,
  );
  assert.equal(undeclared(variableReferences(outputs), declared), ['not_declared']);

  const accountCheck = (declared['account_id']!['validation'] as Array<Record<string, string>>)[0]!['condition']!;
  assert.is(evaluate(accountCheck, ctx), true);
  assert.is(evaluate(accountCheck, { ...ctx, variables: { ...ctx.variables, account_id: '12345' } }), false);
  // can() must not hide a reference the context cannot answer (that would make a failing check look like a pass)
  assert.throws(() => evaluate(accountCheck, { ...ctx, variables: {} }), /account_id/);
  assert.throws(() => evaluate('${aws_iam_role.pipeline.arn}', ctx), /cannot evaluate/);
});

test.run();
