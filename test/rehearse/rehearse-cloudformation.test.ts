/**
 * `rehearse` of the cloudformation-deploy target judges the template as CloudFormation would, where the
 * emulator creates whatever it is given: the capabilities the command must acknowledge, the SAM transform the
 * role must be allowed to use, and each resource against the service role's policies.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generatedRepository, rehearseOnce } from '../support/cli-helpers.ts';
import { hasTool } from '../support/tools.ts';
import { judgeStackTemplate } from '../../src/core/rehearse/index.ts';

interface Call {
  action: string;
  resource: string;
  allowed: boolean;
  reason: string;
  unproven?: string[];
}
interface Report {
  ok: boolean;
  runs: Array<{ steps: Array<{ name: string; ok: boolean; calls: Call[]; output: string }> }>;
}

const ready = () => hasTool('moto_server', "pip install 'moto[server]'");

/** A generated cloudformation-deploy repository whose template is `template`. */
function repository(template: string, extra: string[] = []): string {
  const dir = generatedRepository('stacked', [
    ...['--target', 'cloudformation-deploy', '--stack-name', 'acme-web'],
    ...['--service-role-name', 'acme-web-cloudformation'],
    ...extra,
  ]);
  writeFileSync(join(dir, 'template.yaml'), template);
  return dir;
}

/** The deploy command as it was generated before it acknowledged any capability. */
function withoutCapabilities(dir: string): void {
  const file = join(dir, 'bitbucket-pipelines.yml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/ --capabilities( CAPABILITY_[A-Z_]+)+/g, ''));
}

const rehearse = (dir: string) => rehearseOnce<Report>(dir);

const stepOf = (report: Report) => report.runs[0]!.steps.find((s) => s.name.includes('CloudFormation'))!;
const denied = (report: Report) => stepOf(report).calls.filter((c) => !c.allowed);

const NAMED_ROLE = `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: acme-web-app
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com }
            Action: sts:AssumeRole
`;

const SAM = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        def handler(event, context):
          return "hello"
`;

test('a named IAM role deployed without --capabilities is refused: InsufficientCapabilities', async () => {
  if (!ready()) return;
  const dir = repository(NAMED_ROLE);
  withoutCapabilities(dir);
  const report = await rehearse(dir);
  assert.is(report.ok, false);
  assert.match(stepOf(report).output, /InsufficientCapabilities/);
  assert.match(denied(report)[0]!.reason, /Requires capabilities : \[CAPABILITY_NAMED_IAM\]/);
});

test("a resource the service role may not create fails the deploy, as the stack's rollback would", async () => {
  if (!ready()) return;
  const report = await rehearse(
    repository(`AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Jobs:\n    Type: AWS::SQS::Queue\n`),
  );
  assert.is(report.ok, false);
  assert.match(stepOf(report).output, /ROLLBACK_COMPLETE/);
  assert.equal(
    denied(report).map((c) => [c.action, c.resource]),
    [['sqs:CreateQueue', 'arn:aws:sqs:eu-west-1:123456789012:acme-web-Jobs-GENERATED']],
  );
});

test('a SAM template deployed without --capabilities is refused', async () => {
  if (!ready()) return;
  const dir = repository(SAM);
  withoutCapabilities(dir);
  const report = await rehearse(dir);
  assert.is(report.ok, false);
  assert.match(denied(report)[0]!.reason, /CAPABILITY_IAM/);
});

test('a SAM template deploys with the generated command: transform and service role authorized', async () => {
  if (!ready()) return;
  const report = await rehearse(repository(SAM));
  assert.ok(report.ok, stepOf(report).output);
  const actions = stepOf(report).calls.map((c) => `${c.action} ${c.resource}`);
  assert.ok(
    actions.includes(
      'cloudformation:CreateChangeSet arn:aws:cloudformation:eu-west-1:aws:transform/Serverless-2016-10-31',
    ),
    actions.join('\n'),
  );
  assert.ok(actions.some((a) => a.startsWith('lambda:CreateFunction ')));
});

/** A SAM template as users write it: the function's code in a folder of the repository. */
const SAM_CODE_URI = SAM.replace(/ {6}InlineCode: \|\n(?: {8}.*\n)+/, '      CodeUri: src/\n');

test('a SAM function whose code is a local folder: refused without a template bucket; with one, packaged, and its code read by the service role', async () => {
  if (!ready()) return;
  assert.match(SAM_CODE_URI, 'CodeUri: src/');
  const plain = repository(SAM_CODE_URI);
  mkdirSync(join(plain, 'src'));
  writeFileSync(join(plain, 'src/index.py'), 'def handler(event, context):\n    return "hello"\n');
  const refused = await rehearse(plain);
  assert.is(refused.ok, false);
  assert.match(denied(refused)[0]!.reason, `Hello's CodeUri "src/" is not a valid S3 Uri`);

  const dir = repository(SAM_CODE_URI, ['--template-bucket', 'acme-cfn']);
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src/index.py'), 'def handler(event, context):\n    return "hello"\n');
  const report = await rehearse(dir);
  assert.ok(report.ok, stepOf(report).output);
  const actions = stepOf(report).calls.map((c) => `${c.action} ${c.resource}`);
  // package uploads the code, deploy the rewritten template; the service role reads the code to create the function
  const code = actions.find((a) => /^s3:PutObject arn:aws:s3:::acme-cfn\/acme-web\/[0-9a-f]{32}$/.test(a));
  assert.ok(code, actions.join('\n'));
  assert.ok(actions.includes(code.replace('PutObject', 'GetObject')), actions.join('\n'));
  assert.ok(actions.some((a) => a.startsWith('lambda:CreateFunction ')));
});

test("judged as CloudFormation would: a function's code in S3 is read with the service role's rights", () => {
  const scope = { partition: 'aws', region: 'eu-west-1', account: '123456789012' };
  const lambda = `Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Role: arn:aws:iam::123456789012:role/exec\n      Code: { S3Bucket: code-bucket, S3Key: fn/v1.zip }\n`;
  const verdict = judgeStackTemplate(lambda, { stack: 'acme', capabilities: [], scope });
  assert.ok(
    verdict.resources.some((a) => a.action === 's3:GetObject' && a.resource === 'arn:aws:s3:::code-bucket/fn/v1.zip'),
  );
  assert.equal(judgeStackTemplate(SAM, { stack: 'acme', capabilities: [], scope }).invalid, []);
  assert.is(judgeStackTemplate(SAM_CODE_URI, { stack: 'acme', capabilities: [], scope }).invalid.length, 1);
});

test('a resource type without create actions is reported as not evaluated', async () => {
  if (!ready()) return;
  const report = await rehearse(
    repository(
      `AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n  Key:\n    Type: AWS::KMS::Key\n`,
    ),
  );
  const unproven = stepOf(report).calls.flatMap((c) => c.unproven ?? []);
  assert.ok(
    unproven.some((u) => u.includes('Key (AWS::KMS::Key)')),
    JSON.stringify(stepOf(report).calls),
  );
});

test.run();
