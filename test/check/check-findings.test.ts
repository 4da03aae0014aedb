/**
 * The pure findings of `check`: each hand-written fixture repository triggers exactly its finding, the
 * tutorial setup exactly what is wrong with it, and every repository `new` generates none (without and
 * with Atlassian's schema, read from ../shared/reference when it is there).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AUTH_CHOICES, type Answers } from '../../src/core/answers/questions.ts';
import { parseJsonSource } from '../../src/core/iam-eval/json-source.ts';
import type { SchemaValidator } from '../../src/core/check/pipeline-schema.ts';
import {
  infrastructureFindings,
  permissionsFindings,
  pipelineFindings,
  repositoryFindings,
  trustFindings,
} from '../../src/core/check/findings.ts';
import { missingPermission } from '../../src/core/check/permission-findings.ts';
import { RULES } from '../../src/core/check/rules.ts';
import type { Finding } from '../../src/core/check/rules.ts';
import type { SourceFile } from '../../src/core/iam-eval/types.ts';
import { credentialScript } from '../../src/core/repo/pipeline.ts';
import { BUILT_IN_TARGETS } from '../../src/core/targets/registry.ts';
import { answers, renderRepo, ROOT, targetExamples, withStages } from '../support/fixtures.ts';
import { pipelineSchemaModes } from '../support/schema-reference.ts';

const FIXTURES = join(ROOT, 'test/fixtures/check');
const schemaModes = pipelineSchemaModes('the findings are checked');

/** Every finding of a repository's files, each file sent where `check` sends it. */
function findingsOf(files: Iterable<[string, string]>, withSchema?: SchemaValidator): Finding[] {
  const tree = new Map(files);
  const pipelineText = tree.get('bitbucket-pipelines.yml');
  const read = (file: string) => {
    try {
      return file.endsWith('.json') && tree.has(file) ? (JSON.parse(tree.get(file)!) as unknown) : undefined;
    } catch {
      return undefined;
    }
  };
  // the rules that read the repository as a whole (without a manifest: no drift, missing permissions)
  const missing = repositoryFindings({
    read,
    terraform: [],
    cloudformation: [],
    ...(pipelineText === undefined ? {} : { pipeline: { file: 'bitbucket-pipelines.yml', text: pipelineText } }),
  });
  return [...missing, ...perFile(tree, withSchema)];
}

function perFile(files: Iterable<[string, string]>, withSchema?: SchemaValidator): Finding[] {
  return [...files].flatMap(([file, text]) => {
    const source: SourceFile = { file, text };
    if (file === 'bitbucket-pipelines.yml') return pipelineFindings(source, new Date(), withSchema);
    if (/(^|\/)trust-policy[^/]*\.json$/.test(file)) return trustFindings(source);
    if (file.endsWith('.json') && file.startsWith('iam/')) return permissionsFindings(source);
    if (file.endsWith('.tf') || /^cloudformation\/.*\.ya?ml$/.test(file)) return infrastructureFindings(source);
    return [];
  });
}

function readTree(dir: string): Map<string, string> {
  const walk = (d: string): string[] =>
    readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
  return new Map(walk(dir).map((p) => [relative(dir, p).split('\\').join('/'), readFileSync(p, 'utf8')]));
}

const ids = (findings: Finding[]) => [...new Set(findings.map((f) => f.id))].sort();
const show = (findings: Finding[]) =>
  findings.map((f) => `  ${f.severity} ${f.id} ${f.file}:${f.line ?? '?'} ${f.message}`).join('\n');
const trust = (text: string) => trustFindings({ file: 'iam/trust-policy.json', text });
const permissions = (text: string) => permissionsFindings({ file: 'iam/inline-policy.json', text });
const pipeline = (text: string, withSchema?: SchemaValidator) =>
  pipelineFindings({ file: 'bitbucket-pipelines.yml', text }, new Date(), withSchema);

// ---------------------------------------------------------------------------------------------------
// fixtures: one repository per rule of the table (check-rules.test.ts walks them through check itself),
// the tutorial, a clean one; a rule of the whole repository (iac.drift: files against the manifest) has no
// finding in any one file, nor has a rule about the entries check does not read (file.unread, file.symlink),
// nor one about policies in Terraform, which check reads from a folder's parsed files (iac.unresolved)

const EXPECTED: Record<string, string[]> = {
  clean: [],
  // a tutorial's token-file step keeps Bitbucket's 120 minutes: longer than its hour of credentials
  tutorial: ['pipeline.outlives-session', 'trust.workspace-wide'],
  ...Object.fromEntries(
    RULES.filter((r) => !('repository' in r.check) && !('unread' in r.check) && !('iacPolicy' in r.check)).map((r) => [
      r.id,
      [r.id],
    ]),
  ),
};
const fixtureDirs = Object.keys(EXPECTED).sort();

for (const dir of fixtureDirs) {
  const files = readTree(join(FIXTURES, dir));
  const expected = EXPECTED[dir]!;
  for (const mode of schemaModes) {
    test(`fixture ${dir} (${mode.label}) yields exactly ${expected.join(', ') || 'nothing'}`, () => {
      const found = findingsOf(files, mode.schema);
      assert.equal(ids(found), expected, show(found));
      assert.ok(
        found.every((f) => f.line !== undefined && f.message && f.fix),
        `every finding has a line, a message and a fix:\n${show(found)}`,
      );
      // a rule of warnings (an image past its end of life still runs) has none that is an error
      if (expected.length && RULES.find((r) => r.id === dir)?.severity !== 'warning')
        assert.ok(
          found.some((f) => f.severity === 'error'),
          'at least one is an error',
        );
    });
  }
}

test('fixture details: lines, severities and suggestions', () => {
  const of = (dir: string) => findingsOf(readTree(join(FIXTURES, dir)));
  const schemaFix = of('pipeline.schema');
  assert.ok(
    schemaFix.some(
      (f) => f.line === 9 && f.message.includes('"scriptz"') && f.message.includes('did you mean "script"?'),
    ),
    show(schemaFix),
  );
  assert.ok(
    schemaFix.some((f) => f.line === 6 && f.message.includes('no script')),
    show(schemaFix),
  );
  const [oidc] = of('pipeline.oidc-missing');
  assert.is(oidc?.line, 10);
  assert.match(oidc!.message, /pipelines\.branches\.main\[0\]\.stage\.steps\[0\]\.step/);
  assert.equal(
    of('pipeline.static-keys').map((f) => f.line),
    [9, 10],
  );
  assert.equal(
    of('trust.workspace-wide').map((f) => [f.line, f.severity]),
    [[10, 'error']],
  );
  assert.equal(
    of('trust.sub-format').map((f) => [f.line, f.severity]),
    [[15, 'error']],
  );
  assert.match(of('trust.sub-format')[0]!.message, /without braces/);
  assert.match(of('trust.aud')[0]!.fix, /"ari:cloud:bitbucket::workspace\/7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a"/);
  assert.match(of('trust.unsupported-key')[0]!.message, /branchName/);
  assert.match(of('trust.provider')[0]!.message, /UUID/);
  assert.equal(
    of('policy.grammar').map((f) => [f.line, f.severity]),
    [
      [5, 'error'],
      [11, 'warning'],
    ],
  );
  assert.match(of('policy.grammar').find((f) => f.severity === 'warning')!.message, /did you mean "s3:PutObject"\?/);
  assert.equal(
    of('policy.broad').map((f) => [f.file, f.line, f.severity]),
    [
      ['iam/inline-policy.json', 6, 'error'],
      ['terraform/main.tf', 8, 'error'],
    ],
  );
  assert.equal(
    of('tutorial').map((f) => [f.file, f.line]),
    [
      ['bitbucket-pipelines.yml', 6],
      ['iam/trust-policy.json', 10],
    ],
  );
});

// ---------------------------------------------------------------------------------------------------
// what `new` generates passes clean

const examples = Object.fromEntries(BUILT_IN_TARGETS.flatMap((t) => t.questions.map((q) => [q.name, q.example])));
const everyTarget = BUILT_IN_TARGETS.map((t) => t.id).join(',');
const ENVIRONMENTS = 'test=1a2b3c4d-0001-4a00-8000-00000000000a,production=1a2b3c4d-0003-4c00-a000-00000000000c';
const GENERATED: Array<{ label: string; answers: Answers }> = [
  { label: 'the example', answers: answers() },
  ...[...BUILT_IN_TARGETS.map((t) => t.id), everyTarget].flatMap((target) =>
    ['', ENVIRONMENTS].map((environments) => ({
      label: `--target ${target}${environments ? ', two environments' : ''}`,
      answers: environments
        ? answers({
            target: withStages(target, environments),
            environments,
            targetAnswers: targetExamples(environments),
            iac: 'both',
          })
        : answers({ target, environments, targetAnswers: examples, iac: 'both' }),
    })),
  ),
  ...AUTH_CHOICES.map((auth) => ({
    label: `--auth ${auth}, every target`,
    answers: answers({
      auth,
      target: everyTarget,
      targetAnswers: targetExamples(ENVIRONMENTS),
      environments: ENVIRONMENTS,
    }),
  })),
];

for (const mode of schemaModes) {
  test(`generated repositories have no findings (${mode.label})`, () => {
    for (const set of GENERATED) {
      const found = findingsOf(renderRepo(set.answers).files, mode.schema);
      assert.equal(found, [], `${set.label}:\n${show(found)}`);
    }
  });

  test(`a generated repository without UUIDs yet warns, and only that (${mode.label})`, () => {
    for (const auth of AUTH_CHOICES) {
      const found = findingsOf(
        renderRepo(
          answers({
            auth,
            repoUuid: '',
            iac: 'both',
            target: everyTarget,
            targetAnswers: targetExamples(ENVIRONMENTS),
            environments: 'test,production=1a2b3c4d-0003-4c00-a000-00000000000c',
          }),
        ).files,
        mode.schema,
      );
      assert.equal(
        found.map((f) => [f.id, f.severity, f.file]),
        [
          ['trust.sub-format', 'warning', 'iam/test/trust-policy.json'],
          ['trust.sub-format', 'warning', 'iam/production/trust-policy.json'],
        ],
        show(found),
      );
      assert.match(found[0]!.message, /repository and the deployment environment UUID are not set yet/);
      assert.match(found[1]!.message, /repository UUID is not set yet/);
      assert.match(found[1]!.fix, /--repo-uuid/);
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// pipeline.schema

test('pipeline.schema: YAML that does not parse, with the line', () => {
  const found = pipeline(
    'pipelines:\n  default:\n    - step:\n        script:\n          - echo hi\n       - echo misaligned\n',
  );
  assert.equal(ids(found), ['pipeline.schema'], show(found));
  assert.match(found[0]!.message, /^not valid YAML/);
  assert.is(found[0]!.line, 6);
  assert.equal(
    pipeline('pipelines:\n  default: []\n  default: []\n').map((f) => [f.id, f.line]),
    [['pipeline.schema', 3]],
    'a key given twice',
  );
});

test('pipeline.schema: typos in step keys are caught with a suggestion, with and without the schema', () => {
  const text = 'pipelines:\n  default:\n    - step:\n        oicd: true\n        script:\n          - echo hi\n';
  for (const mode of schemaModes) {
    const found = pipeline(text, mode.schema);
    assert.equal(
      found.map((f) => [f.id, f.line]),
      [['pipeline.schema', 4]],
      `${mode.label}:\n${show(found)}`,
    );
    assert.match(found[0]!.message, /"oicd".*did you mean "oidc"\?/);
  }
});

test('pipeline.schema: unknown keys at the top and among pipelines, through the schema too', () => {
  for (const mode of schemaModes) {
    const found = pipeline('pipeline:\n  default:\n    - step:\n        script: [echo]\n', mode.schema);
    assert.ok(
      found.some((f) => f.line === 1 && /"pipeline".*did you mean "pipelines"\?/.test(f.message)),
      `${mode.label}:\n${show(found)}`,
    );
    const kinds = pipeline('pipelines:\n  branch:\n    main:\n      - step:\n          script: [echo]\n', mode.schema);
    assert.ok(
      kinds.some((f) => f.line === 2 && /did you mean "branches"\?/.test(f.message)),
      `${mode.label}:\n${show(kinds)}`,
    );
  }
});

test('pipeline.schema: wrong value types, at their lines, with and without the schema', () => {
  const cases: Array<[string, string, number]> = [
    ['oidc: "yes"', 'pipelines:\n  default:\n    - step:\n        oidc: "yes"\n        script: [echo]\n', 4],
    ['script as a string', 'pipelines:\n  default:\n    - step:\n        script: aws s3 ls\n', 4],
    ['trigger: auto', 'pipelines:\n  default:\n    - step:\n        trigger: auto\n        script: [echo]\n', 4],
    ['size: 3x', 'pipelines:\n  default:\n    - step:\n        size: 3x\n        script: [echo]\n', 4],
    [
      'oidc beside step (not indented under it)',
      'pipelines:\n  default:\n    - step:\n        script: [echo]\n      oidc: true\n',
      5,
    ],
    ['a stage without steps', 'pipelines:\n  default:\n    - stage:\n        name: Deploy\n', 3],
  ];
  for (const mode of schemaModes) {
    for (const [label, text, line] of cases) {
      const found = pipeline(text, mode.schema);
      assert.equal(ids(found), ['pipeline.schema'], `${label} (${mode.label}):\n${show(found)}`);
      assert.ok(
        found.some((f) => f.line === line),
        `${label} (${mode.label}) at line ${line}:\n${show(found)}`,
      );
    }
  }
});

test('pipeline.schema: anchors, merge keys, imports and pull-request destinations are understood', () => {
  const text = [
    'definitions:',
    '  steps:',
    '    - step: &build',
    '        name: Build',
    '        script: [make]',
    'pipelines:',
    '  default:',
    '    - step: *build',
    '  branches:',
    '    main:',
    '      - step:',
    '          <<: *build',
    '          deployment: production',
    '    shared:',
    '      import: shared-pipelines:main:deploy',
    '  pull-requests:',
    '    feature/*:',
    '      destinations:',
    '        main:',
    '          - step: *build',
  ].join('\n');
  for (const mode of schemaModes) assert.equal(pipeline(text, mode.schema), [], mode.label);
  // a typo in the shared step is reported once, at the anchor
  const typo = pipeline(text.replace('script: [make]', 'scirpt: [make]'));
  assert.equal(
    typo.filter((f) => f.message.includes('"scirpt"')).map((f) => f.line),
    [5],
  );
});

// ---------------------------------------------------------------------------------------------------
// pipeline.oidc-missing

test('pipeline.oidc-missing: every way a step uses the token, in plain steps, stages and parallel groups', () => {
  const uses = [
    'aws sts assume-role-with-web-identity --role-arn "$ROLE" --role-session-name ci --web-identity-token "$TOKEN"',
    'export AWS_WEB_IDENTITY_TOKEN_FILE=/tmp/token',
    'echo "$BITBUCKET_STEP_OIDC_TOKEN" > /tmp/token',
  ];
  for (const use of uses) {
    const plain = pipeline(
      `pipelines:\n  default:\n    - step:\n        name: Deploy\n        script:\n          - ${JSON.stringify(use)}\n`,
    );
    assert.equal(
      plain.map((f) => [f.id, f.line]),
      [['pipeline.oidc-missing', 3]],
      `${use}:\n${show(plain)}`,
    );
    assert.match(plain[0]!.message, /\(line 6\)/);
    const parallel = pipeline(
      `pipelines:\n  default:\n    - parallel:\n        steps:\n          - step:\n              script:\n                - ${JSON.stringify(use)}\n`,
    );
    assert.equal(
      parallel.map((f) => [f.id, f.line]),
      [['pipeline.oidc-missing', 5]],
      `${use} in parallel:\n${show(parallel)}`,
    );
    assert.equal(
      pipeline(
        `pipelines:\n  default:\n    - step:\n        oidc: true\n        script:\n          - ${JSON.stringify(use)}\n`,
      ),
      [],
      `${use} with oidc: true`,
    );
  }
  const pipe = pipeline(
    'pipelines:\n  default:\n    - step:\n        script:\n          - pipe: atlassian/aws-s3-deploy:1.6.0\n            variables:\n              AWS_OIDC_ROLE_ARN: $ROLE\n              S3_BUCKET: b\n              LOCAL_PATH: public\n',
  );
  assert.equal(ids(pipe), ['pipeline.oidc-missing']);
  assert.match(pipe[0]!.message, /atlassian\/aws-s3-deploy/);
  const off = pipeline(
    "pipelines:\n  default:\n    - step:\n        oidc: false\n        script: ['echo $BITBUCKET_STEP_OIDC_TOKEN']\n",
  );
  assert.equal(ids(off), ['pipeline.oidc-missing'], 'oidc: false');
  assert.equal(
    pipeline('pipelines:\n  default:\n    - step:\n        script: [aws s3 ls]\n'),
    [],
    'a step that does not use the token needs no oidc',
  );
});

// ---------------------------------------------------------------------------------------------------
// pipeline.static-keys

test('pipeline.static-keys: keys referenced in scripts, pipes and image credentials', () => {
  const script = pipeline(
    'pipelines:\n  default:\n    - step:\n        script:\n          - aws configure set aws_access_key_id "${AWS_ACCESS_KEY_ID}"\n          - aws configure set aws_secret_access_key $AWS_SECRET_ACCESS_KEY\n',
  );
  assert.equal(
    script.map((f) => [f.id, f.line]),
    [
      ['pipeline.static-keys', 5],
      ['pipeline.static-keys', 6],
    ],
  );
  const image = pipeline(
    'pipelines:\n  default:\n    - step:\n        image:\n          name: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/build:1\n          aws:\n            access-key: $AWS_ACCESS_KEY_ID\n            secret-key: $AWS_SECRET_ACCESS_KEY\n        script: [make]\n',
  );
  assert.equal(
    image.map((f) => [f.id, f.line]),
    [['pipeline.static-keys', 4]],
  );
  assert.match(image[0]!.message, /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
});

test("pipeline.static-keys: keys the step itself takes from STS are a session's (our assume-role mode)", () => {
  const step = (lines: string[]) =>
    `pipelines:\n  default:\n    - step:\n        oidc: true\n        script:\n${lines.map((l) => `          - ${JSON.stringify(l)}\n`).join('')}`;
  const sts = credentialScript('assume-role', 'README.md');
  const pipeAfter =
    '          - pipe: atlassian/aws-s3-deploy:1.6.0\n            variables:\n              AWS_ACCESS_KEY_ID: $AWS_ACCESS_KEY_ID\n              AWS_SECRET_ACCESS_KEY: $AWS_SECRET_ACCESS_KEY\n              AWS_SESSION_TOKEN: $AWS_SESSION_TOKEN\n';
  assert.equal(pipeline(step(sts) + pipeAfter), [], 'a pipe fed the session keys');
  assert.equal(pipeline(step([...sts, 'aws s3 ls --profile "$AWS_ACCESS_KEY_ID"'])), [], 'a later command');
  const before = pipeline(step(['echo "$AWS_ACCESS_KEY_ID"', ...sts]));
  assert.equal(
    before.map((f) => [f.id, f.line]),
    [['pipeline.static-keys', 6]],
    'a use before the STS call relies on stored keys',
  );
  const noSts = pipeline(step(['export AWS_ACCESS_KEY_ID="$MY_KEY"', 'aws s3 ls --endpoint "$AWS_ACCESS_KEY_ID"']));
  assert.equal(ids(noSts), ['pipeline.static-keys'], 'keys set from another stored variable are still stored keys');
});

// ---------------------------------------------------------------------------------------------------
// trust.*

const ISSUER = 'api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc';
const PROVIDER = `arn:aws:iam::123456789012:oidc-provider/${ISSUER}`;
const AUD = 'ari:cloud:bitbucket::workspace/7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a';
const REPO = '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d';
const ENV = '1a2b3c4d-0003-4c00-a000-00000000000c';

function trustPolicy(
  condition: Record<string, Record<string, string | string[]>>,
  principal: unknown = { Federated: PROVIDER },
): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition },
      ],
    },
    null,
    2,
  );
}
const withSub = (sub: string | string[], operator = 'StringLike') =>
  trustPolicy(
    operator === 'StringEquals'
      ? { StringEquals: { [`${ISSUER}:aud`]: AUD, [`${ISSUER}:sub`]: sub as string } }
      : { StringEquals: { [`${ISSUER}:aud`]: AUD }, [operator]: { [`${ISSUER}:sub`]: sub } },
  );
const verdicts = (text: string) => trust(text).map((f) => `${f.severity} ${f.id}`);

test('trust: the scoped patterns pass', () => {
  for (const sub of [
    `{${REPO}}:*`,
    `{${REPO}}:{${ENV}}:*`,
    [`{${REPO}}:{${ENV}}:*`, `{${REPO}}:{1a2b3c4d-0001-4a00-8000-00000000000a}:*`],
  ]) {
    assert.equal(trust(withSub(sub)), [], JSON.stringify(sub));
  }
  assert.equal(trust(withSub(`{${REPO}}:*`, 'ForAnyValue:StringLike')), [], 'with a set operator');
});

test('trust.sub-format: each way a sub pattern goes wrong', () => {
  const cases: Array<[string, string, RegExp]> = [
    [`${REPO}:*`, 'error trust.sub-format', /without braces/],
    [`{${REPO}}`, 'error trust.sub-format', /does not end with :\*/],
    [`{${REPO}}:{${ENV}}`, 'error trust.sub-format', /does not end with :\*/],
    [`{${REPO}}:{${ENV}}:{${ENV}}:*`, 'error trust.sub-format', /at most three/],
    ['my-repo:*', 'error trust.sub-format', /where the repository UUID/],
    [`{${REPO}}:*:*`, 'error trust.sub-format', /already covers every environment/],
    [`{${REPO.toUpperCase()}}:*`, 'warning trust.sub-format', /lower case/],
    ['{REPOSITORY-UUID-NOT-SET}:*', 'warning trust.sub-format', /repository UUID is not set yet/],
    [
      `{${REPO}}:{ENVIRONMENT-UUID-NOT-SET}:*`,
      'warning trust.sub-format',
      /deployment environment UUID is not set yet/,
    ],
  ];
  for (const [sub, verdict, message] of cases) {
    const found = trust(withSub(sub));
    assert.equal(verdicts(withSub(sub)), [verdict], `${sub}:\n${show(found)}`);
    assert.match(found[0]!.message, message, sub);
    assert.is(found[0]!.line, 15, `${sub}: the line of the sub key`);
  }
});

test('trust.workspace-wide: no sub condition, a negated one, or a pattern for any repository', () => {
  assert.equal(verdicts(trustPolicy({ StringEquals: { [`${ISSUER}:aud`]: AUD } })), ['error trust.workspace-wide']);
  assert.equal(
    verdicts(withSub(`{${REPO}}:*`, 'StringNotLike')),
    ['error trust.workspace-wide'],
    'StringNotLike excludes one repository and lets the rest in',
  );
  for (const sub of ['*', '{*}:*', '*:*']) assert.equal(verdicts(withSub(sub)), ['error trust.workspace-wide'], sub);
  assert.match(
    trust(trustPolicy({ StringEquals: { [`${ISSUER}:aud`]: AUD } }))[0]!.fix,
    new RegExp(`${ISSUER.replace(/\./g, '\\.')}:sub`),
  );
});

test('trust.sub-exact: StringEquals on sub, whatever the value', () => {
  for (const operator of ['StringEquals', 'StringEqualsIgnoreCase']) {
    for (const sub of [`{${REPO}}:{${ENV}}`, `{${REPO}}:*`])
      assert.equal(verdicts(withSub(sub, operator)), ['error trust.sub-exact'], `${operator} ${sub}`);
  }
});

test('trust.aud: missing, braces, another value; upper case warns', () => {
  const sub = { StringLike: { [`${ISSUER}:sub`]: `{${REPO}}:*` } };
  assert.equal(verdicts(trustPolicy(sub)), ['error trust.aud']);
  const braces = trust(
    trustPolicy({ ...sub, StringEquals: { [`${ISSUER}:aud`]: AUD.replace('/', '/{').concat('}') } }),
  );
  assert.equal(
    braces.map((f) => `${f.severity} ${f.id}`),
    ['error trust.aud'],
  );
  assert.match(braces[0]!.message, /braces/);
  assert.equal(verdicts(trustPolicy({ ...sub, StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' } })), [
    'error trust.aud',
  ]);
  assert.equal(
    verdicts(
      trustPolicy({
        ...sub,
        StringEquals: {
          [`${ISSUER}:aud`]: AUD.toUpperCase().replace(
            'ARI:CLOUD:BITBUCKET::WORKSPACE',
            'ari:cloud:bitbucket::workspace',
          ),
        },
      }),
    ),
    ['warning trust.aud'],
  );
});

test('trust.unsupported-key: claims IAM does not expose never match; the exposed ones pass', () => {
  for (const claim of ['repositoryUuid', 'branchName', 'deploymentEnvironmentUuid', 'workspaceUuid']) {
    const found = trust(
      trustPolicy({
        StringEquals: { [`${ISSUER}:aud`]: AUD, [`${ISSUER}:${claim}`]: 'x' },
        StringLike: { [`${ISSUER}:sub`]: `{${REPO}}:*` },
      }),
    );
    assert.equal(
      found.map((f) => `${f.severity} ${f.id}`),
      ['error trust.unsupported-key'],
      claim,
    );
    assert.match(found[0]!.message, new RegExp(claim));
  }
  for (const claim of ['amr', 'email', 'oaud', 'Email']) {
    assert.equal(
      trust(
        trustPolicy({
          StringEquals: { [`${ISSUER}:aud`]: AUD, [`${ISSUER}:${claim}`]: 'x' },
          StringLike: { [`${ISSUER}:sub`]: `{${REPO}}:*` },
        }),
      ),
      [],
      claim,
    );
  }
});

test('trust.provider: malformed principal, UUID instead of slug, https:// in keys, two workspaces', () => {
  const condition = { StringEquals: { [`${ISSUER}:aud`]: AUD }, StringLike: { [`${ISSUER}:sub`]: `{${REPO}}:*` } };
  const cases: Array<[string, string, RegExp]> = [
    [
      'uuid in the URL',
      trustPolicy(condition, { Federated: PROVIDER.replace('/acme/', '/7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a/') }),
      /by its UUID/,
    ],
    ['not an ARN', trustPolicy(condition, { Federated: `https://${ISSUER}` }), /not an IAM OIDC provider ARN/],
    [
      'account missing',
      trustPolicy(condition, { Federated: PROVIDER.replace('123456789012', '') }),
      /not an IAM OIDC provider ARN/,
    ],
    [
      'https:// in the ARN',
      trustPolicy(condition, { Federated: PROVIDER.replace('oidc-provider/', 'oidc-provider/https://') }),
      /without https/,
    ],
    ['no Federated', trustPolicy(condition, { AWS: 'arn:aws:iam::123456789012:root' }), /no Federated principal/],
    [
      'another workspace in the keys',
      trustPolicy(condition, { Federated: PROVIDER.replace('/acme/', '/other/') }),
      /names the workspace "acme", the Federated principal "other"/,
    ],
  ];
  for (const [label, text, message] of cases) {
    // an AWS principal in place of the provider is also trust.principal's (a warning): this test is about the provider
    const found = trust(text).filter((f) => f.id !== 'trust.principal');
    assert.ok(
      found.length > 0 && found.every((f) => f.id === 'trust.provider' && f.severity === 'error'),
      `${label}:\n${show(found)}`,
    );
    assert.match(found[0]!.message, message, label);
  }
  const https = trust(
    trustPolicy({ StringEquals: { [`${ISSUER}:aud`]: AUD }, StringLike: { [`https://${ISSUER}:sub`]: `{${REPO}}:*` } }),
  );
  assert.ok(
    https.some((f) => f.id === 'trust.provider' && /without https/.test(f.message)),
    show(https),
  );
});

test("trust: statements for other principals are not judged as Bitbucket's", () => {
  const github = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com' },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' } },
      },
    ],
  });
  // not Bitbucket's (no trust.aud, trust.workspace-wide…), but a way in besides Bitbucket's provider
  assert.equal(
    trust(github).map((f) => [f.id, f.severity]),
    [['trust.principal', 'error']],
  );
  const service = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'cloudformation.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  });
  assert.equal(trust(service), []);
});

// ---------------------------------------------------------------------------------------------------
// policy.grammar

test('policy.grammar: each grammar mistake, at its line', () => {
  const doc = (statement: Record<string, unknown>, top: Record<string, unknown> = { Version: '2012-10-17' }) =>
    JSON.stringify({ ...top, Statement: [statement] }, null, 2);
  const ok = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' };
  assert.equal(permissions(doc(ok)), [], 'the control passes');
  const cases: Array<[string, Finding[], RegExp, number | undefined]> = [
    ['not JSON', permissions('{\n  "Version": "2012-10-17",\n  "Statement": [],\n}\n'), /not valid JSON/, 4],
    ['no Version', permissions(doc(ok, {})), /no Version/, 1],
    ['an old Version', permissions(doc(ok, { Version: '2012-10-18' })), /not a policy language version/, 2],
    ['no Statement', permissions('{"Version": "2012-10-17"}'), /no Statement/, 1],
    ['no Effect', permissions(doc({ Action: 's3:GetObject', Resource: '*' })), /no Effect/, 4],
    ['Effect "allow"', permissions(doc({ ...ok, Effect: 'allow' })), /must be "Allow" or "Deny"/, 5],
    ['an action without service', permissions(doc({ ...ok, Action: 'GetObject' })), /form service:Action/, 6],
    [
      'an unknown operator',
      permissions(doc({ ...ok, Condition: { StringEqual: { 'aws:RequestedRegion': 'eu-west-1' } } })),
      /did you mean "StringEquals"\?/,
      9,
    ],
    [
      'NullIfExists',
      permissions(doc({ ...ok, Condition: { NullIfExists: { 'aws:TokenIssueTime': 'true' } } })),
      /not a condition operator/,
      9,
    ],
    [
      'a Principal in a permissions policy',
      permissions(doc({ ...ok, Principal: { AWS: '*' } })),
      /may not name one/,
      8,
    ],
    [
      'no Resource in a permissions policy',
      permissions(doc({ Effect: 'Allow', Action: 's3:GetObject' })),
      /no Resource/,
      4,
    ],
    ['a typo in an element', permissions(doc({ ...ok, Condtion: {} })), /did you mean "Condition"\?/, 8],
    [
      'a Resource in a trust policy',
      trust(
        JSON.stringify(
          {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole', Resource: '*' },
            ],
          },
          null,
          2,
        ),
      ),
      /refuses it in a trust policy/,
      10,
    ],
    [
      'no Principal in a trust policy',
      trust(
        JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] }, null, 2),
      ),
      /no Principal/,
      4,
    ],
  ];
  for (const [label, found, message, line] of cases) {
    assert.equal(
      found.map((f) => `${f.severity} ${f.id}`),
      ['error policy.grammar'],
      `${label}:\n${show(found)}`,
    );
    assert.match(found[0]!.message, message, label);
    assert.is(found[0]!.line, line, `${label}: line`);
  }
  // operators are compared case-insensitively by IAM, with set prefixes and IfExists
  assert.equal(
    permissions(doc({ ...ok, Condition: { 'ForAnyValue:stringlikeIfExists': { 'aws:TagKeys': 'x*' } } })),
    [],
  );
});

test('policy.grammar: unknown actions of the covered services warn, naming the list; other services are not judged', () => {
  const doc = (action: string) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: action, Resource: 'arn:aws:s3:::b' }],
    });
  const typo = permissions(doc('s3:GetObjekt'));
  assert.equal(
    typo.map((f) => `${f.severity} ${f.id}`),
    ['warning policy.grammar'],
  );
  assert.match(typo[0]!.message, /did you mean "s3:GetObject"\?.*checks only those/);
  assert.equal(
    permissions(doc('s3:Frobnicate*')).map((f) => f.severity),
    ['warning'],
    'a wildcard that matches nothing',
  );
  for (const fine of ['s3:getobject', 's3:Get*', 'S3:GetObject', 'iam:PassRole', 'dynamodb:NoSuchActionButNotChecked'])
    assert.equal(permissions(doc(fine)), [], fine);
  assert.equal(
    trust(withSub(`{${REPO}}:*`).replace('sts:AssumeRoleWithWebIdentity', 'sts:AssumeRoleWithWebIdentify')).map(
      (f) => `${f.severity} ${f.id}`,
    ),
    ['warning policy.grammar'],
  );
});

// ---------------------------------------------------------------------------------------------------
// policy.broad

test('policy.broad: wildcards in actions and resources, and the unavoidable exceptions', () => {
  const doc = (statement: Record<string, unknown>) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
  const verdict = (statement: Record<string, unknown>) =>
    permissions(doc({ Effect: 'Allow', ...statement })).map((f) => `${f.severity} ${f.id}`);
  assert.equal(verdict({ Action: '*', Resource: '*' }), ['error policy.broad']);
  assert.equal(
    verdict({ Action: '*', Resource: 'arn:aws:s3:::b' }),
    ['error policy.broad'],
    'every action, even on one bucket',
  );
  assert.equal(verdict({ NotAction: 'iam:*', Resource: '*' }), ['error policy.broad']);
  assert.equal(
    verdict({ Action: 's3:*', Resource: 'arn:aws:s3:::b/*' }),
    ['warning policy.broad'],
    'service-wide on named resources',
  );
  assert.equal(verdict({ Action: 's3:*', Resource: '*' }), ['error policy.broad']);
  assert.equal(verdict({ Action: ['s3:PutObject', 'ecr:GetAuthorizationToken'], Resource: '*' }), [
    'error policy.broad',
  ]);
  assert.match(
    permissions(doc({ Effect: 'Allow', Action: ['s3:PutObject', 'ecr:GetAuthorizationToken'], Resource: '*' }))[0]!
      .message,
    /^Statement\[0\]: s3:PutObject on every resource/,
  );
  assert.equal(verdict({ Action: 'iam:PassRole', NotResource: 'arn:aws:iam::123456789012:role/admin' }), [
    'error policy.broad',
  ]);
  assert.equal(
    verdict({ Action: 'ssm:GetParameter', Resource: '*' }),
    ['warning policy.broad'],
    'a service the list does not cover',
  );
  // AWS offers no narrower resource for these
  assert.equal(
    verdict({
      Action: [
        'ecr:GetAuthorizationToken',
        'sts:GetCallerIdentity',
        's3:ListAllMyBuckets',
        'ecs:DescribeTaskDefinition',
      ],
      Resource: '*',
    }),
    [],
  );
  assert.equal(
    verdict({
      Action: 'sts:GetServiceBearerToken',
      Resource: '*',
      Condition: { StringEquals: { 'sts:AWSServiceName': 'codeartifact.amazonaws.com' } },
    }),
    [],
  );
  assert.equal(
    verdict({ Action: 'sts:GetServiceBearerToken', Resource: '*' }),
    ['warning policy.broad'],
    'bearer tokens for any service',
  );
  assert.equal(
    permissions(doc({ Effect: 'Deny', Action: '*', Resource: '*' })),
    [],
    'a Deny takes away, it grants nothing',
  );
});

test('policy.broad: broad AWS-managed policies in Terraform and CloudFormation', () => {
  const tf = (text: string) =>
    infrastructureFindings({ file: 'terraform/main.tf', text }).map((f) => [f.severity, f.line]);
  assert.equal(tf('resource "x" "y" {\n  managed_policy_arns = ["arn:aws:iam::aws:policy/PowerUserAccess"]\n}\n'), [
    ['error', 2],
  ]);
  assert.equal(
    tf('data "aws_iam_policy" "admin" {\n  name = "AdministratorAccess"\n}\n'),
    [['error', 2]],
    'looked up by name',
  );
  assert.equal(tf('policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonS3FullAccess"\n'), [
    ['warning', 1],
  ]);
  assert.equal(
    tf(
      '# never attach AdministratorAccess\n// nor IAMFullAccess\npolicy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"\n',
    ),
    [],
    'comments, and a read-only policy',
  );
  assert.equal(tf('description = "Deploys the site; no AdministratorAccess needed"\n'), [], 'prose');
  const cfn = infrastructureFindings({
    file: 'cloudformation/role.yaml',
    text: 'Resources:\n  Role:\n    Properties:\n      ManagedPolicyArns:\n        - !Sub arn:${AWS::Partition}:iam::aws:policy/IAMFullAccess\n',
  });
  assert.equal(
    cfn.map((f) => [f.id, f.severity, f.line]),
    [['policy.broad', 'error', 5]],
  );
  assert.match(cfn[0]!.message, /full control of IAM/);
});

// ---------------------------------------------------------------------------------------------------
// the parts: the JSON locator and the action list

test('JSON: the locator accepts exactly what JSON.parse accepts, and gives the same value', () => {
  fc.assert(
    fc.property(fc.json(), (text) => {
      const parsed = parseJsonSource(text);
      assert.ok(parsed.ok, text);
      if (parsed.ok) assert.equal(parsed.value, JSON.parse(text));
    }),
    // a "__proto__" key is an own property for JSON.parse, not the prototype
    { numRuns: 500, examples: [['{"__proto__":0}'], ['{"a":{"__proto__":{"b":1}}}']] },
  );
  const accepts = (text: string) => {
    try {
      JSON.parse(text);
      return true;
    } catch {
      return false;
    }
  };
  const fragments = fc.constantFrom(
    '{',
    '}',
    '[',
    ']',
    ',',
    ':',
    '"a"',
    '"\\u00e9"',
    '"\\x"',
    '1',
    '-0.5e3',
    '01',
    'true',
    'nul',
    ' ',
    '\n',
    '"',
  );
  fc.assert(
    fc.property(
      fc.array(fragments, { maxLength: 12 }).map((parts) => parts.join('')),
      (text) => {
        assert.is(parseJsonSource(text).ok, accepts(text), JSON.stringify(text));
      },
    ),
    { numRuns: 2000 },
  );
});

test('policy.missing-permission: `cloudformation deploy --s3-bucket` uploads the template and CloudFormation reads it back', () => {
  const missing = (line: string) =>
    missingPermission({
      read: (f) =>
        f === 'iam/inline-policy.json'
          ? {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'cloudformation:*', Resource: '*' }],
            }
          : undefined,
      terraform: [],
      cloudformation: [],
      pipeline: {
        file: 'bitbucket-pipelines.yml',
        text: `pipelines:\n  default:\n    - step:\n        script:\n          - ${line}\n`,
      },
    }).map((h) => h.message.replace(/, which .*/, ''));
  const deploy = 'aws cloudformation deploy --stack-name web --template-file big.yaml';
  assert.equal(missing(deploy), []);
  assert.equal(missing(`${deploy} --s3-bucket acme-templates --s3-prefix web`), [
    '`aws cloudformation deploy` calls s3:GetObject, s3:PutObject',
  ]);
  assert.equal(missing(`${deploy} --s3-bucket=acme-templates`), [
    '`aws cloudformation deploy` calls s3:GetObject, s3:PutObject',
  ]);
  // package uploads the template's local code (a SAM CodeUri) to its bucket
  assert.equal(
    missing('aws cloudformation package --template-file t.yaml --s3-bucket acme --output-template-file p.yaml'),
    ['`aws cloudformation package` calls s3:GetObject, s3:PutObject'],
  );
});

test('JSON: lines of keys and list items; the line of an error', () => {
  const parsed = parseJsonSource('{\n  "a": {\n    "b": [\n      1,\n      {"c": 2}\n    ]\n  }\n}');
  assert.ok(parsed.ok);
  if (parsed.ok) {
    assert.equal(
      [
        parsed.line(['a']),
        parsed.line(['a', 'b']),
        parsed.line(['a', 'b', 0]),
        parsed.line(['a', 'b', 1, 'c']),
        parsed.line(['a', 'missing']),
      ],
      [2, 3, 4, 5, 2],
    );
  }
  const broken = parseJsonSource('{\n  "a": 1,\n  "b": 2,\n}');
  assert.equal(broken.ok ? undefined : broken.line, 4);
});

test('policy.missing-permission: an Allow names actions with wildcards in any case; an action IAM refuses names none', () => {
  const pipeline = {
    file: 'bitbucket-pipelines.yml',
    text: 'pipelines:\n  default:\n    - step:\n        script:\n          - aws s3 sync dist s3://site\n',
  };
  const missing = (...statements: unknown[]) =>
    missingPermission({
      read: (f) => (f === 'iam/inline-policy.json' ? { Version: '2012-10-17', Statement: statements } : undefined),
      terraform: [],
      cloudformation: [],
      pipeline,
    }).map((h) => h.message.replace(/, which .*/, ''));
  const allow = (Action: unknown) => ({ Effect: 'Allow', Action, Resource: '*' });
  assert.equal(missing(allow(['S3:list*', 's3:PUTOBJECT'])), []);
  assert.equal(missing(allow('*')), []);
  assert.equal(missing(allow('s3:ListBucket')), ['`aws s3 sync` calls s3:PutObject']);
  // IAM refuses an action without its service prefix, and NotAction grants by what it leaves out: not read
  assert.equal(missing(allow('s3*')), ['`aws s3 sync` calls s3:ListBucket, s3:PutObject']);
  assert.equal(missing({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }), [
    '`aws s3 sync` calls s3:ListBucket, s3:PutObject',
  ]);
  assert.equal(missing({ ...allow('s3:*'), Effect: 'Deny' }), ['`aws s3 sync` calls s3:ListBucket, s3:PutObject']);
});

test.run();
