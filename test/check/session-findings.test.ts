/**
 * `pipeline.outlives-session`: an OIDC step that may run longer than its AWS credentials last. The step's
 * time: its max-time, else options.max-time, else Bitbucket's 120 minutes; its credentials: an hour
 * through the token file or a pipe, else the explicit call's --duration-seconds within the role's maximum
 * session as the answers, the IaC or AWS's default give it. Every generated repository passes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from '@cdktf/hcl2json';
import type { RepositorySource } from '../../src/core/check/drift.ts';
import { outlivesSession } from '../../src/core/check/session-findings.ts';
import { AUTH_CHOICES } from '../../src/core/answers/questions.ts';
import { BUILT_IN_TARGETS } from '../../src/core/targets/registry.ts';
import { answers, renderRepo, targetExamples } from '../support/fixtures.ts';

const TOKEN_FILE = [
  'export AWS_ROLE_ARN="$AWS_OIDC_ROLE_ARN"',
  'export AWS_WEB_IDENTITY_TOKEN_FILE="$(mktemp)"',
  `printf '%s' "$BITBUCKET_STEP_OIDC_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"`,
];
const stsCall = (duration?: string) => [
  `credentials="$(aws sts assume-role-with-web-identity --role-arn "$AWS_OIDC_ROLE_ARN" --role-session-name s${duration === undefined ? '' : ` --duration-seconds ${duration}`} --web-identity-token "$BITBUCKET_STEP_OIDC_TOKEN" --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)"`,
  'set -- $credentials',
];

/** A pipeline of one OIDC step (its extra keys first), and the options of the file. */
function pipeline(script: string[], { step = '', options = '' } = {}): string {
  return `${options ? `options:\n  ${options}\n` : ''}pipelines:\n  default:\n    - step:\n        name: Deploy\n        oidc: true\n${step ? `        ${step}\n` : ''}        script:\n${script.map((l) => `          - ${JSON.stringify(l)}\n`).join('')}`;
}

const findings = (text: string, more: Partial<RepositorySource> = {}) =>
  outlivesSession({
    read: () => undefined,
    terraform: [],
    cloudformation: [],
    pipeline: { file: 'bitbucket-pipelines.yml', text },
    ...more,
  });

test("the token file: an hour, so Bitbucket's default 120 minutes is too long; a max-time of 60 is not", () => {
  const [f, ...rest] = findings(pipeline([...TOKEN_FILE, 'aws s3 ls']));
  assert.is(rest.length, 0);
  assert.is(f!.line, 3, 'at the step');
  assert.match(f!.message, /may run 120 minutes \(Bitbucket's default\) but its AWS credentials last 60 minutes/);
  assert.match(f!.message, /token file: the AWS SDK asks STS for no duration/);
  assert.match(f!.fix, /max-time: 60 or less/);
  assert.match(f!.fix, /--duration-seconds/);
  assert.match(f!.fix, /MaxSessionDuration raised to match\.$/);
  assert.equal(findings(pipeline([...TOKEN_FILE, 'aws s3 ls'], { step: 'max-time: 60' })), []);
});

test("options.max-time counts when the step has none, the step's own wins, at the line that sets it", () => {
  const viaOptions = findings(pipeline(TOKEN_FILE, { options: 'max-time: 90' }));
  assert.equal(
    viaOptions.map((f) => f.line),
    [2],
  );
  assert.match(viaOptions[0]!.message, /90 minutes \(options\.max-time\)/);
  assert.equal(findings(pipeline(TOKEN_FILE, { options: 'max-time: 90', step: 'max-time: 45' })), []);
  const own = findings(pipeline(TOKEN_FILE, { options: 'max-time: 30', step: 'max-time: 61' }));
  assert.match(own[0]!.message, /61 minutes \(its max-time\)/);
});

test('an Atlassian pipe given AWS_OIDC_ROLE_ARN reads a token file too; a step without AWS credentials is left alone', () => {
  const pipe =
    'pipelines:\n  default:\n    - step:\n        oidc: true\n        script:\n          - pipe: atlassian/aws-s3-deploy:1.6.0\n            variables:\n              AWS_OIDC_ROLE_ARN: $AWS_OIDC_ROLE_ARN\n              S3_BUCKET: b\n              LOCAL_PATH: public\n';
  assert.match(findings(pipe)[0]!.message, /through the pipe atlassian\/aws-s3-deploy:1\.6\.0 \(a token file\)/);
  assert.equal(findings(pipeline(['npm test'])), [], 'oidc: true without AWS');
  assert.equal(findings(pipeline(TOKEN_FILE).replace('oidc: true', 'oidc: false')), [], 'no oidc');
});

test("an explicit call: its --duration-seconds within the role's maximum session from the answers", () => {
  const { model } = renderRepo(answers({ auth: 'assume-role', sessionDuration: '2h' }));
  const withModel = (text: string) => findings(text, { model });
  assert.equal(withModel(pipeline(stsCall('7200'), { step: 'max-time: 120' })), []);
  const longer = withModel(pipeline(stsCall('7200'), { step: 'max-time: 150' }));
  assert.match(
    longer[0]!.message,
    /credentials last 120 minutes: its sts assume-role-with-web-identity asks for --duration-seconds 7200, within the role's maximum session of 7200 s \(the answer sessionDuration \(2h\) in \.pipelines-oidc\.json\)/,
  );
  assert.match(longer[0]!.fix, /the answers --auth assume-role and --session-duration of update set both/);
  const noDuration = withModel(pipeline(stsCall(), { step: 'max-time: 90' }));
  assert.match(noDuration[0]!.message, /no --duration-seconds \(STS's default, 3600 s\)/);
  const tooMuch = withModel(pipeline(stsCall('10800'), { step: 'max-time: 180' }));
  assert.match(tooMuch[0]!.message, /more than the role's maximum session of 7200 s .*which STS refuses/);
  const variable = withModel(pipeline(stsCall('"$SESSION"'), { step: 'max-time: 150' }));
  assert.match(variable[0]!.message, /asks for \$SESSION, at most the role's maximum session of 7200 s/);
  assert.equal(withModel(pipeline(stsCall('"$SESSION"'), { step: 'max-time: 120' })), []);
});

test("without answers: the role's MaxSessionDuration from CloudFormation or Terraform, else AWS's default, said so", async () => {
  const text = pipeline(stsCall('10800'), { step: 'max-time: 180' });
  const none = findings(text);
  assert.match(
    none[0]!.message,
    /maximum session of 3600 s \(AWS's default, as neither the answers nor the IaC set one\)/,
  );

  const cfn = (value: string) => ({
    file: 'cloudformation/role.yaml',
    text: `Parameters:\n  Longest:\n    Type: Number\n    Default: 10800\nResources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: deploy\n      MaxSessionDuration: ${value}\n`,
  });
  assert.equal(findings(text, { cloudformation: [cfn('!Ref Longest')] }), [], 'a parameter default of 3 hours');
  const short = findings(text, { cloudformation: [cfn('7200')] });
  assert.match(
    short[0]!.message,
    /maximum session of 7200 s \(the role's MaxSessionDuration in cloudformation\/role\.yaml\)/,
  );

  const main = {
    file: 'infra/main.tf',
    text: 'variable "session" {\n  type    = number\n  default = 3600\n}\n\nresource "aws_iam_role" "deploy" {\n  name                 = "deploy"\n  max_session_duration = var.session\n  assume_role_policy   = "{}"\n}\n',
  };
  const module = async (tfvars?: string) => ({
    files: [{ ...main, hcl: (await parse(main.file, main.text)) as Record<string, unknown> }],
    ...(tfvars ? { tfvars: (await parse('infra/terraform.tfvars', tfvars)) as Record<string, unknown> } : {}),
  });
  const byDefault = findings(text, { terraformModules: [await module()] });
  assert.match(byDefault[0]!.message, /maximum session of 3600 s \(the role's MaxSessionDuration in infra\/main\.tf\)/);
  assert.equal(
    findings(text, { terraformModules: [await module('session = 10800\n')] }),
    [],
    'tfvars over the default',
  );
});

test('every repository new generates passes, whatever its targets, auth, environments and session', () => {
  for (const t of BUILT_IN_TARGETS) {
    for (const auth of AUTH_CHOICES) {
      for (const sessionDuration of auth === 'token-file' ? ['1h'] : ['1h', '90m', '12h']) {
        for (const environments of [
          '',
          'test=11111111-2222-4333-8444-555555555555,production=21111111-2222-4333-8444-555555555555',
        ]) {
          const { model, files } = renderRepo(
            answers({ target: t.id, auth, sessionDuration, environments, targetAnswers: targetExamples(environments) }),
          );
          const text = files.get('bitbucket-pipelines.yml')!;
          assert.equal(findings(text, { model }), [], `${t.id} ${auth} ${sessionDuration} ${environments}`);
          assert.ok(
            findings(text.replace(/max-time: \d+/g, 'max-time: 721'), { model }).length > 0,
            'and fails without it',
          );
        }
      }
    }
  }
});

test.run();
