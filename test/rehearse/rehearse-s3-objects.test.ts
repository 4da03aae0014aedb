/**
 * Authorizations S3 makes beyond the step's own call, which the front makes too: an upload into a bucket whose
 * default encryption is SSE-KMS asks KMS for a data key with the caller's credentials (and to decrypt it
 * again for each part of a multipart upload), and `cloudformation deploy --s3-bucket` uploads the template
 * that CloudFormation then reads from its TemplateURL as the caller. One repository holds both targets; the
 * generated policy passes, and the same repository without the two statements fails on both.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generatedRepository, rehearseOnce } from '../support/cli-helpers.ts';
import { hasTool } from '../support/tools.ts';

interface Call {
  action: string;
  resource: string;
  allowed: boolean;
}
interface Report {
  ok: boolean;
  runs: Array<{ steps: Array<{ name: string; ok: boolean; calls: Call[]; output: string }> }>;
}

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const TEMPLATES = 'arn:aws:s3:::acme-cfn-templates/acme-web/';

function repository(): string {
  const dir = generatedRepository('objects', [
    ...['--target', 's3-static-site,cloudformation-deploy'],
    ...['--site-bucket', 'www.example.com', '--site-kms-key', KEY],
    ...['--stack-name', 'acme-web', '--service-role-name', 'acme-web-cloudformation'],
    ...['--template-bucket', 'acme-cfn-templates'],
  ]);
  mkdirSync(join(dir, 'public'));
  writeFileSync(join(dir, 'public/index.html'), '<!doctype html><title>site</title>\n');
  // over the CLI's 8 MB multipart threshold: sync uploads it in parts
  writeFileSync(join(dir, 'public/video.bin'), Buffer.alloc(9 * 1024 * 1024, 7));
  writeFileSync(
    join(dir, 'template.yaml'),
    "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n",
  );
  return dir;
}

const rehearse = (dir: string) => rehearseOnce<Report>(dir);

const steps = (report: Report) => report.runs[0]!.steps;
const step = (report: Report, name: string) => steps(report).find((s) => s.name.includes(name))!;
const shown = (calls: Call[]) => calls.map((c) => `${c.allowed ? 'allow' : 'deny'} ${c.action} ${c.resource}`);

test('SSE-KMS uploads and the template bucket: the generated policy passes, each with the authorizations AWS makes', async () => {
  if (!hasTool('moto_server', "pip install 'moto[server]'")) return;
  const report = await rehearse(repository());
  assert.ok(
    report.ok,
    steps(report)
      .map((s) => s.output)
      .join('\n'),
  );
  const site = shown(step(report, 'Publish the site').calls);
  assert.ok(site.includes(`allow kms:GenerateDataKey ${KEY}`), site.join('\n'));
  // the parts of video.bin and their completion
  assert.ok(site.filter((c) => c === `allow kms:Decrypt ${KEY}`).length >= 2, site.join('\n'));
  const stack = shown(step(report, 'CloudFormation').calls);
  for (const action of ['s3:PutObject', 's3:GetObject'])
    assert.ok(
      stack.some((c) => c.startsWith(`allow ${action} ${TEMPLATES}`) && c.endsWith('.template')),
      stack.join('\n'),
    );
  // the template CloudFormation read from the bucket was judged: its topic created by the service role
  assert.ok(
    stack.some((c) => c.startsWith('allow sns:CreateTopic ')),
    stack.join('\n'),
  );
});

test('without the KMS key and template bucket statements, both steps fail where AWS would deny them', async () => {
  if (!hasTool('moto_server', "pip install 'moto[server]'")) return;
  const dir = repository();
  const file = join(dir, 'iam/inline-policy.json');
  const policy = JSON.parse(readFileSync(file, 'utf8')) as { Statement: Array<{ Sid: string }> };
  policy.Statement = policy.Statement.filter((s) => s.Sid !== 'SiteKmsKey' && s.Sid !== 'CloudFormationTemplateUpload');
  writeFileSync(file, JSON.stringify(policy, null, 2));
  const report = await rehearse(dir);
  assert.is(report.ok, false);
  const site = step(report, 'Publish the site');
  assert.is(site.ok, false);
  assert.ok(shown(site.calls).includes(`deny kms:GenerateDataKey ${KEY}`), shown(site.calls).join('\n'));
  const stack = step(report, 'CloudFormation');
  assert.is(stack.ok, false);
  assert.ok(
    shown(stack.calls).some((c) => c.startsWith(`deny s3:PutObject ${TEMPLATES}`)),
    shown(stack.calls).join('\n'),
  );
});

test.run();
