/**
 * The rules an OIDC deployment pipeline should pass, each with the cases that must fire and those that
 * must stay quiet: stored keys in any form, deploys without an environment or from pull requests, pipes by
 * a moving tag, the token printed or kept, credentials in after-script, TLS turned off, merge conflicts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pipelineFindings, repositoryFindings, trustFindings } from '../../src/core/check/findings.ts';
import type { Finding } from '../../src/core/check/rules.ts';
import { runChecks } from '../../src/core/check/run-checks.ts';
import { credentialScript } from '../../src/core/repo/pipeline.ts';

const pipeline = (text: string) =>
  pipelineFindings({ file: 'bitbucket-pipelines.yml', text }, new Date('2026-01-01T00:00:00Z'));
const of = (id: string, findings: Finding[]) => findings.filter((f) => f.id === id);
const show = (findings: Finding[]) => findings.map((f) => `  ${f.id} ${f.line ?? '?'} ${f.message}`).join('\n');
/** A step on main; `oidc: true` unless told otherwise. */
const step = (lines: string[], extra = '', oidc = true) =>
  `pipelines:\n  branches:\n    main:\n      - step:\n${oidc ? '          oidc: true\n' : ''}${extra}          script:\n${lines.map((l) => `            - ${JSON.stringify(l)}\n`).join('')}`;
const TOKEN_FILE = [
  'export AWS_WEB_IDENTITY_TOKEN_FILE="$(mktemp)"',
  `printf '%s' "$BITBUCKET_STEP_OIDC_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"`,
  'export AWS_ROLE_ARN="$AWS_OIDC_ROLE_ARN"',
];

// ---------------------------------------------------------------------------------------------------
// pipeline.static-keys: a key set from anything but an STS answer of the same step

test('pipeline.static-keys: a key set from another variable, a file or a command is stored', () => {
  const cases: Array<[string, RegExp]> = [
    ['export AWS_ACCESS_KEY_ID=$SOME_OTHER_VAR', /AWS_ACCESS_KEY_ID set from \$SOME_OTHER_VAR/],
    ['export AWS_SECRET_ACCESS_KEY="${PROD_SECRET}"', /set from \$PROD_SECRET/],
    ['export AWS_ACCESS_KEY_ID="$(cat .aws-key)"', /set from a file/],
    ['AWS_SECRET_ACCESS_KEY=$(< secrets/key) ./deploy.sh', /set from a file/],
    ['export AWS_ACCESS_KEY_ID=$(vault read -field=key secret/aws)', /set from a command's output/],
    ['export AWS_ACCESS_KEY_ID=`cat key`', /set from a file|command's output/],
    ['read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY < keys.txt', /read from a file/],
  ];
  for (const [command, message] of cases) {
    const found = pipeline(step([command], '', false));
    assert.equal(
      found.map((f) => [f.id, f.line]),
      [['pipeline.static-keys', 6]],
      `${command}:\n${show(found)}`,
    );
    assert.match(found[0]!.message, message, command);
  }
});

test("pipeline.static-keys: keys from the same step's STS answer are a session's, in the usual shapes", () => {
  const shapes = [
    credentialScript('assume-role', 'README.md'),
    [
      'creds=$(aws sts assume-role-with-web-identity --role-arn "$AWS_OIDC_ROLE_ARN" --role-session-name ci --web-identity-token "$BITBUCKET_STEP_OIDC_TOKEN" --output json)',
      'export AWS_ACCESS_KEY_ID=$(echo "$creds" | jq -r .Credentials.AccessKeyId)',
      'export AWS_SECRET_ACCESS_KEY=$(echo "$creds" | jq -r .Credentials.SecretAccessKey)',
      'aws s3 ls --endpoint-url "https://$AWS_ACCESS_KEY_ID.example"',
    ],
    [
      'read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN <<< "$(aws sts assume-role-with-web-identity --role-arn "$AWS_OIDC_ROLE_ARN" --role-session-name ci --web-identity-token "$BITBUCKET_STEP_OIDC_TOKEN" --query "Credentials.[AccessKeyId,SecretAccessKey,SessionToken]" --output text)"',
    ],
  ];
  for (const lines of shapes) assert.equal(pipeline(step(lines)), [], lines.join('\n'));
  // STS answered, but the key comes from elsewhere
  const other = pipeline(
    step([...credentialScript('assume-role', 'README.md').slice(0, -1), 'export AWS_ACCESS_KEY_ID=$OLD_KEY']),
  );
  assert.equal(ids(other), ['pipeline.static-keys'], show(other));
  assert.equal(
    pipeline(step(['export AWS_ACCESS_KEY_ID=', 'unset AWS_SECRET_ACCESS_KEY'], '', false)),
    [],
    'clearing keys',
  );
});

const ids = (findings: Finding[]) => [...new Set(findings.map((f) => f.id))].sort();

// ---------------------------------------------------------------------------------------------------
// pipeline.oidc-missing: a pipe given AWS_OIDC_ROLE_ARN without oidc: true falls back to keys

test('pipeline.oidc-missing: a pipe with AWS_OIDC_ROLE_ARN and no oidc: true says it falls back to access keys', () => {
  const found = pipeline(
    'pipelines:\n  default:\n    - step:\n        script:\n          - pipe: atlassian/aws-s3-deploy:1.6.0\n            variables:\n              AWS_OIDC_ROLE_ARN: $ROLE\n              S3_BUCKET: b\n              LOCAL_PATH: public\n',
  );
  assert.equal(ids(found), ['pipeline.oidc-missing']);
  assert.match(found[0]!.message, /fall back to the access keys/);
  assert.match(pipeline(step(['echo "$BITBUCKET_STEP_OIDC_TOKEN" | wc -c'], '', false))[0]!.message, /AWS refuses/);
});

// ---------------------------------------------------------------------------------------------------
// pipeline.pipe-unpinned

test('pipeline.pipe-unpinned: moving tags warn; full releases and digests pass', () => {
  const pipe = (reference: string) =>
    pipeline(
      `pipelines:\n  default:\n    - step:\n        script:\n          - pipe: ${reference}\n            variables:\n              NAME: x\n`,
    );
  for (const reference of [
    'atlassian/aws-s3-deploy:1',
    'atlassian/aws-s3-deploy:1.6',
    'atlassian/aws-s3-deploy:latest',
    'atlassian/aws-s3-deploy',
    'docker://acme/pipe:2',
  ]) {
    const found = pipe(reference);
    assert.equal(
      found.map((f) => [f.id, f.severity, f.line]),
      [['pipeline.pipe-unpinned', 'warning', 5]],
      reference,
    );
  }
  for (const reference of [
    'atlassian/aws-s3-deploy:1.6.0',
    'docker://acme/pipe:2.0.1',
    `docker://acme/pipe@sha256:${'a'.repeat(64)}`,
  ])
    assert.equal(pipe(reference), [], reference);
});

// ---------------------------------------------------------------------------------------------------
// pipeline.token-exposed

test('pipeline.token-exposed: printed to the log, in each way', () => {
  const cases = [
    ['echo $BITBUCKET_STEP_OIDC_TOKEN'],
    ['printf "%s\\n" "${BITBUCKET_STEP_OIDC_TOKEN}"'],
    ['echo "$BITBUCKET_STEP_OIDC_TOKEN" >&2'],
    ['printenv'],
    ['env | sort'],
    ['printenv BITBUCKET_STEP_OIDC_TOKEN'],
    [
      'set -x',
      'aws sts assume-role-with-web-identity --role-arn "$ROLE" --role-session-name ci --web-identity-token "$BITBUCKET_STEP_OIDC_TOKEN"',
    ],
    ['set -eux', ...TOKEN_FILE],
    ['echo "$BITBUCKET_STEP_OIDC_TOKEN" | tee token.txt'],
    ['echo "$BITBUCKET_STEP_OIDC_TOKEN" > /tmp/t', 'cat /tmp/t'],
  ];
  for (const lines of cases) {
    const found = of('pipeline.token-exposed', pipeline(step(lines)));
    assert.ok(found.length > 0, lines.join('; '));
    assert.match(found[0]!.message, /prints the OIDC token to the log/, lines.join('; '));
  }
});

test('pipeline.token-exposed: written to an artifact or a cache, followed through a variable', () => {
  const artifact = pipeline(
    step(
      ['export TOKEN_FILE=./out/token', 'echo "$BITBUCKET_STEP_OIDC_TOKEN" > "$TOKEN_FILE"'],
      '          artifacts:\n            paths:\n              - out/*\n',
    ),
  );
  assert.equal(
    of('pipeline.token-exposed', artifact).map((f) => f.line),
    [11],
    show(artifact),
  );
  assert.match(artifact[0]!.message, /as an artifact \(out\/\*\)/);
  const cache = pipeline(
    `definitions:\n  caches:\n    tools: .tools\n${step(['printf %s "$BITBUCKET_STEP_OIDC_TOKEN" > .tools/token'], '          caches:\n            - tools\n')}`,
  );
  assert.match(of('pipeline.token-exposed', cache)[0]?.message ?? '', /a cache \(\.tools\)/, show(cache));
  const builtIn = pipeline(step(['env > node_modules/.env'], '          caches:\n            - node\n'));
  assert.equal(ids(builtIn), ['pipeline.token-exposed'], show(builtIn));
});

test('pipeline.token-exposed: a temporary token file, a decoded payload, a filtered env and a step without OIDC stay quiet', () => {
  const quiet = [
    TOKEN_FILE,
    ['echo "$BITBUCKET_STEP_OIDC_TOKEN" | cut -d. -f2 | base64 -d'],
    ['env | grep AWS_'],
    ['echo "the token has ${#BITBUCKET_STEP_OIDC_TOKEN} characters"'],
    [
      'export AWS_WEB_IDENTITY_TOKEN_FILE=/tmp/web-identity-token',
      `printf '%s' "$BITBUCKET_STEP_OIDC_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"`,
    ],
    ['set -x', 'npm test', 'set +x', ...TOKEN_FILE],
    ['curl -fsS -H "Authorization: Bearer $BITBUCKET_STEP_OIDC_TOKEN" -o out/answer.json https://example.com'],
  ];
  for (const lines of quiet)
    assert.equal(
      pipeline(step(lines, '          artifacts:\n            - out/**\n            - "*.txt"\n')),
      [],
      lines.join('; '),
    );
  assert.equal(of('pipeline.token-exposed', pipeline(step(['printenv'], '', false))), [], 'no token in the step');
});

// ---------------------------------------------------------------------------------------------------
// pipeline.after-script-secrets

test('pipeline.after-script-secrets: the token, its file or AWS keys in after-script warn; the same in script does not', () => {
  const after = (line: string) =>
    `pipelines:\n  default:\n    - step:\n        oidc: true\n        script:\n${TOKEN_FILE.map((l) => `          - ${JSON.stringify(l)}\n`).join('')}        after-script:\n          - ${JSON.stringify(line)}\n`;
  for (const line of [
    'aws s3 cp --quiet "$AWS_WEB_IDENTITY_TOKEN_FILE" -',
    'curl -H "X-Key: $AWS_SESSION_TOKEN" https://x',
    'echo ${BITBUCKET_STEP_OIDC_TOKEN:?}',
  ]) {
    const found = of('pipeline.after-script-secrets', pipeline(after(line)));
    assert.equal(
      found.map((f) => [f.severity, f.line]),
      [['warning', 10]],
      line,
    );
  }
  assert.equal(pipeline(after('echo "exit code $BITBUCKET_EXIT_CODE"')), [], 'a report without credentials');
});

// ---------------------------------------------------------------------------------------------------
// pipeline.tls-disabled

test('pipeline.tls-disabled: each way to turn TLS off, in a step with credentials; quiet without them', () => {
  const off = [
    'aws s3 ls --no-verify-ssl',
    'curl -fsSLk https://internal.example.com/config',
    'curl --insecure https://internal.example.com/config',
    'export NODE_TLS_REJECT_UNAUTHORIZED=0',
    'export AWS_CA_BUNDLE=/dev/null',
    'wget --no-check-certificate https://x',
    'git config --global http.sslVerify false',
  ];
  for (const command of off) {
    const found = pipeline(step([...TOKEN_FILE, command]));
    assert.equal(
      found.map((f) => [f.id, f.line]),
      [['pipeline.tls-disabled', 10]],
      `${command}:\n${show(found)}`,
    );
  }
  assert.equal(pipeline(step(['curl -k https://localhost:8443/health'], '', false)), [], 'no credentials in the step');
  // the AWS CLI signs with the repository's variables when the step has none of its own
  assert.equal(ids(pipeline(step(['aws s3 ls --no-verify-ssl'], '', false))), ['pipeline.tls-disabled']);
  for (const fine of [
    'curl -fsSL -K curl.conf https://x',
    'curl -o key.pem https://x',
    'export NODE_EXTRA_CA_CERTS=ca.pem',
  ])
    assert.equal(pipeline(step([...TOKEN_FILE, fine])), [], fine);
});

// ---------------------------------------------------------------------------------------------------
// pipeline.deploy-without-environment and pipeline.pull-request-deploy: with the role's policy

const WRITE = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/*' }],
};
const READ = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: '*' }],
};
const TRUST = { Version: '2012-10-17', Statement: [] };

function repository(text: string, files: Record<string, unknown>): Finding[] {
  return repositoryFindings({
    read: (file) => files[file],
    terraform: [],
    cloudformation: [],
    pipeline: { file: 'bitbucket-pipelines.yml', text },
  }).map((f) => ({ ...f, id: f.id }));
}

test('pipeline.deploy-without-environment: an OIDC step without environment whose role writes; quiet otherwise', () => {
  const ungated = step(TOKEN_FILE);
  const found = of('pipeline.deploy-without-environment', repository(ungated, { 'iam/inline-policy.json': WRITE }));
  assert.equal(
    found.map((f) => [f.severity, f.line]),
    [['warning', 4]],
    show(found),
  );
  const notAction = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }] };
  assert.equal(
    of('pipeline.deploy-without-environment', repository(ungated, { 'iam/inline-policy.json': notAction })).length,
    1,
    'NotAction',
  );
  const quiet: Array<[string, Record<string, unknown>, string]> = [
    [ungated, { 'iam/inline-policy.json': READ }, 'a read-only role'],
    [
      ungated,
      { 'iam/inline-policy.json': WRITE, 'iam/trust-policy.json': TRUST },
      'the trust is here: trust.any-branch judges it',
    ],
    [
      step(TOKEN_FILE, '          deployment: production\n'),
      { 'iam/inline-policy.json': WRITE },
      'a deployment environment',
    ],
    [step(['npm test'], '', false), { 'iam/inline-policy.json': WRITE }, 'no oidc'],
  ];
  for (const [text, files, label] of quiet)
    assert.equal(of('pipeline.deploy-without-environment', repository(text, files)), [], label);
});

test('pipeline.pull-request-deploy: production, IaC applies and write roles in pull-request pipelines; plans and other pipelines pass', () => {
  const pr = (lines: string[], extra = '', oidc = false) =>
    `pipelines:\n  pull-requests:\n    '**':\n      - step:\n${oidc ? '          oidc: true\n' : ''}${extra}          script:\n${lines.map((l) => `            - ${JSON.stringify(l)}\n`).join('')}`;
  const fire: Array<[string, Record<string, unknown>, RegExp]> = [
    [pr(['./deploy.sh'], '          deployment: production\n'), {}, /deploys to production, a production environment/],
    [pr(['./deploy.sh'], '          deployment: prod-eu\n'), {}, /prod-eu/],
    [pr(['terraform -chdir=infra apply -auto-approve']), {}, /terraform apply/],
    [pr(['aws cloudformation deploy --stack-name s --template-file t.yaml']), {}, /aws cloudformation deploy/],
    [pr(['npx cdk deploy --require-approval never']), {}, /cdk deploy/],
    [pr(TOKEN_FILE, '', true), { 'iam/inline-policy.json': WRITE }, /a role that can change resources/],
  ];
  for (const [text, files, message] of fire) {
    const found = of('pipeline.pull-request-deploy', repository(text, files));
    assert.equal(
      found.map((f) => [f.severity, f.line]),
      [['error', 4]],
      text,
    );
    assert.match(found[0]!.message, message);
  }
  // a shared step that a pull request runs too
  const shared = `definitions:\n  steps:\n    - step: &apply\n        name: Apply\n        script:\n          - terraform apply -auto-approve\npipelines:\n  branches:\n    main:\n      - step: *apply\n  pull-requests:\n    '**':\n      - step: *apply\n`;
  assert.match(of('pipeline.pull-request-deploy', repository(shared, {}))[0]?.message ?? '', /pull-requests:\*\*/);
  const quiet: Array<[string, Record<string, unknown>, string]> = [
    [pr(['terraform plan -input=false', 'npx cdk diff']), {}, 'a plan'],
    [pr(['./test.sh'], '          deployment: test\n'), {}, 'a test environment'],
    [pr(TOKEN_FILE, '', true), { 'iam/inline-policy.json': READ }, 'a read-only role'],
    [step(['terraform apply -auto-approve'], '          deployment: production\n', false), {}, 'a branch pipeline'],
  ];
  for (const [text, files, label] of quiet)
    assert.equal(of('pipeline.pull-request-deploy', repository(text, files)), [], label);
});

// ---------------------------------------------------------------------------------------------------
// repo.merge-conflict

test('repo.merge-conflict: each conflict at its line, instead of the syntax error, in the pipeline and a policy', () => {
  const conflicted = `${step(TOKEN_FILE)}<<<<<<< ours\n            - aws s3 ls\n=======\n            - aws s3 ls --recursive\n>>>>>>> theirs\n`;
  const found = pipeline(conflicted);
  assert.equal(
    found.map((f) => [f.id, f.line]),
    [['repo.merge-conflict', 10]],
    show(found),
  );
  const policy = `{\n  "Version": "2012-10-17",\n<<<<<<< ours\n  "Statement": []\n=======\n  "Statement": [{}]\n>>>>>>> theirs\n}\n`;
  const trust = trustFindings({ file: 'iam/trust-policy.json', text: policy });
  assert.equal(
    trust.map((f) => [f.id, f.line]),
    [['repo.merge-conflict', 3]],
    show(trust),
  );
  assert.match(trust[0]!.message, /iam\/trust-policy\.json has an unresolved merge conflict/);
  // a Markdown rule or a lone marker line is not a conflict
  const notConflict = `${step(['echo "=======" && echo "<<<<<<< not a block"'])}`;
  assert.equal(of('repo.merge-conflict', pipeline(notConflict)), []);
});

test('repo.merge-conflict: check reports a conflicted file by that alone, whatever else reads it', () => {
  const markers = '<<<<<<< ours\n=======\n>>>>>>> theirs\n';
  const terraform = { file: 'terraform/main.tf', text: `resource "aws_iam_role_policy" "deploy" {\n${markers}}\n` };
  const policy = { file: 'iam/inline-policy.json', text: `{\n${markers}}\n` };
  const report = runChecks(
    {
      dir: '.',
      pipeline: { file: 'bitbucket-pipelines.yml', text: `${step(['aws s3 sync public s3://b'])}${markers}` },
      trustPolicies: [],
      permissionPolicies: [policy],
      terraform: [terraform],
      cloudformation: [],
      terraformModules: [{ files: [{ ...terraform, error: 'Invalid block definition' }] }],
      unread: [],
    },
    { now: new Date('2026-01-01T00:00:00Z') },
  );
  assert.equal(
    report.findings.map((f) => [f.id, f.file, f.line]),
    [
      ['repo.merge-conflict', 'bitbucket-pipelines.yml', 8],
      ['repo.merge-conflict', 'iam/inline-policy.json', 2],
      ['repo.merge-conflict', 'terraform/main.tf', 2],
    ],
    show(report.findings),
  );
  assert.is(report.ok, false);
});

test.run();
