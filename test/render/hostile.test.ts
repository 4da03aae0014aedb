/**
 * Hostile answers through the whole renderer. Validation keeps such values out of the CLI; these
 * properties show that the serializers would hold even without it: every file still parses, and
 * every value lands, unchanged, exactly where it belongs, without changing the structure around it.
 * Answers are built with answers({...}) and rendered directly, bypassing validation on purpose.
 */
import fc from 'fast-check';
import { parseDocument } from 'yaml';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AUTH_CHOICES, type Answers } from '../../src/core/answers/questions.ts';
import { partitionOf } from '../../src/core/answers/validate.ts';
import { cfnResolver, parseCloudFormation } from '../support/cfn-resolve.ts';
import { answers, renderRepo } from '../support/fixtures.ts';
import { asTerraformSees, block, evaluate, parseHcl, variableValues } from '../support/hcl-resolve.ts';
import { codePoint, FRAGMENTS, LONE_SURROGATES } from '../support/hostile-strings.ts';

const hostile = fc.oneof(
  fc.string({ unit: fc.oneof(codePoint, fc.constantFrom(...FRAGMENTS, ...LONE_SURROGATES)), maxLength: 14 }),
  fc.string({ unit: fc.constantFrom(...FRAGMENTS, ...LONE_SURROGATES), maxLength: 8 }),
);

function hostileAnswers(iac: fc.Arbitrary<Answers['iac']>): fc.Arbitrary<Answers> {
  return fc
    .record({
      name: hostile,
      workspace: hostile,
      roleName: hostile,
      region: fc.oneof(
        hostile,
        hostile.map((s) => `cn-${s}`),
        hostile.map((s) => `us-gov-${s}`),
      ),
      account: hostile,
      workspaceUuid: hostile,
      repoUuid: fc.oneof(fc.constant(''), hostile),
      iac,
      auth: fc.constantFrom(...AUTH_CHOICES),
    })
    .map((o) => answers(o));
}

const PLACEHOLDER = 'REPOSITORY-UUID-NOT-SET';
const hostPath = (workspace: string) => `api.bitbucket.org/2.0/workspaces/${workspace}/pipelines-config/identity/oidc`;

/** The documents as they must read, built here from the raw answers (the partition comes from the region). */
function expected(a: Answers) {
  const partition = partitionOf(a.region);
  const host = hostPath(a.workspace);
  const roleArn = `arn:${partition}:iam::${a.account}:role/${a.roleName}`;
  return {
    partition,
    roleArn,
    issuer: `https://${host}`,
    audience: `ari:cloud:bitbucket::workspace/${a.workspaceUuid}`,
    repoUuid: a.repoUuid || PLACEHOLDER,
    description: `Assumed by Bitbucket Pipelines of ${a.workspace}/${a.name} through OpenID Connect`,
    trust: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'BitbucketPipelinesOidc',
          Effect: 'Allow',
          Principal: { Federated: `arn:${partition}:iam::${a.account}:oidc-provider/${host}` },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: { [`${host}:aud`]: `ari:cloud:bitbucket::workspace/${a.workspaceUuid}` },
            StringLike: { [`${host}:sub`]: `{${a.repoUuid || PLACEHOLDER}}:*` },
          },
        },
      ],
    },
    inline: {
      Version: '2012-10-17',
      Statement: [{ Sid: 'ReadOwnRole', Effect: 'Allow', Action: 'iam:GetRole', Resource: roleArn }],
    },
  };
}

function file(files: Map<string, string>, path: string): string {
  const text = files.get(path);
  if (text === undefined) throw new Error(`${path} was not generated`);
  return text;
}

/**
 * The words of a simple shell command line, quotes removed. Anything a shell would treat as more than
 * a word (`;`, `|`, `$`, a backquote, a redirection…) outside single quotes is refused: it would be an injection.
 */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated quote in ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i];
    } else if (/[\w@%+=:,./-]/.test(c)) word = (word ?? '') + c;
    else throw new Error(`unquoted ${JSON.stringify(c)} in ${line}`);
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** The pipeline is plain YAML: any tag, error or warning fails. */
function readPipeline(text: string, version: '1.1' | '1.2' = '1.2'): Pipeline {
  const doc = parseDocument(text, { version, uniqueKeys: true });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length) throw new Error(problems.map((p) => p.message).join('\n'));
  return doc.toJS() as Pipeline;
}

type Pipeline = {
  pipelines: { custom: Record<string, Array<{ step: { script: unknown[] } & Record<string, unknown> }>> };
} & Record<string, unknown>;

/** What the example renders, per option: hostile output must have the same shape. */
const baselines = new Map<string, ReturnType<typeof renderRepo>['files']>();
function baseline(a: Answers) {
  const key = `${a.iac} ${a.auth} ${a.repoUuid === ''}`;
  if (!baselines.has(key))
    baselines.set(
      key,
      renderRepo(answers({ iac: a.iac, auth: a.auth, ...(a.repoUuid === '' ? { repoUuid: '' } : {}) })).files,
    );
  return baselines.get(key)!;
}

function checkJsonAndYaml(a: Answers): void {
  const { model, files } = renderRepo(a);
  const exp = expected(a);
  const base = baseline(a);
  assert.equal([...files.keys()], [...base.keys()], 'the same files');

  assert.equal(JSON.parse(file(files, 'iam/trust-policy.json')), exp.trust);
  assert.equal(JSON.parse(file(files, 'iam/inline-policy.json')), exp.inline);
  const manifest = JSON.parse(file(files, '.pipelines-oidc.json')) as { answers: unknown; files: unknown };
  // the session is at its default (an hour), which the manifest does not record
  const { sessionDuration: _session, ...recorded } = a;
  assert.equal(manifest.answers, recorded);
  assert.equal(
    Object.keys(manifest.files as object),
    model.files.map((f) => f.path).filter((f) => f !== '.pipelines-oidc.json'),
  );

  const pipelineText = file(files, 'bitbucket-pipelines.yml');
  const pipeline = readPipeline(pipelineText);
  assert.equal(readPipeline(pipelineText, '1.1'), pipeline, 'YAML 1.1 reads it the same');
  const basePipeline = readPipeline(file(base, 'bitbucket-pipelines.yml'));
  const step = pipeline.pipelines.custom['test-aws-oidc']?.[0]?.step;
  const baseStep = basePipeline.pipelines.custom['test-aws-oidc']![0]!.step;
  assert.ok(step && Array.isArray(step.script), 'the step still has a script list');
  assert.is(step.script.length, baseStep.script.length, 'the same number of script lines');
  step.script.forEach((line, i) => {
    const baseLine = baseStep.script[i] as string;
    assert.type(line, 'string');
    if (baseLine.startsWith('expected_role='))
      assert.equal(shellWords(line as string), [`expected_role=${exp.roleArn}`]);
    else if (baseLine.startsWith('aws iam get-role ')) {
      assert.equal(shellWords(line as string), [
        'aws',
        'iam',
        'get-role',
        '--role-name',
        a.roleName,
        '--query',
        'Role.Arn',
        '--output',
        'text',
      ]);
    } else assert.is(line, baseLine);
  });
  assert.equal({ ...pipeline, pipelines: {} }, { ...basePipeline, pipelines: {} });
  assert.equal({ ...step, script: [] }, { ...baseStep, script: [] });

  if (a.iac === 'cloudformation' || a.iac === 'both') {
    const text = file(files, 'cloudformation/oidc-role.yaml');
    const template = parseCloudFormation(text);
    assert.equal(parseCloudFormation(text, '1.1'), template, 'YAML 1.1 reads it the same');
    const baseTemplate = parseCloudFormation(file(base, 'cloudformation/oidc-role.yaml'));
    for (const section of ['Parameters', 'Conditions', 'Resources', 'Outputs']) {
      assert.equal(
        Object.keys(template[section] as object),
        Object.keys(baseTemplate[section] as object),
        `${section} keep their entries`,
      );
    }
    assert.equal(Object.keys(template), Object.keys(baseTemplate));
    assert.is(
      template['Description'],
      `IAM role for Bitbucket Pipelines OIDC: ${a.workspace}/${a.name} (generated by pipelines-oidc)`,
    );
    const cfn = cfnResolver(template, { accountId: a.account, partition: exp.partition, region: a.region });
    assert.is(cfn.parameter('RoleName'), a.roleName);
    assert.is(cfn.parameter('WorkspaceUuid'), a.workspaceUuid);
    assert.is(cfn.parameter('RepositoryUuid'), exp.repoUuid);
    const resources = cfn.value(template['Resources']) as Record<string, { Properties: Record<string, unknown> }>;
    const role = resources['PipelineRole']!.Properties;
    assert.equal(role['AssumeRolePolicyDocument'], exp.trust);
    assert.equal((role['Policies'] as Array<{ PolicyDocument: unknown }>)[0]!.PolicyDocument, exp.inline);
    assert.is(role['RoleName'], a.roleName);
    assert.is(role['Description'], exp.description);
    assert.is(resources['BitbucketOidcProvider']!.Properties['Url'], exp.issuer);
    assert.equal(resources['BitbucketOidcProvider']!.Properties['ClientIdList'], [exp.audience]);
  }
}

test('hostile answers: JSON and YAML files parse and keep their structure', () => {
  fc.assert(fc.property(hostileAnswers(fc.constantFrom('both', 'cloudformation', 'none')), checkJsonAndYaml), {
    numRuns: 800,
  });
});

test('hostile answers: Terraform files parse and evaluate to the same values', async () => {
  const variablesTf = await parseHcl(
    'variables.tf',
    file(renderRepo(answers({ iac: 'terraform' })).files, 'terraform/variables.tf'),
  );
  await fc.assert(
    fc.asyncProperty(hostileAnswers(fc.constantFrom('terraform', 'both')), async (a) => {
      const { files } = renderRepo(a);
      const exp = expected(a);
      assert.is(
        file(files, 'terraform/variables.tf'),
        file(baseline(a), 'terraform/variables.tf'),
        'variables.tf holds no answer',
      );
      const tfvars = await parseHcl('terraform.tfvars', file(files, 'terraform/terraform.tfvars'));
      const values = variableValues(variablesTf, tfvars);
      assert.equal(
        values,
        asTerraformSees({
          aws_region: a.region,
          account_id: a.account,
          workspace: a.workspace,
          workspace_uuid: a.workspaceUuid,
          repository_uuid: exp.repoUuid,
          role_name: a.roleName,
          create_oidc_provider: true,
          oidc_thumbprints: [],
          max_session_duration: 3600,
        }),
      );
      const main = await parseHcl('main.tf', file(files, 'terraform/main.tf'));
      const ctx = { variables: values, locals: block(main, 'locals'), partition: exp.partition };
      const role = block(main, 'resource', 'aws_iam_role', 'pipeline');
      // Terraform joins NFC pieces; NFC of the whole is what the JSON file would hold once Terraform read it
      const policy = (attr: unknown) => asTerraformSees(JSON.parse(evaluate(attr, ctx) as string) as unknown);
      assert.equal(policy(role['assume_role_policy']), asTerraformSees(exp.trust));
      assert.equal(
        policy(block(main, 'resource', 'aws_iam_role_policy', 'pipeline')['policy']),
        asTerraformSees(exp.inline),
      );
      assert.is(evaluate(role['description'], ctx), asTerraformSees(exp.description));
      const provider = block(main, 'resource', 'aws_iam_openid_connect_provider', 'bitbucket');
      assert.is(asTerraformSees(evaluate(provider['url'], ctx)), asTerraformSees(exp.issuer));
      assert.equal(asTerraformSees(evaluate(provider['client_id_list'], ctx)), asTerraformSees([exp.audience]));
    }),
    { numRuns: 200 },
  );
});

test('the shell-word check refuses an injection (negative control)', () => {
  assert.equal(shellWords(`aws iam get-role --role-name 'a'\\''b; c'`), [
    'aws',
    'iam',
    'get-role',
    '--role-name',
    "a'b; c",
  ]);
  assert.throws(() => shellWords('aws iam get-role --role-name a; rm -rf x'), /unquoted/);
  assert.throws(() => shellWords('expected_role=$(id)'), /unquoted/);
});

test.run();
