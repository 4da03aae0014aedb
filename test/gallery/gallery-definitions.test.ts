/**
 * The built-in deploy targets: each passes the checks a gallery file must pass, their questions agree
 * across the gallery, each renders a main-branch step with OIDC, and each role may make exactly the
 * calls its step makes, judged by an independent IAM evaluator (@cloud-copilot/iam-simulate). The
 * expected ARNs are written out here from AWS's ARN formats, not taken from src/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isWildcardOnlyAction, runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse as parseYaml } from 'yaml';
import { awsService } from '../../src/core/aws/index.ts';
import { cliPermissionsOf } from '../../src/core/check/cli-permissions.ts';
import type { PipelineStep } from '../../src/core/repo/pipeline.ts';
import type { TargetDefinition } from '../../src/core/targets/definition.ts';
import { BUILT_IN_TARGETS, findTarget } from '../../src/core/targets/registry.ts';
import { parseTargetDefinition } from '../../src/core/gallery/parse.ts';
import { answers, renderRepo, ROOT } from '../support/fixtures.ts';

const DEPLOY_TARGETS = BUILT_IN_TARGETS.filter((t) => t.id !== 'sts-check');
const examples = (t: TargetDefinition) => Object.fromEntries(t.questions.map((q) => [q.name, q.example]));
const target = (id: string) => findTarget(BUILT_IN_TARGETS, id)!;

interface PolicyStatement {
  Sid: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

function render(id: string, targetAnswers: Record<string, string>, overrides: Parameters<typeof answers>[0] = {}) {
  const { model, files } = renderRepo(answers({ target: id, targetAnswers, iac: 'both', ...overrides }));
  const text = (path: string) => {
    const content = files.get(path);
    if (content === undefined) throw new Error(`${path} was not generated`);
    return content;
  };
  const policy = JSON.parse(text('iam/inline-policy.json')) as { Statement: PolicyStatement[] };
  const pipeline = parseYaml(text('bitbucket-pipelines.yml')) as {
    pipelines: { branches?: Record<string, Array<{ step: PipelineStep }>> };
  };
  return { model, files, policy, pipeline };
}

const actionsOf = (s: PolicyStatement) => ([] as string[]).concat(s.Action);

test('every built-in target passes the checks a gallery file must pass, as plain JSON', () => {
  for (const t of BUILT_IN_TARGETS) {
    const json = JSON.parse(JSON.stringify(t)) as unknown;
    assert.equal(parseTargetDefinition(json, `built-in ${t.id}`), t, `${t.id} survives JSON unchanged`);
  }
});

test('step.setup is checked like the script: command strings, known placeholders only', () => {
  const base = JSON.parse(JSON.stringify(target('lambda-deploy'))) as { step: { setup: unknown } };
  const withSetup = (setup: unknown) => ({ ...base, step: { ...base.step, setup } });
  assert.throws(
    () => parseTargetDefinition(withSetup('yum install -y zip'), 'g.json'),
    /step\.setup: must be an array of command strings/,
  );
  assert.throws(
    () => parseTargetDefinition(withSetup([42]), 'g.json'),
    /step\.setup: must be an array of command strings/,
  );
  assert.throws(() => parseTargetDefinition(withSetup(['echo {{nowhere}}']), 'g.json'), /placeholder \{\{nowhere\}\}/);
  assert.ok(parseTargetDefinition(withSetup(['echo {{functionName}} {{region}}']), 'g.json'));
});

test('the gallery: unique ids, the handshake check first, one module per target named by its id', () => {
  const ids = BUILT_IN_TARGETS.map((t) => t.id);
  assert.is(new Set(ids).size, ids.length, 'unique ids');
  assert.is(ids[0], 'sts-check');
  for (const t of BUILT_IN_TARGETS)
    assert.ok(existsSync(join(ROOT, 'src/core/targets', `${t.id}.ts`)), `src/core/targets/${t.id}.ts`);
});

test("every AWS CLI command a target's step runs is of a service core/aws has a module for, with its row there (check reads a step's permissions from it)", () => {
  for (const t of BUILT_IN_TARGETS)
    for (const line of [...(t.step.setup ?? []), ...t.step.script.map((l) => (typeof l === 'string' ? l : l.run))]) {
      const calls = [...line.matchAll(/(?:^|[\s;|&(`])aws\s+([a-z0-9-]+)\s+([a-z0-9-]+)/g)];
      for (const [, service] of calls) assert.ok(awsService(service!), `${t.id}: src/core/aws/${service}.ts`);
      assert.is(cliPermissionsOf(line).length, calls.length, `${t.id}: ${line}`);
    }
});

test('a question name or flag used by several targets means one thing: same name, flag and pattern', () => {
  const byName = new Map<string, { flag: string; pattern: string; id: string }>();
  const byFlag = new Map<string, { name: string; id: string }>();
  for (const t of BUILT_IN_TARGETS) {
    for (const q of t.questions) {
      const named = byName.get(q.name);
      if (named)
        assert.equal(
          { flag: q.flag, pattern: q.pattern },
          { flag: named.flag, pattern: named.pattern },
          `${q.name} of ${t.id} and ${named.id}`,
        );
      const flagged = byFlag.get(q.flag);
      if (flagged) assert.is(q.name, flagged.name, `--${q.flag} of ${t.id} and ${flagged.id}`);
      byName.set(q.name, { flag: q.flag, pattern: q.pattern, id: t.id });
      byFlag.set(q.flag, { name: q.name, id: t.id });
    }
  }
  // the CodeArtifact targets do share their domain and repository questions
  assert.ok(byName.has('codeartifactDomain') && byName.has('codeartifactRepository'));
});

test('question patterns keep to what JavaScript, RE2 and Java share, and refuse shell syntax', () => {
  for (const t of DEPLOY_TARGETS) {
    for (const q of t.questions) {
      const where = `${t.id}.${q.name}`;
      assert.ok(q.pattern.startsWith('^') && q.pattern.endsWith('$'), `${where} is anchored`);
      assert.not.match(
        q.pattern,
        /\(\?|\\[dDwWsSbBpPkZzAG]/,
        `${where}: no lookaround, named group, class shorthand or anchor escape`,
      );
      const re = new RegExp(q.pattern);
      assert.ok(re.test(q.example), `${where}: example ${q.example}`);
      for (const bad of [
        '',
        ' ',
        `${q.example} x`,
        `${q.example}'`,
        `${q.example}"`,
        `${q.example}$(id)`,
        `${q.example};id`,
        `${q.example}\`id\``,
        `${q.example}\n`,
      ]) {
        assert.not.ok(re.test(bad), `${where} refuses ${JSON.stringify(bad)}`);
      }
    }
  }
});

test('every deploy target renders one main-branch step with OIDC: setup, credentials, then its commands', () => {
  for (const t of DEPLOY_TARGETS) {
    const { model, files, pipeline } = render(t.id, examples(t));
    for (const [path, content] of files)
      assert.not.ok(content.includes('{{'), `${t.id}: ${path} has no placeholder left`);
    assert.equal(Object.keys(model.pipeline.pipelines), ['branches'], `${t.id}: a branch pipeline only`);
    const items = pipeline.pipelines.branches?.['main'] ?? [];
    assert.is(items.length, 1, `${t.id}: one step on main`);
    const step = items[0]!.step;
    assert.equal(
      step,
      (model.pipeline.pipelines.branches!['main']![0] as { step: PipelineStep }).step,
      `${t.id}: the YAML reads back as the model`,
    );
    assert.is(step.name, t.step.name);
    assert.is(step.image, t.step.image);
    assert.is(step.oidc, true, `${t.id}: oidc: true`);
    assert.equal(step.services, t.step.services, `${t.id}: services`);
    const setup = t.step.setup ?? [];
    assert.equal(step.script.slice(0, setup.length), setup, `${t.id}: setup lines come first`);
    const credentials = step.script.findIndex((l) => l.includes('BITBUCKET_STEP_OIDC_TOKEN'));
    const verified = step.script.findIndex((l) => l.includes('aws sts get-caller-identity'));
    assert.is(credentials, setup.length, `${t.id}: credentials right after setup`);
    assert.ok(verified > credentials, `${t.id}: role verified after the credentials`);
    const own = step.script.slice(step.script.length - t.step.script.length);
    assert.ok(
      own.every((l) => !l.includes('BITBUCKET_STEP_OIDC_TOKEN') && !l.includes('AWS_SECRET_ACCESS_KEY')),
      `${t.id}: its commands never touch the token or secrets`,
    );
    for (const line of step.script) {
      const check = spawnSync('sh', ['-n', '-c', line], { encoding: 'utf8' });
      assert.is(check.status, 0, `${t.id}: POSIX sh parses ${line}\n${check.stderr}`);
    }
    assert.is(own.length, t.step.script.length, `${t.id}: every command, all answers given`);
  }
});

test('answers reach the commands shell-quoted (even one the rules would refuse), and the statements as parameters', () => {
  const { pipeline, files } = render('s3-static-site', {
    siteBucket: 'www.example.com',
    siteDir: 'site build',
    distributionId: 'E2QWRUHAPOMQZL',
  });
  const script = pipeline.pipelines.branches!['main']![0]!.step.script;
  assert.ok(script.includes("aws s3 sync 'site build' s3://www.example.com --delete --no-progress"), script.join('\n'));
  assert.match(files.get('terraform/main.tf')!, '${var.site_bucket}');
  assert.match(files.get('cloudformation/oidc-role.yaml')!, '${SiteBucket}');
});

test('optional answers left empty drop their statements and commands', () => {
  const s3 = render('s3-static-site', { siteBucket: 'www.example.com', siteDir: 'public', distributionId: '' });
  assert.equal(
    s3.policy.Statement.flatMap(actionsOf).filter((a) => a.startsWith('cloudfront:')),
    [],
  );
  assert.not.ok(s3.pipeline.pipelines.branches!['main']![0]!.step.script.some((l) => l.includes('cloudfront')));
  assert.not.ok(
    s3.files.get('terraform/variables.tf')!.includes('distribution_id'),
    'no variable for an unused answer',
  );

  const ecs = render('ecs-deploy', { ...examples(target('ecs-deploy')), taskRoleName: '', executionRoleName: '' });
  assert.equal(
    ecs.policy.Statement.flatMap(actionsOf).filter((a) => a.startsWith('iam:')),
    [],
  );

  const npm = render('codeartifact-npm', { ...examples(target('codeartifact-npm')), npmScope: '' });
  const publish = npm.policy.Statement.find((s) => actionsOf(s).includes('codeartifact:PublishPackageVersion'))!;
  assert.is(publish.Resource, 'arn:aws:codeartifact:eu-west-1:123456789012:package/acme/internal/npm//widgets');
  for (const [path, content] of [...s3.files, ...ecs.files, ...npm.files])
    assert.not.ok(content.includes('{{'), `${path} has no placeholder left`);
});

test('a template bucket moves the stack deploy to --s3-bucket and grants the upload on the stack folder only', () => {
  const answers = examples(target('cloudformation-deploy'));
  const deployLines = (templateBucket: string) =>
    render('cloudformation-deploy', { ...answers, templateBucket }).pipeline.pipelines.branches![
      'main'
    ]![0]!.step.script.filter((l) => l.startsWith('aws cloudformation deploy'));
  const [without] = deployLines('');
  const [withBucket, ...more] = deployLines('acme-cfn-templates');
  assert.equal(more, []);
  assert.not.ok(without!.includes('--s3-bucket'));
  // with a bucket the template deployed is the one package wrote (local code uploaded, the template pointed at it)
  assert.is(
    withBucket,
    without!
      .replace(' --template-file template.yaml', ' --template-file "$packaged"')
      .replace(' --role-arn', ' --s3-bucket acme-cfn-templates --s3-prefix acme-web --role-arn'),
  );
  const script = render('cloudformation-deploy', { ...answers, templateBucket: 'acme-cfn-templates' }).pipeline
    .pipelines.branches!['main']![0]!.step.script;
  assert.ok(
    script.includes(
      'aws cloudformation package --template-file template.yaml --s3-bucket acme-cfn-templates --s3-prefix acme-web --output-template-file "$packaged"',
    ),
    script.join('\n'),
  );
  const upload = render('cloudformation-deploy', {
    ...answers,
    templateBucket: 'acme-cfn-templates',
  }).policy.Statement.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
  assert.equal(
    upload.map((s) => [actionsOf(s), s.Resource]),
    [[['s3:GetObject', 's3:PutObject'], 'arn:aws:s3:::acme-cfn-templates/acme-web/*']],
  );
  // a gallery line may be conditional on the answer's absence too, and only of an optional question
  const base = JSON.parse(JSON.stringify(target('cloudformation-deploy'))) as { step: { script: unknown[] } };
  const withScript = (script: unknown[]) => ({ ...base, step: { ...base.step, script } });
  assert.throws(
    () => parseTargetDefinition(withScript([{ run: 'echo', unless: 'stackName' }]), 'g.json'),
    /step\.script\[0\]\.unless: must name an optional question/,
  );
  assert.throws(
    () =>
      parseTargetDefinition(withScript([{ run: 'echo', when: 'templateBucket', unless: 'templateBucket' }]), 'g.json'),
    /step\.script\[0\]/,
  );
});

test('"Resource": "*" only for actions AWS offers on no narrower resource, each with its reason', async () => {
  for (const t of DEPLOY_TARGETS) {
    const { policy } = render(t.id, examples(t));
    for (const s of policy.Statement) {
      for (const action of actionsOf(s)) {
        const [service, name] = action.split(':') as [string, string];
        assert.is(
          s.Resource === '*',
          await isWildcardOnlyAction(service, name),
          `${t.id}: ${action} on ${JSON.stringify(s.Resource)}`,
        );
      }
    }
    for (const s of t.statements.filter((x) => x.Resource === '*')) {
      for (const a of actionsOf(s))
        assert.ok(
          t.notes.some((n) => n.includes(a) && n.includes('`*`')),
          `${t.id}: a note says why ${a} is on *`,
        );
    }
    assert.is(t.notes.length, t.statements.length, `${t.id}: one note per statement`);
  }
});

// ——— the permissions, judged by the evaluator ———

interface Call {
  action: string;
  resource: string;
  context?: Record<string, string>;
}

interface Region {
  label: string;
  region: string;
  account: string;
  /** The partition of the region, from AWS's partition list. */
  partition: string;
}

const REGIONS: Region[] = [
  { label: 'eu-west-1', region: 'eu-west-1', account: '123456789012', partition: 'aws' },
  { label: 'cn-north-1', region: 'cn-north-1', account: '210987654321', partition: 'aws-cn' },
];

interface Case {
  id: string;
  targetAnswers: Record<string, string>;
  /** Every call the step makes: all must be allowed, and the policy may grant no other action. */
  calls: (r: Region) => Call[];
  nearMisses: (r: Region) => Array<[string, Call]>;
}

const STACK_ID = '1f0e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
const codeartifact = (r: Region, rest: string) => `arn:${r.partition}:codeartifact:${r.region}:${r.account}:${rest}`;
const publishing = (r: Region, pkg: string): Call => ({
  action: 'codeartifact:PublishPackageVersion',
  resource: codeartifact(r, pkg),
});
// the step looks the version up before it publishes: a push without a new version releases nothing
const describing = (r: Region, pkg: string): Call => ({
  action: 'codeartifact:DescribePackageVersion',
  resource: codeartifact(r, pkg),
});
const role = (r: Region, name: string) => `arn:${r.partition}:iam::${r.account}:role/${name}`;
const passing = (r: Region, name: string, service: string): Call => ({
  action: 'iam:PassRole',
  resource: role(r, name),
  context: { 'iam:PassedToService': service },
});
const cfnStack = (r: Region, name: string) =>
  `arn:${r.partition}:cloudformation:${r.region}:${r.account}:stack/${name}/${STACK_ID}`;
const bearer = (service: string): Call => ({
  action: 'sts:GetServiceBearerToken',
  resource: '*',
  context: { 'sts:AWSServiceName': service },
});
const codeartifactLogin = (r: Region): Call[] => [
  { action: 'codeartifact:GetAuthorizationToken', resource: codeartifact(r, 'domain/acme') },
  bearer('codeartifact.amazonaws.com'),
  { action: 'codeartifact:GetRepositoryEndpoint', resource: codeartifact(r, 'repository/acme/internal') },
  { action: 'codeartifact:ReadFromRepository', resource: codeartifact(r, 'repository/acme/internal') },
];
const codeartifactMisses = (r: Region): Array<[string, Call]> => [
  [
    'a token of another domain',
    { action: 'codeartifact:GetAuthorizationToken', resource: codeartifact(r, 'domain/other') },
  ],
  ['a bearer token for another service', bearer('codecatalyst.amazonaws.com')],
  [
    'reading another repository',
    { action: 'codeartifact:ReadFromRepository', resource: codeartifact(r, 'repository/acme/internal-admin') },
  ],
  [
    'deleting the repository',
    { action: 'codeartifact:DeleteRepository', resource: codeartifact(r, 'repository/acme/internal') },
  ],
];

const CASES: Case[] = [
  {
    id: 'codeartifact-npm',
    targetAnswers: {
      codeartifactDomain: 'acme',
      codeartifactRepository: 'internal',
      npmScope: 'acme',
      npmPackage: 'widgets',
    },
    calls: (r) => [
      ...codeartifactLogin(r),
      describing(r, 'package/acme/internal/npm/acme/widgets'),
      publishing(r, 'package/acme/internal/npm/acme/widgets'),
    ],
    nearMisses: (r) => [
      ...codeartifactMisses(r),
      ['another package of the scope', publishing(r, 'package/acme/internal/npm/acme/other')],
      ['the name in another scope', publishing(r, 'package/acme/internal/npm/other/widgets')],
      ['the unscoped name', publishing(r, 'package/acme/internal/npm//widgets')],
      ['the package in another repository', publishing(r, 'package/acme/public/npm/acme/widgets')],
      [
        'deleting versions',
        {
          action: 'codeartifact:DeletePackageVersions',
          resource: codeartifact(r, 'package/acme/internal/npm/acme/widgets'),
        },
      ],
    ],
  },
  {
    id: 'codeartifact-npm',
    targetAnswers: {
      codeartifactDomain: 'acme',
      codeartifactRepository: 'internal',
      npmScope: '',
      npmPackage: 'widgets',
    },
    calls: (r) => [
      ...codeartifactLogin(r),
      describing(r, 'package/acme/internal/npm//widgets'),
      publishing(r, 'package/acme/internal/npm//widgets'),
    ],
    nearMisses: (r) => [['the name in a scope', publishing(r, 'package/acme/internal/npm/acme/widgets')]],
  },
  {
    id: 'codeartifact-pypi',
    targetAnswers: { codeartifactDomain: 'acme', codeartifactRepository: 'internal', pypiPackage: 'acme-widgets' },
    calls: (r) => [
      ...codeartifactLogin(r),
      describing(r, 'package/acme/internal/pypi//acme-widgets'),
      publishing(r, 'package/acme/internal/pypi//acme-widgets'),
    ],
    nearMisses: (r) => [
      ...codeartifactMisses(r),
      ['another package', publishing(r, 'package/acme/internal/pypi//acme-widgets-extra')],
      ['an npm package of that name', publishing(r, 'package/acme/internal/npm//acme-widgets')],
    ],
  },
  {
    id: 's3-static-site',
    targetAnswers: { siteBucket: 'www.example.com', siteDir: 'public', distributionId: 'E2QWRUHAPOMQZL' },
    calls: (r) => [
      { action: 's3:ListBucket', resource: `arn:${r.partition}:s3:::www.example.com` },
      { action: 's3:PutObject', resource: `arn:${r.partition}:s3:::www.example.com/index.html` },
      { action: 's3:DeleteObject', resource: `arn:${r.partition}:s3:::www.example.com/old/page.html` },
      {
        action: 'cloudfront:CreateInvalidation',
        resource: `arn:${r.partition}:cloudfront::${r.account}:distribution/E2QWRUHAPOMQZL`,
      },
      {
        action: 'cloudfront:GetInvalidation',
        resource: `arn:${r.partition}:cloudfront::${r.account}:distribution/E2QWRUHAPOMQZL`,
      },
    ],
    nearMisses: (r) => [
      [
        'writing to a bucket whose name extends ours',
        { action: 's3:PutObject', resource: `arn:${r.partition}:s3:::www.example.com-logs/index.html` },
      ],
      ['listing another bucket', { action: 's3:ListBucket', resource: `arn:${r.partition}:s3:::www.example.org` }],
      [
        'reading objects (sync does not need it)',
        { action: 's3:GetObject', resource: `arn:${r.partition}:s3:::www.example.com/index.html` },
      ],
      [
        'changing the bucket policy',
        { action: 's3:PutBucketPolicy', resource: `arn:${r.partition}:s3:::www.example.com` },
      ],
      ['deleting the bucket', { action: 's3:DeleteBucket', resource: `arn:${r.partition}:s3:::www.example.com` }],
      [
        'invalidating another distribution',
        {
          action: 'cloudfront:CreateInvalidation',
          resource: `arn:${r.partition}:cloudfront::${r.account}:distribution/E1OTHERDISTRIB`,
        },
      ],
      [
        'reconfiguring the distribution',
        {
          action: 'cloudfront:UpdateDistribution',
          resource: `arn:${r.partition}:cloudfront::${r.account}:distribution/E2QWRUHAPOMQZL`,
        },
      ],
    ],
  },
  {
    id: 'ecr-push',
    targetAnswers: { ecrRepository: 'acme/web', dockerfileDir: '.' },
    calls: (r) => [
      { action: 'ecr:GetAuthorizationToken', resource: '*' },
      ...[
        'BatchCheckLayerAvailability',
        'InitiateLayerUpload',
        'UploadLayerPart',
        'CompleteLayerUpload',
        'PutImage',
        'BatchGetImage',
      ].map((a) => ({
        action: `ecr:${a}`,
        resource: `arn:${r.partition}:ecr:${r.region}:${r.account}:repository/acme/web`,
      })),
    ],
    nearMisses: (r) => [
      [
        'pushing to another repository',
        {
          action: 'ecr:PutImage',
          resource: `arn:${r.partition}:ecr:${r.region}:${r.account}:repository/acme/web-admin`,
        },
      ],
      [
        'pushing to a nested repository',
        {
          action: 'ecr:PutImage',
          resource: `arn:${r.partition}:ecr:${r.region}:${r.account}:repository/acme/web/cache`,
        },
      ],
      [
        'pushing in another region',
        {
          action: 'ecr:PutImage',
          resource: `arn:${r.partition}:ecr:${r.region === 'eu-west-1' ? 'us-east-1' : 'cn-northwest-1'}:${r.account}:repository/acme/web`,
        },
      ],
      [
        'deleting images',
        {
          action: 'ecr:BatchDeleteImage',
          resource: `arn:${r.partition}:ecr:${r.region}:${r.account}:repository/acme/web`,
        },
      ],
      [
        'deleting the repository',
        {
          action: 'ecr:DeleteRepository',
          resource: `arn:${r.partition}:ecr:${r.region}:${r.account}:repository/acme/web`,
        },
      ],
      [
        'changing the repository policy',
        {
          action: 'ecr:SetRepositoryPolicy',
          resource: `arn:${r.partition}:ecr:${r.region}:${r.account}:repository/acme/web`,
        },
      ],
    ],
  },
  {
    id: 'lambda-deploy',
    targetAnswers: { functionName: 'acme-api', functionDir: 'src' },
    calls: (r) =>
      ['UpdateFunctionCode', 'GetFunctionConfiguration', 'PublishVersion'].map((a) => ({
        action: `lambda:${a}`,
        resource: `arn:${r.partition}:lambda:${r.region}:${r.account}:function:acme-api`,
      })),
    nearMisses: (r) => [
      [
        'updating another function',
        {
          action: 'lambda:UpdateFunctionCode',
          resource: `arn:${r.partition}:lambda:${r.region}:${r.account}:function:acme-api-admin`,
        },
      ],
      [
        'changing its configuration (role, environment)',
        {
          action: 'lambda:UpdateFunctionConfiguration',
          resource: `arn:${r.partition}:lambda:${r.region}:${r.account}:function:acme-api`,
        },
      ],
      [
        'invoking it',
        {
          action: 'lambda:InvokeFunction',
          resource: `arn:${r.partition}:lambda:${r.region}:${r.account}:function:acme-api`,
        },
      ],
      [
        'deleting it',
        {
          action: 'lambda:DeleteFunction',
          resource: `arn:${r.partition}:lambda:${r.region}:${r.account}:function:acme-api`,
        },
      ],
    ],
  },
  {
    id: 'ecs-deploy',
    targetAnswers: {
      ecsCluster: 'production',
      ecsService: 'web',
      taskFamily: 'web',
      taskDefinitionFile: 'ecs/task-definition.json',
      taskRoleName: 'web-task',
      executionRoleName: 'ecsTaskExecutionRole',
    },
    calls: (r) => [
      {
        action: 'ecs:RegisterTaskDefinition',
        resource: `arn:${r.partition}:ecs:${r.region}:${r.account}:task-definition/web:7`,
      },
      {
        action: 'ecs:RegisterTaskDefinition',
        resource: `arn:${r.partition}:ecs:${r.region}:${r.account}:task-definition/web:7`,
        context: { 'ecs:privileged': 'false' },
      },
      {
        action: 'ecs:UpdateService',
        resource: `arn:${r.partition}:ecs:${r.region}:${r.account}:service/production/web`,
        context: { 'ecs:task-definition': `arn:${r.partition}:ecs:${r.region}:${r.account}:task-definition/web:7` },
      },
      {
        action: 'ecs:DescribeServices',
        resource: `arn:${r.partition}:ecs:${r.region}:${r.account}:service/production/web`,
      },
      passing(r, 'web-task', 'ecs-tasks.amazonaws.com'),
      passing(r, 'ecsTaskExecutionRole', 'ecs-tasks.amazonaws.com'),
    ],
    nearMisses: (r) => [
      [
        'registering another family',
        {
          action: 'ecs:RegisterTaskDefinition',
          resource: `arn:${r.partition}:ecs:${r.region}:${r.account}:task-definition/web-admin:1`,
        },
      ],
      [
        'registering a privileged container',
        {
          action: 'ecs:RegisterTaskDefinition',
          resource: `arn:${r.partition}:ecs:${r.region}:${r.account}:task-definition/web:7`,
          context: { 'ecs:privileged': 'true' },
        },
      ],
      [
        "pointing the service at another family's revision",
        {
          action: 'ecs:UpdateService',
          resource: `arn:${r.partition}:ecs:${r.region}:${r.account}:service/production/web`,
          context: {
            'ecs:task-definition': `arn:${r.partition}:ecs:${r.region}:${r.account}:task-definition/web-admin:1`,
          },
        },
      ],
      [
        'updating the service without naming a revision of the family',
        {
          action: 'ecs:UpdateService',
          resource: `arn:${r.partition}:ecs:${r.region}:${r.account}:service/production/web`,
        },
      ],
      [
        'updating the service in another cluster',
        {
          action: 'ecs:UpdateService',
          resource: `arn:${r.partition}:ecs:${r.region}:${r.account}:service/staging/web`,
        },
      ],
      [
        'updating another service',
        {
          action: 'ecs:UpdateService',
          resource: `arn:${r.partition}:ecs:${r.region}:${r.account}:service/production/web-admin`,
        },
      ],
      [
        'deleting the service',
        {
          action: 'ecs:DeleteService',
          resource: `arn:${r.partition}:ecs:${r.region}:${r.account}:service/production/web`,
        },
      ],
      ['passing another role', passing(r, 'admin', 'ecs-tasks.amazonaws.com')],
      ['passing the task role to EC2', passing(r, 'web-task', 'ec2.amazonaws.com')],
      ['passing the task role to Lambda', passing(r, 'web-task', 'lambda.amazonaws.com')],
    ],
  },
  {
    id: 'cloudformation-deploy',
    targetAnswers: { stackName: 'acme-web', templateFile: 'template.yaml', serviceRoleName: 'acme-web-cloudformation' },
    calls: (r): Call[] => {
      const stack = cfnStack(r, 'acme-web');
      const viaServiceRole = { 'cloudformation:RoleArn': role(r, 'acme-web-cloudformation') };
      return [
        { action: 'cloudformation:DescribeStacks', resource: stack },
        // a redeploy reads the deployed template's parameters before its change set
        { action: 'cloudformation:GetTemplateSummary', resource: stack },
        { action: 'cloudformation:CreateChangeSet', resource: stack, context: viaServiceRole },
        { action: 'cloudformation:DescribeChangeSet', resource: stack },
        { action: 'cloudformation:ExecuteChangeSet', resource: stack },
        passing(r, 'acme-web-cloudformation', 'cloudformation.amazonaws.com'),
      ];
    },
    nearMisses: (r): Array<[string, Call]> => {
      const stack = cfnStack(r, 'acme-web');
      const viaServiceRole = { 'cloudformation:RoleArn': role(r, 'acme-web-cloudformation') };
      return [
        ['a change set without the service role', { action: 'cloudformation:CreateChangeSet', resource: stack }],
        [
          'a change set with another role',
          {
            action: 'cloudformation:CreateChangeSet',
            resource: stack,
            context: { 'cloudformation:RoleArn': role(r, 'admin') },
          },
        ],
        [
          'a change set for a stack whose name extends ours',
          { action: 'cloudformation:CreateChangeSet', resource: cfnStack(r, 'acme-web-prod'), context: viaServiceRole },
        ],
        ['deleting the stack', { action: 'cloudformation:DeleteStack', resource: stack }],
        [
          'updating the stack directly',
          { action: 'cloudformation:UpdateStack', resource: stack, context: viaServiceRole },
        ],
        ['passing the service role to ECS tasks', passing(r, 'acme-web-cloudformation', 'ecs-tasks.amazonaws.com')],
        ['passing another role to CloudFormation', passing(r, 'admin', 'cloudformation.amazonaws.com')],
      ];
    },
  },
];

/**
 * A CodeArtifact package without a namespace (`…/npm//name`, as CodeArtifact writes it): the evaluator's
 * ARN table wants a non-empty namespace segment, so these requests skip its resource-type check.
 */
const withoutNamespace = (resource: string) =>
  /:codeartifact:[^:]*:[0-9]+:package\/[^/]+\/[^/]+\/[^/]+\/\/[^/]+$/.test(resource);

/** The decision for one call made with the role's session, by the role's inline policy alone. */
async function decide(policy: unknown, r: Region, call: Call): Promise<string> {
  const simulation = {
    request: {
      principal: `arn:${r.partition}:sts::${r.account}:assumed-role/bitbucket-pipeline-oidc-role/bitbucket-pipelines-42`,
      action: call.action,
      resource: { resource: call.resource, accountId: r.account },
      contextVariables: call.context ?? {},
    },
    identityPolicies: [{ name: 'inline-policy', policy }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  };
  if (withoutNamespace(call.resource)) return runUnsafeSimulation(simulation, {});
  const result = await runSimulation(simulation, {});
  // an error means the request itself is wrong for the action, e.g. an ARN of the wrong resource type
  if (result.resultType === 'error')
    throw new Error(`${call.action} on ${call.resource}: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}

// a target without a case here is still proven by its rehearsals (test/rehearse/rehearse.test.ts)
test('every permissions case below is of a deploy target of the gallery', () => {
  const ids = DEPLOY_TARGETS.map((t) => t.id);
  for (const c of CASES) assert.ok(ids.includes(c.id), `${c.id} is a deploy target`);
});

for (const c of CASES) {
  for (const r of REGIONS) {
    const label = `${c.id} (${Object.entries(c.targetAnswers)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}), ${r.label}`;

    test(`${label}: the calls of the step are allowed, and the policy grants no other action`, async () => {
      const { policy } = render(c.id, c.targetAnswers, { region: r.region, account: r.account });
      const calls = c.calls(r);
      for (const call of calls)
        assert.is(
          await decide(policy, r, call),
          'Allowed',
          `${call.action} on ${call.resource} ${JSON.stringify(call.context ?? {})}\n${JSON.stringify(policy)}`,
        );
      assert.equal(
        new Set(policy.Statement.flatMap(actionsOf)),
        new Set(calls.map((x) => x.action)),
        'granted actions = called actions',
      );
    });

    test(`${label}: near misses are denied`, async () => {
      const { policy } = render(c.id, c.targetAnswers, { region: r.region, account: r.account });
      for (const [what, call] of c.nearMisses(r)) assert.is.not(await decide(policy, r, call), 'Allowed', what);
    });
  }
}

test('negative control: the evaluator allows a near miss once the policy is widened', async () => {
  const r = REGIONS[0]!;
  const { policy } = render('ecs-deploy', CASES.find((c) => c.id === 'ecs-deploy')!.targetAnswers);
  const otherRole: Call = passing(r, 'admin', 'ecs-tasks.amazonaws.com');
  assert.is.not(await decide(policy, r, otherRole), 'Allowed');
  const widened = structuredClone(policy);
  for (const s of widened.Statement)
    if (actionsOf(s).includes('iam:PassRole')) s.Resource = `arn:aws:iam::${r.account}:role/*`;
  assert.is(await decide(widened, r, otherRole), 'Allowed');
});

test.run();
