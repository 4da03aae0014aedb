/**
 * Policies written in hand-written Terraform and CloudFormation are judged by the rules of `iam/*.json`,
 * at the file and line where they are written: jsonencode, heredocs, `aws_iam_policy_document` blocks,
 * variables with a default or a value in terraform.tfvars, CloudFormation parameters with a Default. What
 * check cannot resolve is `iac.unresolved`, never a silent pass. `check` runs as the command does
 * (hcl2json parses the Terraform).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runChecks, type CheckReport } from '../../src/core/check/run-checks.ts';
import { MANIFEST_FILE } from '../../src/core/facts/repository-files.ts';
import { BUILT_IN_TARGETS } from '../../src/core/targets/registry.ts';
import { readCheckTarget } from '../../src/io/check-input.ts';
import { loadTemplates } from '../../src/io/templates.ts';
import { answers, renderRepo, targetExamples, tempDir, withStages } from '../support/fixtures.ts';

const tmp = tempDir('pipelines-oidc-iac-');
let count = 0;

/** `check` on a repository of these files. */
async function check(files: Record<string, string>): Promise<CheckReport> {
  const dir = join(tmp.path, `repo-${++count}`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const { input, model, expected } = await readCheckTarget(tmp.path, dir, loadTemplates);
  return runChecks(input, {
    now: new Date('2026-01-01T00:00:00Z'),
    ...(model ? { model } : {}),
    ...(expected ? { expected } : {}),
  });
}

const found = (r: CheckReport) => r.findings.map((f) => `${f.severity} ${f.id} ${f.file}:${f.line ?? '?'}`).sort();
const show = (r: CheckReport) =>
  r.findings.map((f) => `  ${f.severity} ${f.id} ${f.file}:${f.line} ${f.message}`).join('\n');

const OPEN_ROLE_TF = `resource "aws_iam_role" "open" {
  name = "open"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "admin" {
  role = aws_iam_role.open.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}
`;

test('Terraform: a jsonencode trust policy open to anyone and an inline policy granting everything are errors at their lines', async () => {
  const r = await check({ 'infra/main.tf': OPEN_ROLE_TF });
  assert.equal(found(r), ['error policy.broad infra/main.tf:15', 'error trust.principal infra/main.tf:3'], show(r));
  assert.match(r.findings.find((f) => f.id === 'trust.principal')!.message, /^aws_iam_role\.open assume_role_policy: /);
  assert.is(r.ok, false);
});

test('Terraform: a heredoc policy, interpolations resolved from a default and from terraform.tfvars', async () => {
  const r = await check({
    'main.tf': `variable "who" {
  default = "arn:aws:iam::123456789012:role/ci"
}
variable "actions" {}

resource "aws_iam_role" "heredoc" {
  name               = "h"
  assume_role_policy = <<EOT
{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": {"AWS": "\${var.who}"}, "Action": "sts:AssumeRole"}]
}
EOT
}

resource "aws_iam_policy" "wide" {
  policy = <<-EOT
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "\${var.actions}", "Resource": "*"}]}
  EOT
}
`,
    'terraform.tfvars': 'who = "*"\nactions = "s3:*"\n',
  });
  assert.equal(found(r), ['error policy.broad main.tf:17', 'error trust.principal main.tf:8'], show(r));
});

test('Terraform: aws_iam_policy_document blocks (principals, conditions) referenced by a role are judged where written', async () => {
  const r = await check({
    'main.tf': `data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::123456789012:role/ci"]
    }
    principals {
      type        = "Federated"
      identifiers = ["accounts.google.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "accounts.google.com:aud"
      values   = ["anything"]
    }
  }
}

data "aws_iam_policy_document" "everyone" {
  statement {
    not_principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::123456789012:role/admin"]
    }
    actions = ["sts:AssumeRole"]
  }
}

resource "aws_iam_role" "doc" {
  name               = "d"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
`,
  });
  assert.equal(found(r), ['error trust.principal main.tf:1', 'error trust.principal main.tf:20'], show(r));
});

test('Terraform: what check cannot resolve is iac.unresolved; what it resolves is still judged', async () => {
  const r = await check({
    'main.tf': `variable "principal" {}

resource "aws_iam_role" "partly" {
  name = "p"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Principal = { AWS = var.principal }, Action = "sts:AssumeRole" },
      { Effect = "Allow", Principal = "*", Action = "sts:AssumeRole" },
    ]
  })
}

resource "aws_iam_role_policy" "from_file" {
  role   = "p"
  policy = file("\${path.module}/elsewhere/policy.json")
}

resource "aws_iam_role_policy" "computed" {
  role   = "p"
  policy = var.principal == "" ? "{}" : "{}"
}
`,
  });
  assert.equal(
    found(r),
    [
      'error trust.principal main.tf:5',
      'warning iac.unresolved main.tf:16',
      'warning iac.unresolved main.tf:21',
      'warning iac.unresolved main.tf:5',
    ],
    show(r),
  );
});

const BITBUCKET_URL = 'https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc';
const ISSUER = 'api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc';
const AUDIENCE = 'ari:cloud:bitbucket::workspace/7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a';
const SUB = '{0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d}:*';

test('Terraform: a provider the configuration defines is judged by its URL, its account unknown', async () => {
  const role = (name: string) => `resource "aws_iam_role" "${name}" {
  name = "${name}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = aws_iam_openid_connect_provider.${name}.arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = { "${ISSUER}:aud" = "${AUDIENCE}" }
        StringLike   = { "${ISSUER}:sub" = "${SUB}" }
      }
    }]
  })
}
`;
  const r = await check({
    'main.tf': [
      `resource "aws_iam_openid_connect_provider" "bitbucket" {\n  url            = "${BITBUCKET_URL}"\n  client_id_list = ["${AUDIENCE}"]\n}`,
      'resource "aws_iam_openid_connect_provider" "github" {\n  url            = "https://token.actions.githubusercontent.com"\n  client_id_list = ["sts.amazonaws.com"]\n}',
      role('bitbucket'),
      role('github'),
    ].join('\n'),
  });
  // the GitHub role also tests Bitbucket's claims with no Bitbucket principal: trust.provider says so
  assert.equal(found(r), ['error trust.principal main.tf:27', 'error trust.provider main.tf:27'], show(r));
  assert.match(r.findings[0]!.message, 'token.actions.githubusercontent.com');
});

test('CloudFormation: a provider the template defines, by !Ref and !GetAtt', async () => {
  const r = await check({
    'stack.yaml': `Resources:
  Bitbucket:
    Type: AWS::IAM::OIDCProvider
    Properties:
      Url: ${BITBUCKET_URL}
      ClientIdList: ['${AUDIENCE}']
  Google:
    Type: AWS::IAM::OIDCProvider
    Properties:
      Url: https://accounts.google.com
      ClientIdList: [anything]
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              Federated: !Ref Bitbucket
            Action: sts:AssumeRoleWithWebIdentity
            Condition:
              StringEquals:
                ${ISSUER}:aud: ${AUDIENCE}
              StringLike:
                ${ISSUER}:sub: '${SUB}'
          - Effect: Allow
            Principal:
              Federated: !GetAtt Google.Arn
            Action: sts:AssumeRoleWithWebIdentity
`,
  });
  assert.equal(found(r), ['error trust.principal stack.yaml:15'], show(r));
  assert.match(r.findings[0]!.message, 'accounts.google.com');
});

test('CloudFormation: AssumeRolePolicyDocument, Policies and a managed policy, with parameters', async () => {
  const r = await check({
    'stack.yaml': `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Trusted:
    Type: String
  Everyone:
    Type: String
    Default: '*'
Resources:
  OpenRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              AWS: !Ref Everyone
            Action: sts:AssumeRole
          - Effect: Allow
            Principal:
              AWS: !Ref Trusted
            Action: sts:AssumeRole
      Policies:
        - PolicyName: admin
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: '*'
                Resource: '*'
  Wide:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            NotAction: iam:*
            Resource: !Sub 'arn:aws:s3:::\${AWS::AccountId}-\${aws:username}/*'
`,
  });
  assert.equal(
    found(r),
    [
      'error policy.broad stack.yaml:25',
      'error policy.broad stack.yaml:34',
      'error trust.principal stack.yaml:12',
      'warning iac.unresolved stack.yaml:12',
      'warning iac.unresolved stack.yaml:34',
    ],
    show(r),
  );
});

test('Terraform that does not parse, or nests past the limit inside a string, is said, not a crash', async () => {
  const r = await check({
    'broken.tf': 'resource "aws_iam_role" "x" {\n  assume_role_policy = jsonencode({ a =\n}\n\u001b[31m {{{\n',
    'deep.tf': `resource "aws_iam_role" "y" {\n  assume_role_policy = "\${${'['.repeat(5000)}${']'.repeat(5000)}}"\n}\n`,
    'nested.tf': `resource "aws_iam_role" "z" {\n  assume_role_policy = "\${jsonencode(${'['.repeat(100)}${']'.repeat(100)})}"\n}\n`,
  });
  assert.equal(
    found(r),
    // past the limit, a file is not handed to HCL's parser at all: a deep template can kill its runtime
    ['warning iac.unresolved broken.tf:?', 'warning iac.unresolved deep.tf:?', 'warning iac.unresolved nested.tf:?'],
    show(r),
  );
});

test('locals that double each other, referenced many times, stay small: unresolved past a bound', async () => {
  const doubling = Array.from({ length: 60 }, (_, i) =>
    i === 0 ? '  a0 = "xxxxxxxxxx"' : `  a${i} = "\${local.a${i - 1}}\${local.a${i - 1}}"`,
  );
  const r = await check({
    'main.tf': `locals {\n${doubling.join('\n')}\n}\nresource "aws_iam_role_policy" "p" {\n  role = "r"\n  policy = jsonencode([${Array(20000).fill('local.a13').join(',')}])\n}\nresource "aws_iam_policy" "q" {\n  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = local.a59 }] })\n}\n`,
  });
  assert.equal(found(r), ['warning iac.unresolved main.tf:65', 'warning iac.unresolved main.tf:68'], show(r));
  assert.ok(
    r.findings.every((f) => f.message.length < 400),
    show(r),
  );
});

// the IaC that new writes, read as a hand-written repository (no manifest: every folder parsed and judged),
// and as a generated one whose Terraform was touched (parsed too): nothing in it is a finding
const TEST_AND_PRODUCTION = 'test=11111111-2222-4333-8444-555555555555,production=21111111-2222-4333-8444-555555555555';
for (const [label, environments] of [
  ['every target', ''],
  ['every target, two environments, assume-role', TEST_AND_PRODUCTION],
] as const) {
  test(`the Terraform and CloudFormation new writes (${label}) add no finding`, async () => {
    const a = answers({
      iac: 'both',
      target: withStages(BUILT_IN_TARGETS.map((t) => t.id).join(','), environments),
      environments,
      targetAnswers: targetExamples(environments),
      ...(environments ? { auth: 'assume-role' as const } : {}),
    });
    const files = Object.fromEntries(renderRepo(a).files);
    const iac = (r: CheckReport) =>
      // the IaC files' findings (a deploy target's own template.yaml, missing here, is its step's input)
      r.findings.filter(
        (f) => /\.(tf|ya?ml)$/.test(f.file) && f.file !== 'bitbucket-pipelines.yml' && f.id !== 'repo.missing-input',
      );
    const { [MANIFEST_FILE]: manifest, ...handWritten } = files;
    assert.ok(manifest);
    const asHandWritten = await check(handWritten);
    assert.equal(iac(asHandWritten), [], show(asHandWritten));
    const touched = await check({ ...files, 'terraform/main.tf': `${files['terraform/main.tf']}# edited\n` });
    assert.equal(iac(touched), [], show(touched));
  });
}

test.after(() => tmp.cleanup());
test.run();
