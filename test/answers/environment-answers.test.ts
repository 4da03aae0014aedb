/**
 * Answers per deployment environment: `--<flag>.<environment>` for a question that names a resource,
 * recorded per environment, brought over from older manifests, refused with one line naming every flag
 * that is missing or wrong. Releases run in one stage; role names stay within IAM's 64 characters.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseManifest } from '../../src/core/repo/manifest.ts';
import { stepInputs } from '../../src/core/repo/step-inputs.ts';
import { resolveAnswers } from '../../src/core/answers/resolve.ts';
import { UsageError } from '../../src/errors.ts';
import { assertOneLineError, runNew } from '../support/cli-helpers.ts';
import { EXAMPLE, exampleFlags, renderRepo, runCli, SHARED_REFERENCE, tempDir } from '../support/fixtures.ts';
import { parseYaml } from '../support/schema-reference.ts';

const SCHEMA = join(SHARED_REFERENCE, 'bitbucket/pipelines-configuration.schema.json');
const schemaArgs = existsSync(SCHEMA) ? ['--schema', SCHEMA] : [];

const BASE = { ...(EXAMPLE as unknown as Record<string, string>) };
delete BASE['targetAnswers'];

const resolve = (flags: Record<string, string>) => resolveAnswers({ flags: { ...BASE, ...flags }, env: {} });

function refused(flags: Record<string, string>, fragments: string[]): void {
  try {
    resolve(flags);
  } catch (e) {
    assert.instance(e, UsageError);
    for (const f of fragments) assert.ok((e as Error).message.includes(f), `${(e as Error).message} names ${f}`);
    return;
  }
  assert.unreachable(`accepted ${JSON.stringify(flags)}`);
}

const SITE = { target: 's3-static-site', environments: 'test,production' };

test('each environment gets its own answer, recorded as <question>.<environment>', () => {
  const a = resolve({ ...SITE, 'siteBucket.test': 'test.example.com', 'siteBucket.production': 'www.example.com' });
  assert.equal(a.targetAnswers, {
    'siteBucket.test': 'test.example.com',
    'siteBucket.production': 'www.example.com',
    siteDir: 'public',
    'distributionId.test': '',
    'distributionId.production': '',
    'siteKmsKey.test': '',
    'siteKmsKey.production': '',
  });
  const { files } = renderRepo(a);
  const resources = (env: string) =>
    JSON.stringify((JSON.parse(files.get(`iam/${env}/inline-policy.json`)!) as { Statement: unknown[] }).Statement);
  assert.ok(resources('test').includes('arn:aws:s3:::test.example.com'));
  assert.not.ok(resources('test').includes('www.example.com'));
  assert.ok(resources('production').includes('arn:aws:s3:::www.example.com'));
  assert.not.ok(resources('production').includes('test.example.com'));
  const pipeline = files.get('bitbucket-pipelines.yml')!;
  assert.ok(pipeline.includes('s3://test.example.com') && pipeline.includes('s3://www.example.com'));
});

test('with two environments every missing --<flag>.<environment> is named; a plain flag is ambiguous', () => {
  refused(SITE, ['--site-bucket.test', '--site-bucket.production']);
  refused({ ...SITE, 'siteBucket.test': 'test.example.com' }, ['--site-bucket.production']);
  refused({ ...SITE, siteBucket: 'www.example.com' }, [
    '--site-bucket',
    '--site-bucket.test',
    '--site-bucket.production',
  ]);
  refused({ ...SITE, siteBucket: 'www.example.com', 'siteBucket.staging': 'x.example.com' }, [
    '--site-bucket.staging',
    'not one of the environments',
  ]);
  refused({ ...SITE, 'siteDir.test': 'public' }, ['--site-dir.test', 'shared by every environment']);
  refused({ ...SITE, 'siteBucket.test': 'Not A Bucket', 'siteBucket.production': 'www.example.com' }, [
    '--site-bucket.test',
  ]);
});

test('a plain flag serves the only environment; without environments answers are plain', () => {
  const one = resolve({ target: 's3-static-site', environments: 'production', siteBucket: 'www.example.com' });
  assert.is(one.targetAnswers['siteBucket.production'], 'www.example.com');
  const none = resolve({ target: 's3-static-site', siteBucket: 'www.example.com' });
  assert.is(none.targetAnswers['siteBucket'], 'www.example.com');
  assert.not.ok(Object.keys(none.targetAnswers).some((k) => k.includes('.')));
});

test('a task definition file: each environment its own when given, else the plain answer or the default serves it', () => {
  const ECS = {
    target: 'ecs-deploy',
    environments: 'test,production',
    ...Object.fromEntries(
      ['test', 'production'].flatMap((e) => [
        [`ecsCluster.${e}`, e],
        [`ecsService.${e}`, `web-${e}`],
        [`taskFamily.${e}`, `web-${e}`],
      ]),
    ),
  };
  const files = (a: ReturnType<typeof resolve>) =>
    ['test', 'production'].map((e) => a.targetAnswers[`taskDefinitionFile.${e}`]);
  assert.equal(files(resolve(ECS)), ['ecs/task-definition.json', 'ecs/task-definition.json']);
  assert.equal(files(resolve({ ...ECS, taskDefinitionFile: 'deploy/task.json' })), [
    'deploy/task.json',
    'deploy/task.json',
  ]);
  const own = resolve({
    ...ECS,
    taskDefinitionFile: 'deploy/task.json',
    'taskDefinitionFile.production': 'deploy/production.json',
  });
  assert.equal(files(own), ['deploy/task.json', 'deploy/production.json']);
  // each environment's step registers its own file, and each file is that step's input
  const { model, files: rendered } = renderRepo(own);
  const pipeline = rendered.get('bitbucket-pipelines.yml')!;
  assert.ok(pipeline.includes('task_input=deploy/task.json') && pipeline.includes('task_input=deploy/production.json'));
  assert.equal(
    stepInputs(model).map((i) => `${i.environment} ${i.input}`),
    ['test deploy/task.json', 'production deploy/production.json'],
  );
  // without environments, or with one, the question is asked as before
  assert.equal(
    resolve({ target: 'ecs-deploy', ecsCluster: 'c', ecsService: 's', taskFamily: 'f' }).targetAnswers[
      'taskDefinitionFile'
    ],
    'ecs/task-definition.json',
  );
});

test('the CLI takes --<flag>.<environment> and refuses a missing one with exit 2, writing nothing', () => {
  const tmp = tempDir();
  try {
    const flags = [
      ...exampleFlags({ target: 's3-static-site' }),
      '--environment',
      'production',
      '--environment',
      'test',
    ];
    const missing = runNew(
      [...flags, '--site-bucket.test', 'test.example.com', '--dir', 'out', '--yes', '--no-git'],
      tmp.path,
    );
    assertOneLineError(missing, 2, ['--site-bucket.production']);
    assert.not.ok(existsSync(join(tmp.path, 'out')));
    const ok = runNew(
      [
        ...flags,
        '--site-bucket.test',
        'test.example.com',
        '--site-bucket.production=www.example.com',
        '--dir',
        'out',
        '--yes',
        '--no-git',
      ],
      tmp.path,
    );
    assert.is(ok.status, 0, ok.stderr);
    const manifest = JSON.parse(readFileSync(join(tmp.path, 'out/.pipelines-oidc.json'), 'utf8')) as {
      answers: { targetAnswers: Record<string, string>; environments: string };
    };
    assert.is(manifest.answers.environments, 'test,production', 'stage order, not flag order');
    assert.is(manifest.answers.targetAnswers['siteBucket.production'], 'www.example.com');

    const update = runCli(['update', '--dir', 'out', '--site-bucket.test', 'qa.example.com', '--yes'], {
      cwd: tmp.path,
      env: { FORCE_COLOR: undefined },
    });
    assert.is(update.status, 0, update.stderr);
    const policy = readFileSync(join(tmp.path, 'out/iam/test/inline-policy.json'), 'utf8');
    assert.ok(policy.includes('arn:aws:s3:::qa.example.com'), policy);
    assert.not.ok(readFileSync(join(tmp.path, 'out/iam/production/inline-policy.json'), 'utf8').includes('qa.'));
  } finally {
    tmp.cleanup();
  }
});

test('a manifest whose environments shared one answer gets that answer for each environment', () => {
  const manifest = parseManifest(
    JSON.stringify({
      tool: 'pipelines-oidc',
      version: '0.0.9',
      answers: {
        ...BASE,
        target: 's3-static-site',
        environments: 'test,production',
        targetAnswers: { siteBucket: 'www.example.com', siteDir: 'public', distributionId: '' },
      },
      files: {},
    }),
    '.pipelines-oidc.json',
  );
  assert.equal(manifest.answers.targetAnswers, {
    'siteBucket.test': 'www.example.com',
    'siteBucket.production': 'www.example.com',
    siteDir: 'public',
    'distributionId.test': '',
    'distributionId.production': '',
  });
  const current = parseManifest(JSON.stringify({ ...manifest, version: '0.1.0' }), '.pipelines-oidc.json');
  assert.equal(current.answers, manifest.answers, 'a current manifest is left as it is');
});

test('a release runs in the last stage only, and only that role may publish', () => {
  const a = resolve({
    target: 'sts-check,codeartifact-npm',
    environments: 'production,test',
    codeartifactDomain: 'acme',
    codeartifactRepository: 'packages',
    npmPackage: 'widgets',
  });
  const { files } = renderRepo(a);
  const branches = (
    parseYaml(files.get('bitbucket-pipelines.yml')!)['pipelines'] as Record<
      string,
      Record<string, Array<{ step?: { deployment?: string; trigger?: string } }>>
    >
  )['branches']!['main']!;
  assert.equal(
    branches.map((i) => [i.step?.deployment, i.step?.trigger]),
    [
      [undefined, undefined],
      ['production', 'manual'],
    ],
    'one publishing step, in production, behind an automatic first step',
  );
  assert.not.ok(files.get('iam/test/inline-policy.json')!.includes('PublishPackageVersion'));
  assert.ok(files.get('iam/production/inline-policy.json')!.includes('PublishPackageVersion'));
  refused({ ...a, target: 'codeartifact-npm', environments: 'test,production' } as unknown as Record<string, string>, [
    'only in the last stage (production)',
    '--environment test',
  ]);
});

test('the role name with the longest environment suffix must fit in 64 characters', () => {
  const roleName = 'r'.repeat(64 - '-production'.length);
  resolve({ roleName, environments: 'test,production' });
  refused({ roleName, environments: 'test,production,staging-eu-west' }, ['--role-name', 'staging-eu-west', '64']);
});

test('environment types: names say them, :type says them otherwise, and the flags are normalised', () => {
  const cases: Array<[string, string]> = [
    ['production,test', 'test,production'],
    ['live,qa', 'qa,live'],
    ['prod,uat,dev', 'dev,uat,prod'],
    [
      'release=1a2b3c4d-0001-4a00-8000-00000000000a:production,test',
      'test,release=1a2b3c4d-0001-4a00-8000-00000000000a:production',
    ],
    ['prod:production,pre-prod', 'pre-prod,prod'],
  ];
  for (const [given, recorded] of cases) assert.is(resolve({ environments: given }).environments, recorded, given);
  refused({ environments: 'test:qa' }, ['--environment', 'test, staging, production']);
});

test('a CloudFormation template beyond 200 parameters is refused naming --iac; Terraform takes it', () => {
  const environments = Array.from({ length: 25 }, (_, i) => `e${i + 1}`);
  const perEnvironment = (e: string) => ({
    [`siteBucket.${e}`]: `${e}.example.com`,
    [`functionName.${e}`]: `f-${e}`,
    [`ecsCluster.${e}`]: `c-${e}`,
    [`ecsService.${e}`]: `s-${e}`,
    [`taskFamily.${e}`]: `t-${e}`,
    [`stackName.${e}`]: `st-${e}`,
    [`serviceRoleName.${e}`]: `r-${e}`,
  });
  const flagsFor = (names: string[]) => ({
    target: 's3-static-site,lambda-deploy,ecs-deploy,cloudformation-deploy',
    environments: names.join(','),
    ...Object.assign({}, ...names.map(perEnvironment)),
  });
  const flags = flagsFor(environments);
  try {
    renderRepo(resolve({ ...flags, iac: 'cloudformation' }));
    assert.unreachable('206 parameters accepted');
  } catch (e) {
    assert.instance(e, UsageError);
    assert.match((e as Error).message, /--iac cloudformation: .*206 parameters \(CloudFormation allows 200\)/);
  }
  assert.ok(renderRepo(resolve({ ...flags, iac: 'terraform' })).files.has('terraform/main.tf'));
  const fits = renderRepo(resolve({ ...flagsFor(environments.slice(0, 20)), iac: 'cloudformation' }));
  assert.ok(fits.files.has('cloudformation/oidc-role.yaml'), '20 environments fit');
});

test('without environments a deploy target gets the any-branch advice from new and from check; with them neither', () => {
  const tmp = tempDir();
  const offline = { FORCE_COLOR: undefined, PIPELINES_OIDC_SCHEMA_URL: 'http://127.0.0.1:9/unreachable' };
  const findings = (dir: string) => {
    const r = runCli(['check', dir, '--json', ...schemaArgs], { cwd: tmp.path, env: offline });
    return (JSON.parse(r.stdout) as { findings: Array<{ id: string; severity: string; file: string }> }).findings;
  };
  try {
    const flags = [...exampleFlags({ target: 'lambda-deploy' }), '--yes', '--no-git'];
    const any = runNew([...flags, '--function-name', 'widgets', '--dir', 'any'], tmp.path);
    assert.is(any.status, 0, any.stderr);
    assert.is(any.stdout.split('Any branch can deploy').length, 2, 'the advice, once');
    assert.equal(
      findings('any')
        .filter((f) => f.id === 'trust.any-branch')
        .map((f) => [f.severity, f.file]),
      [['warning', 'iam/trust-policy.json']],
    );
    const scoped = runNew(
      [
        ...flags,
        '--environment',
        'production=1a2b3c4d-0003-4c00-a000-00000000000c',
        '--function-name',
        'widgets',
        '--dir',
        'scoped',
      ],
      tmp.path,
    );
    assert.is(scoped.status, 0, scoped.stderr);
    assert.not.ok(scoped.stdout.includes('Any branch can deploy'));
    assert.equal(
      findings('scoped').filter((f) => f.id === 'trust.any-branch'),
      [],
    );
    const readOnly = runNew([...exampleFlags(), '--yes', '--no-git', '--dir', 'check'], tmp.path);
    assert.not.ok(readOnly.stdout.includes('Any branch can deploy'), 'the handshake check only reads');
  } finally {
    tmp.cleanup();
  }
});

test.run();
