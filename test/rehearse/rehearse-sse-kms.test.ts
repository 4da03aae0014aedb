/**
 * The KMS key the front authorizes for an S3 object request, as the emulator holds the bucket and object:
 * the request's SSE-KMS headers first, a multipart upload's key for its parts, the stored object's key for a
 * read, else the bucket's default encryption; an alias resolved to its key; the AWS managed key (no IAM
 * check) as `''`; no SSE-KMS at all as undefined.
 */
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startMoto, type Emulator } from '../../src/io/rehearse/moto.ts';
import { kmsKeys } from '../../src/io/rehearse/sse-kms.ts';
import { request } from '../support/aws-request.ts';
import { hasTool } from '../support/tools.ts';

const ready = () => hasTool('moto_server', "pip install 'moto[server]'") && hasTool('aws', 'pip install awscli');
/** A caller's signature as the front sees it: the emulator reads the service and region from its scope. */
const SIGNED = {
  authorization:
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=0',
};

let moto: Emulator | undefined;
test.before(async () => {
  if (ready()) moto = await startMoto('123456789012');
});
test.after(async () => moto?.stop());

function aws(args: string[]): string {
  const r = spawnSync('aws', ['--endpoint-url', moto!.url, '--region', 'eu-west-1', '--output', 'text', ...args], {
    encoding: 'utf8',
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_PROFILE: undefined },
  });
  assert.is(r.status, 0, r.stderr);
  return r.stdout.trim();
}

const encryptBy = (bucket: string, key: string) =>
  aws([
    ...['s3api', 'put-bucket-encryption', '--bucket', bucket, '--server-side-encryption-configuration'],
    JSON.stringify({
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key } }],
    }),
  ]);

test('the key of an object request: headers, upload, object, bucket default; aliases resolved', async () => {
  if (!moto) return;
  const keyArn = aws(['kms', 'create-key', '--query', 'KeyMetadata.Arn']);
  aws(['kms', 'create-alias', '--alias-name', 'alias/site', '--target-key-id', keyArn]);
  for (const b of ['by-alias', 'managed', 'plain']) aws(['s3', 'mb', `s3://${b}`]);
  encryptBy('by-alias', 'alias/site');
  encryptBy('managed', 'alias/aws/s3');
  const keys = kmsKeys(moto.url);
  const PUT = request('PUT');
  const of = (path: string, operation: string, headers: Record<string, string> = {}, query = {}) =>
    keys.of(PUT({ path, query }), operation, { ...SIGNED, ...headers });

  assert.is(await of('/by-alias/index.html', 'PutObject'), keyArn, 'the default key, its alias resolved');
  assert.is(await of('/managed/index.html', 'PutObject'), '', 'the AWS managed key');
  assert.is(await of('/plain/index.html', 'PutObject'), undefined, 'no SSE-KMS');
  const other = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const named = { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': other };
  assert.is(await of('/plain/big.bin', 'CreateMultipartUpload', named), other, "the request's own key first");
  keys.started(other, '<InitiateMultipartUploadResult><UploadId>u1</UploadId></InitiateMultipartUploadResult>');
  assert.is(await of('/by-alias/big.bin', 'UploadPart', {}, { uploadId: 'u1' }), other, "the upload's key");

  aws([
    's3api',
    'put-object',
    '--bucket',
    'plain',
    '--key',
    'secret.txt',
    '--ssekms-key-id',
    keyArn,
    '--server-side-encryption',
    'aws:kms',
  ]);
  assert.is(await of('/plain/secret.txt', 'GetObject'), keyArn, "a read: the stored object's key");
  assert.is(await of('/by-alias/missing.txt', 'GetObject'), undefined, 'a read of nothing asks no key');
});

test.run();
