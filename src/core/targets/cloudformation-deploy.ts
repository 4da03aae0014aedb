import { STEP_IMAGES } from '../facts/index.js';
import type { TargetDefinition } from './definition.js';
import { RELATIVE_PATH, ROLE_NAME } from './shared.js';

/** `aws cloudformation deploy`: a change set, executed with a service role that holds the resource permissions. */
export const cloudformationDeploy: TargetDefinition = {
  id: 'cloudformation-deploy',
  title: 'Deploy a CloudFormation stack',
  description:
    "On every push to main: create or update a stack from a template in the repository through a change set, run by a CloudFormation service role that holds the permissions for the stack's resources (this role only passes it). The command acknowledges the capabilities IAM resources and transforms need (`CAPABILITY_IAM`, `CAPABILITY_NAMED_IAM`, `CAPABILITY_AUTO_EXPAND`): what the stack may create is bounded by the service role. A SAM template (`Transform: AWS::Serverless-2016-10-31`) deploys as it is when its functions carry their code inline (`InlineCode`). With a template bucket (`--template-bucket`), the step first runs `aws cloudformation package`, which uploads code in local folders (`CodeUri: src/`, as SAM templates are usually written) and points the template at it, then deploys through the bucket, which a template over 51,200 bytes needs too; the service role then also needs `s3:GetObject` on the bucket's stack folder, to read the code. With deployment environments, each environment deploys its own stack from `--template-file.<environment>` if given, else from the one `--template-file`: a template per environment is how its parameters' values (their `Default`s) or resources may differ.",
  questions: [
    {
      name: 'stackName',
      flag: 'stack-name',
      description: 'Name of the stack the pipeline deploys',
      example: 'acme-web',
      pattern: '^[A-Za-z][A-Za-z0-9-]{0,127}$',
      perEnvironment: true,
    },
    {
      name: 'templateFile',
      flag: 'template-file',
      description: 'Template file in the repository',
      example: 'template.yaml',
      pattern: RELATIVE_PATH,
      insideRepository: true,
      default: 'template.yaml',
      perEnvironment: true,
      sharedFallback: true,
    },
    {
      name: 'serviceRoleName',
      flag: 'service-role-name',
      description:
        "Name of the CloudFormation service role that creates the stack's resources (trusted by cloudformation.amazonaws.com)",
      example: 'acme-web-cloudformation',
      pattern: ROLE_NAME,
      perEnvironment: true,
    },
    {
      name: 'templateBucket',
      flag: 'template-bucket',
      description:
        'S3 bucket the step uploads the template and its local code (a SAM CodeUri) to, under the stack name (needed for code in local folders and for a template over 51,200 bytes; leave empty to send the template in the request)',
      example: 'acme-cfn-templates',
      pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
      optional: true,
      perEnvironment: true,
    },
  ],
  pipeline: { trigger: 'branch', name: 'main' },
  step: {
    name: 'Deploy the CloudFormation stack',
    image: STEP_IMAGES.awsCli.name,
    script: [
      {
        run: 'aws cloudformation deploy --stack-name {{stackName}} --template-file {{templateFile}} --role-arn arn:{{partition}}:iam::{{account}}:role/{{serviceRoleName}} --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM CAPABILITY_AUTO_EXPAND --no-fail-on-empty-changeset',
        unless: 'templateBucket',
      },
      // with a bucket, code in local folders (a SAM function's CodeUri: src/) is uploaded and the template
      // rewritten to point at it, as SAM templates are written; a template without any is copied as it is
      { run: 'packaged="$(mktemp -d)/template.yaml"', when: 'templateBucket' },
      {
        run: 'aws cloudformation package --template-file {{templateFile}} --s3-bucket {{templateBucket}} --s3-prefix {{stackName}} --output-template-file "$packaged"',
        when: 'templateBucket',
      },
      {
        run: 'aws cloudformation deploy --stack-name {{stackName}} --template-file "$packaged" --s3-bucket {{templateBucket}} --s3-prefix {{stackName}} --role-arn arn:{{partition}}:iam::{{account}}:role/{{serviceRoleName}} --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM CAPABILITY_AUTO_EXPAND --no-fail-on-empty-changeset',
        when: 'templateBucket',
      },
    ],
  },
  statements: [
    {
      Sid: 'CloudFormationChangeSet',
      Effect: 'Allow',
      Action: 'cloudformation:CreateChangeSet',
      Resource: 'arn:{{partition}}:cloudformation:{{region}}:{{account}}:stack/{{stackName}}/*',
      Condition: {
        StringEquals: { 'cloudformation:RoleArn': 'arn:{{partition}}:iam::{{account}}:role/{{serviceRoleName}}' },
      },
    },
    {
      Sid: 'CloudFormationServerlessTransform',
      Effect: 'Allow',
      Action: 'cloudformation:CreateChangeSet',
      Resource: 'arn:{{partition}}:cloudformation:{{region}}:aws:transform/Serverless-2016-10-31',
    },
    {
      Sid: 'CloudFormationDeploy',
      Effect: 'Allow',
      Action: [
        'cloudformation:DescribeStacks',
        'cloudformation:GetTemplateSummary',
        'cloudformation:DescribeChangeSet',
        'cloudformation:ExecuteChangeSet',
      ],
      Resource: 'arn:{{partition}}:cloudformation:{{region}}:{{account}}:stack/{{stackName}}/*',
    },
    {
      Sid: 'CloudFormationTemplateUpload',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: 'arn:{{partition}}:s3:::{{templateBucket}}/{{stackName}}/*',
      when: 'templateBucket',
    },
    {
      Sid: 'CloudFormationPassRole',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: 'arn:{{partition}}:iam::{{account}}:role/{{serviceRoleName}}',
      Condition: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
    },
  ],
  notes: [
    "`cloudformation:CreateChangeSet` on this stack, only with the service role: `aws cloudformation deploy` creates (or updates) the stack through a change set, and cannot hand it to another role or run it with this role's own rights.",
    '`cloudformation:CreateChangeSet` on the AWS SAM transform: CloudFormation authorizes a change set of a template with `Transform: AWS::Serverless-2016-10-31` on the transform too.',
    '`cloudformation:DescribeStacks`, `GetTemplateSummary`, `DescribeChangeSet` and `ExecuteChangeSet` on this stack: deploy checks whether the stack exists (and, for an update, reads the parameters of the deployed template), waits for the change set, executes it and waits for the stack.',
    "`s3:GetObject` and `s3:PutObject` on the stack's folder of the template bucket (only with a template bucket): package and deploy ask whether each file (local code, the template) is there already and upload it, and CloudFormation reads the template from there with the pipeline's credentials.",
    "`iam:PassRole` on the service role, only to CloudFormation: the stack's resources are created with that role's permissions, not this one's.",
  ],
  rehearsal: {
    seed: [
      'aws iam create-role --role-name {{serviceRoleName}} --assume-role-policy-document \'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudformation.amazonaws.com"},"Action":"sts:AssumeRole"}]}\'',
      // the service role creates the stack's resources: a topic, or a SAM function with its execution role, from
      // code that `package` uploaded to the template bucket
      { run: 'aws s3 mb s3://{{templateBucket}}', when: 'templateBucket' },
      'aws iam put-role-policy --role-name {{serviceRoleName}} --policy-name stack-resources --policy-document \'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sns:CreateTopic","Resource":"arn:*:sns:*:*:\'{{stackName}}\'-*"},{"Effect":"Allow","Action":"lambda:CreateFunction","Resource":"arn:*:lambda:*:*:function:\'{{stackName}}\'-*"},{"Effect":"Allow","Action":["iam:CreateRole","iam:AttachRolePolicy","iam:PassRole"],"Resource":"arn:*:iam::*:role/\'{{stackName}}\'-*"},{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:*:s3:::*/\'{{stackName}}\'/*"}]}\'',
    ],
    conditional: {
      'cloudformation:CreateChangeSet':
        'on the SAM transform: a SAM template (test/rehearse/rehearse-cloudformation.test.ts); the stack statement is needed by every deploy',
    },
    // the emulator reads AWSTemplateFormatVersion when it summarises the stack of a redeploy
    files: [
      {
        path: '{{templateFile}}',
        text: "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n",
      },
    ],
  },
};
