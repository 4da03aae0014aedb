/**
 * Which IAM checks an AWS request needs: each service's own module reads its requests (Query `Action=`,
 * JSON `X-Amz-Target`, REST paths), and anything else is its operation's action on `*`. The expected
 * actions and ARNs are written out here from AWS's Service Authorization Reference and ARN formats.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { packageCheck, requestedKmsKey, type AwsRequest } from '../../src/core/aws/index.ts';
import { operationOf } from '../../src/core/rehearse/index.ts';
import { request, SCOPE } from '../support/aws-request.ts';

const scope = SCOPE;
const R = request('POST');
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY = `arn:aws:kms:eu-west-1:123456789012:key/${KEY_ID}`;

/** What is asked, then the service, the operation and each check as `action on resource {context}`. */
const CASES: Array<[string, AwsRequest, string, string, string[]]> = [
  [
    'iam GetRole by name',
    R({ service: 'iam', form: { Action: 'GetRole', RoleName: 'deploy' } }),
    'iam',
    'GetRole',
    ['iam:GetRole on arn:aws:iam::123456789012:role/deploy'],
  ],
  [
    'iam GetRole by ARN',
    R({ service: 'iam', form: { Action: 'GetRole', RoleName: 'arn:aws:iam::1:role/x' } }),
    'iam',
    'GetRole',
    ['iam:GetRole on arn:aws:iam::1:role/x'],
  ],
  [
    'iam provider',
    R({
      service: 'iam',
      form: {
        Action: 'GetOpenIDConnectProvider',
        OpenIDConnectProviderArn:
          'arn:aws:iam::123456789012:oidc-provider/api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc',
      },
    }),
    'iam',
    'GetOpenIDConnectProvider',
    [
      'iam:GetOpenIDConnectProvider on arn:aws:iam::123456789012:oidc-provider/api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc',
    ],
  ],
  ['iam neither', R({ service: 'iam', form: { Action: 'ListRoles' } }), 'iam', 'ListRoles', ['iam:ListRoles on *']],
  [
    'sts AssumeRole',
    R({ service: 'sts', form: { Action: 'AssumeRole', RoleArn: 'arn:aws:iam::1:role/x' } }),
    'sts',
    'AssumeRole',
    ['sts:AssumeRole on arn:aws:iam::1:role/x'],
  ],
  [
    'sts unsigned',
    R({ form: { Action: 'GetCallerIdentity' } }),
    'sts',
    'GetCallerIdentity',
    ['sts:GetCallerIdentity on *'],
  ],
  [
    'cloudformation by name',
    R({ service: 'cloudformation', form: { Action: 'DescribeStacks', StackName: 'web' } }),
    'cloudformation',
    'DescribeStacks',
    ['cloudformation:DescribeStacks on arn:aws:cloudformation:eu-west-1:123456789012:stack/web/*'],
  ],
  [
    'cloudformation by ARN',
    R({
      service: 'cloudformation',
      form: { Action: 'DescribeStacks', StackName: 'arn:aws:cloudformation:eu-west-1:1:stack/web/abc' },
    }),
    'cloudformation',
    'DescribeStacks',
    ['cloudformation:DescribeStacks on arn:aws:cloudformation:eu-west-1:1:stack/web/abc'],
  ],
  [
    'cloudformation no stack',
    R({ service: 'cloudformation', form: { Action: 'ListStacks' } }),
    'cloudformation',
    'ListStacks',
    ['cloudformation:ListStacks on *'],
  ],
  [
    'cloudformation with a role',
    R({
      service: 'cloudformation',
      form: { Action: 'CreateChangeSet', StackName: 'web', RoleARN: 'arn:aws:iam::123456789012:role/cfn' },
    }),
    'cloudformation',
    'CreateChangeSet',
    [
      'cloudformation:CreateChangeSet on arn:aws:cloudformation:eu-west-1:123456789012:stack/web/* {"cloudformation:RoleArn":"arn:aws:iam::123456789012:role/cfn"}',
      'iam:PassRole on arn:aws:iam::123456789012:role/cfn {"iam:PassedToService":"cloudformation.amazonaws.com"}',
    ],
  ],
  [
    'another query service',
    R({ service: 'sqs', form: { Action: 'SendMessage' } }),
    'sqs',
    'SendMessage',
    ['sqs:SendMessage on *'],
  ],
  ['query Action on s3', R({ service: 's3', form: { Action: 'Odd' } }), 's3', 'Odd', ['s3:Odd on *']],
  [
    'ecr without repository',
    R({ service: 'ecr', target: 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken' }),
    'ecr',
    'GetAuthorizationToken',
    ['ecr:GetAuthorizationToken on *'],
  ],
  [
    'ecr with repository',
    R({
      service: 'ecr',
      target: 'AmazonEC2ContainerRegistry_V20150921.PutImage',
      json: { repositoryName: 'acme/web' },
    }),
    'ecr',
    'PutImage',
    ['ecr:PutImage on arn:aws:ecr:eu-west-1:123456789012:repository/acme/web'],
  ],
  [
    'ecs RegisterTaskDefinition',
    R({
      service: 'ecs',
      target: 'AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition',
      json: {
        family: 'web',
        taskRoleArn: 'arn:aws:iam::123456789012:role/task',
        executionRoleArn: 'exec',
        containerDefinitions: [{ name: 'app' }, { name: 'agent', privileged: true }],
      },
    }),
    'ecs',
    'RegisterTaskDefinition',
    [
      'ecs:RegisterTaskDefinition on arn:aws:ecs:eu-west-1:123456789012:task-definition/web:* {"ecs:privileged":"true"}',
      'iam:PassRole on arn:aws:iam::123456789012:role/task {"iam:PassedToService":"ecs-tasks.amazonaws.com"}',
      'iam:PassRole on exec {"iam:PassedToService":"ecs-tasks.amazonaws.com"}',
    ],
  ],
  [
    'ecs RegisterTaskDefinition bare',
    R({ service: 'ecs', target: 'AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition' }),
    'ecs',
    'RegisterTaskDefinition',
    ['ecs:RegisterTaskDefinition on arn:aws:ecs:eu-west-1:123456789012:task-definition/:*'],
  ],
  [
    'ecs UpdateService',
    R({
      service: 'ecs',
      target: 'AmazonEC2ContainerServiceV20141113.UpdateService',
      json: { cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod', service: 'web' },
    }),
    'ecs',
    'UpdateService',
    ['ecs:UpdateService on arn:aws:ecs:eu-west-1:123456789012:service/prod/web'],
  ],
  [
    'ecs UpdateService onto a revision',
    R({
      service: 'ecs',
      target: 'AmazonEC2ContainerServiceV20141113.UpdateService',
      json: { cluster: 'prod', service: 'web', taskDefinition: 'web:7' },
    }),
    'ecs',
    'UpdateService',
    [
      'ecs:UpdateService on arn:aws:ecs:eu-west-1:123456789012:service/prod/web {"ecs:task-definition":"arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7"}',
    ],
  ],
  [
    'ecs RegisterTaskDefinition, none privileged',
    R({
      service: 'ecs',
      target: 'AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition',
      json: { family: 'web', containerDefinitions: [{ name: 'app', privileged: false }] },
    }),
    'ecs',
    'RegisterTaskDefinition',
    [
      'ecs:RegisterTaskDefinition on arn:aws:ecs:eu-west-1:123456789012:task-definition/web:* {"ecs:privileged":"false"}',
    ],
  ],
  [
    'ecs UpdateService default cluster',
    R({ service: 'ecs', target: 'AmazonEC2ContainerServiceV20141113.UpdateService', json: {} }),
    'ecs',
    'UpdateService',
    ['ecs:UpdateService on arn:aws:ecs:eu-west-1:123456789012:service/default/'],
  ],
  [
    'ecs DescribeServices',
    R({
      service: 'ecs',
      target: 'AmazonEC2ContainerServiceV20141113.DescribeServices',
      json: { cluster: 'prod', services: ['web', 'arn:aws:ecs:eu-west-1:1:service/prod/api'] },
    }),
    'ecs',
    'DescribeServices',
    [
      'ecs:DescribeServices on arn:aws:ecs:eu-west-1:123456789012:service/prod/web',
      'ecs:DescribeServices on arn:aws:ecs:eu-west-1:1:service/prod/api',
    ],
  ],
  [
    'another JSON service, unsigned',
    R({ target: 'Logs_20140328.PutLogEvents' }),
    'Logs_20140328',
    'PutLogEvents',
    ['Logs_20140328:PutLogEvents on *'],
  ],
  ['JSON without a dot', R({ service: 'ecr', target: 'Broken' }), 'ecr', 'Unknown', ['ecr:Unknown on *']],
  [
    's3 DeleteObjects',
    R({
      service: 's3',
      path: '/site',
      query: { delete: '' },
      body: '<Delete><Object><Key>a&amp;b&lt;&gt;&quot;&apos;.html</Key></Object><Object><Key>c/d</Key></Object></Delete>',
    }),
    's3',
    'DeleteObjects',
    ['s3:DeleteObject on arn:aws:s3:::site/a&b<>"\'.html', 's3:DeleteObject on arn:aws:s3:::site/c/d'],
  ],
  [
    's3 list',
    R({ service: 's3', method: 'GET', path: '/site' }),
    's3',
    'ListObjectsV2',
    ['s3:ListBucket on arn:aws:s3:::site'],
  ],
  [
    's3 head bucket',
    R({ service: 's3', method: 'HEAD', path: '/site' }),
    's3',
    'HeadBucket',
    ['s3:ListBucket on arn:aws:s3:::site'],
  ],
  [
    's3 create bucket',
    R({ service: 's3', method: 'PUT', path: '/site' }),
    's3',
    'CreateBucket',
    ['s3:CreateBucket on arn:aws:s3:::site'],
  ],
  [
    's3 delete bucket',
    R({ service: 's3', method: 'DELETE', path: '/site' }),
    's3',
    'DeleteBucket',
    ['s3:DeleteBucket on arn:aws:s3:::site'],
  ],
  [
    's3 get object',
    R({ service: 's3', method: 'GET', path: '/site/a%20b/c.html' }),
    's3',
    'GetObject',
    ['s3:GetObject on arn:aws:s3:::site/a b/c.html'],
  ],
  [
    's3 head object',
    R({ service: 's3', method: 'HEAD', path: '/site/index.html' }),
    's3',
    'HeadObject',
    ['s3:GetObject on arn:aws:s3:::site/index.html'],
  ],
  [
    's3 delete object',
    R({ service: 's3', method: 'DELETE', path: '/site/index.html' }),
    's3',
    'DeleteObject',
    ['s3:DeleteObject on arn:aws:s3:::site/index.html'],
  ],
  [
    's3 abort upload',
    R({ service: 's3', method: 'DELETE', path: '/site/big.bin', query: { uploadId: 'u1' } }),
    's3',
    'AbortMultipartUpload',
    ['s3:AbortMultipartUpload on arn:aws:s3:::site/big.bin'],
  ],
  [
    's3 put object',
    R({ service: 's3', method: 'PUT', path: '/site/index.html' }),
    's3',
    'PutObject',
    ['s3:PutObject on arn:aws:s3:::site/index.html'],
  ],
  [
    's3 multipart',
    R({ service: 's3', method: 'POST', path: '/site/big.bin', query: { uploads: '' } }),
    's3',
    'CreateMultipartUpload',
    ['s3:PutObject on arn:aws:s3:::site/big.bin'],
  ],
  // SSE-KMS with a customer managed key: S3 asks KMS with the caller's credentials
  [
    's3 put object into an SSE-KMS bucket',
    R({ service: 's3', method: 'PUT', path: '/site/index.html', kmsKey: KEY }),
    's3',
    'PutObject',
    ['s3:PutObject on arn:aws:s3:::site/index.html', `kms:GenerateDataKey on ${KEY}`],
  ],
  [
    's3 multipart start under SSE-KMS, the key named by its ID',
    R({ service: 's3', method: 'POST', path: '/site/big.bin', query: { uploads: '' }, kmsKey: KEY_ID }),
    's3',
    'CreateMultipartUpload',
    ['s3:PutObject on arn:aws:s3:::site/big.bin', `kms:GenerateDataKey on ${KEY}`],
  ],
  [
    's3 multipart part under SSE-KMS',
    R({ service: 's3', method: 'PUT', path: '/site/big.bin', query: { uploadId: 'u1', partNumber: '1' }, kmsKey: KEY }),
    's3',
    'UploadPart',
    ['s3:PutObject on arn:aws:s3:::site/big.bin', `kms:Decrypt on ${KEY}`],
  ],
  [
    's3 multipart completion under SSE-KMS',
    R({ service: 's3', method: 'POST', path: '/site/big.bin', query: { uploadId: 'u1' }, kmsKey: KEY }),
    's3',
    'CompleteMultipartUpload',
    ['s3:PutObject on arn:aws:s3:::site/big.bin', `kms:Decrypt on ${KEY}`],
  ],
  [
    's3 get object under SSE-KMS',
    R({ service: 's3', method: 'GET', path: '/site/index.html', kmsKey: KEY }),
    's3',
    'GetObject',
    ['s3:GetObject on arn:aws:s3:::site/index.html', `kms:Decrypt on ${KEY}`],
  ],
  [
    's3 head object under SSE-KMS: metadata only, no key',
    R({ service: 's3', method: 'HEAD', path: '/site/index.html', kmsKey: KEY }),
    's3',
    'HeadObject',
    ['s3:GetObject on arn:aws:s3:::site/index.html'],
  ],
  [
    's3 put object under an alias no one resolved: checked on the alias, which grants no key',
    R({ service: 's3', method: 'PUT', path: '/site/index.html', kmsKey: 'alias/site' }),
    's3',
    'PutObject',
    [
      's3:PutObject on arn:aws:s3:::site/index.html',
      'kms:GenerateDataKey on arn:aws:kms:eu-west-1:123456789012:alias/site',
    ],
  ],
  [
    's3 put object under the AWS managed key: its key policy grants it, IAM checks nothing',
    R({ service: 's3', method: 'PUT', path: '/site/index.html', kmsKey: '' }),
    's3',
    'PutObject',
    ['s3:PutObject on arn:aws:s3:::site/index.html'],
  ],
  [
    'lambda code',
    R({ service: 'lambda', method: 'PUT', path: '/2015-03-31/functions/api/code' }),
    'lambda',
    'UpdateFunctionCode',
    ['lambda:UpdateFunctionCode on arn:aws:lambda:eu-west-1:123456789012:function:api'],
  ],
  [
    'lambda get configuration',
    R({ service: 'lambda', method: 'GET', path: '/2015-03-31/functions/api/configuration' }),
    'lambda',
    'GetFunctionConfiguration',
    ['lambda:GetFunctionConfiguration on arn:aws:lambda:eu-west-1:123456789012:function:api'],
  ],
  [
    'lambda put configuration',
    R({ service: 'lambda', method: 'PUT', path: '/2015-03-31/functions/api/configuration' }),
    'lambda',
    'UpdateFunctionConfiguration',
    ['lambda:UpdateFunctionConfiguration on arn:aws:lambda:eu-west-1:123456789012:function:api'],
  ],
  [
    'lambda publish',
    R({ service: 'lambda', method: 'POST', path: '/2015-03-31/functions/api/versions' }),
    'lambda',
    'PublishVersion',
    ['lambda:PublishVersion on arn:aws:lambda:eu-west-1:123456789012:function:api'],
  ],
  [
    'lambda get by ARN',
    R({
      service: 'lambda',
      method: 'GET',
      path: '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A1%3Afunction%3Aapi',
    }),
    'lambda',
    'GetFunction',
    ['lambda:GetFunction on arn:aws:lambda:eu-west-1:1:function:api'],
  ],
  [
    'lambda unknown',
    R({ service: 'lambda', method: 'GET', path: '/2015-03-31/functions' }),
    'lambda',
    'GET /2015-03-31/functions',
    ['lambda:GET /2015-03-31/functions on *'],
  ],
  [
    'cloudfront invalidate',
    R({ service: 'cloudfront', method: 'POST', path: '/2020-05-31/distribution/E2QWRUHAPOMQZL/invalidation' }),
    'cloudfront',
    'CreateInvalidation',
    ['cloudfront:CreateInvalidation on arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL'],
  ],
  [
    'cloudfront invalidation',
    R({ service: 'cloudfront', method: 'GET', path: '/2020-05-31/distribution/E2QWRUHAPOMQZL/invalidation/I1' }),
    'cloudfront',
    'GetInvalidation',
    ['cloudfront:GetInvalidation on arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL'],
  ],
  [
    'cloudfront distribution',
    R({ service: 'cloudfront', method: 'GET', path: '/2020-05-31/distribution/E2QWRUHAPOMQZL' }),
    'cloudfront',
    'GetDistribution',
    ['cloudfront:GetDistribution on arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL'],
  ],
  [
    'cloudfront unknown',
    R({ service: 'cloudfront', method: 'GET', path: '/2020-05-31/distribution' }),
    'cloudfront',
    'GET /2020-05-31/distribution',
    ['cloudfront:GET /2020-05-31/distribution on *'],
  ],
  [
    'codeartifact token',
    R({ service: 'codeartifact', path: '/v1/authorization-token', query: { domain: 'acme' } }),
    'codeartifact',
    'GetAuthorizationToken',
    [
      'codeartifact:GetAuthorizationToken on arn:aws:codeartifact:eu-west-1:123456789012:domain/acme',
      'sts:GetServiceBearerToken on * {"sts:AWSServiceName":"codeartifact.amazonaws.com"}',
    ],
  ],
  [
    'codeartifact endpoint',
    R({
      service: 'codeartifact',
      method: 'GET',
      path: '/v1/repository/endpoint',
      query: { domain: 'acme', 'domain-owner': '210987654321', repository: 'internal', format: 'npm' },
    }),
    'codeartifact',
    'GetRepositoryEndpoint',
    ['codeartifact:GetRepositoryEndpoint on arn:aws:codeartifact:eu-west-1:210987654321:repository/acme/internal'],
  ],
  [
    'codeartifact unknown',
    R({ service: 'codeartifact', method: 'GET', path: '/v1/domains' }),
    'codeartifact',
    'GET /v1/domains',
    ['codeartifact:GET on *'],
  ],
  [
    'REST of another service',
    R({ service: 'apigateway', method: 'GET', path: '/restapis' }),
    'apigateway',
    'GET /restapis',
    ['apigateway:GET on *'],
  ],
  ['unsigned REST', R({ method: 'GET', path: '/' }), 'unknown', 'GET /', ['unknown:GET on *']],
];

for (const [what, request, service, name, checks] of CASES)
  test(what, () => {
    const op = operationOf(request, scope);
    const shown = op.checks.map(
      (c) => `${c.action} on ${c.resource}${Object.keys(c.context).length ? ` ${JSON.stringify(c.context)}` : ''}`,
    );
    assert.equal({ service: op.service, name: op.name, checks: shown }, { service, name, checks });
  });

test('a CodeArtifact registry request: reading the repository, or publishing a package of its format', () => {
  const where = { domain: 'acme', repository: 'internal' };
  const arn = 'arn:aws:codeartifact:eu-west-1:123456789012';
  const shown = (format: string, published?: string) => {
    const c = packageCheck(scope, { ...where, format }, published);
    return `${c.action} on ${c.resource}`;
  };
  assert.is(shown('npm'), `codeartifact:ReadFromRepository on ${arn}:repository/acme/internal`);
  assert.is(
    shown('npm', '@acme/web'),
    `codeartifact:PublishPackageVersion on ${arn}:package/acme/internal/npm/acme/web`,
  );
  assert.is(shown('npm', 'web'), `codeartifact:PublishPackageVersion on ${arn}:package/acme/internal/npm//web`);
  // PyPI names compare normalized: lower case, runs of -, _ and . as one -
  assert.is(
    shown('pypi', 'My_Pkg..Name'),
    `codeartifact:PublishPackageVersion on ${arn}:package/acme/internal/pypi//my-pkg-name`,
  );
});

test("an upload's SSE-KMS headers name its key; without a key ID, the AWS managed key; other encryption, none", () => {
  const header = 'x-amz-server-side-encryption';
  assert.is(requestedKmsKey({ [header]: 'aws:kms', [`${header}-aws-kms-key-id`]: KEY }), KEY);
  assert.is(requestedKmsKey({ [header]: 'aws:kms' }), '');
  assert.is(requestedKmsKey({ [header]: 'AES256' }), undefined);
  assert.is(requestedKmsKey({}), undefined);
});

test.run();
