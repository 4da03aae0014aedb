/**
 * Which customer managed KMS key an S3 object request of a rehearsal uses: S3 asks KMS with the caller's
 * credentials, so the front authorizes the key too. The request's own headers name it, else its multipart
 * upload's start did, else the stored object (a read) or the bucket's default encryption (a write) does, as
 * the emulator holds them. `undefined`: no customer managed key, nothing for IAM to check.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { requestedKmsKey, type AwsRequest } from '../../core/aws/index.js';

/** A request to the emulator itself, signed as the caller's was (moto reads the service from it, checks no signature). */
function emulator(
  moto: string,
  method: string,
  path: string,
  authorization: string,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const target = new URL(moto);
  return new Promise((resolve, reject) => {
    const out = httpRequest(
      // moto routes by the credential scope's service: every request here is S3's, whoever's call it serves
      {
        host: target.hostname,
        port: target.port,
        method,
        path,
        headers: { authorization: authorization.replace(/(Credential=[^/]+\/[^/]+\/[^/]+\/)[^/]+\//, '$1s3/') },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 500, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    out.on('error', reject);
    out.end();
  });
}

export function emulatorGet(moto: string, path: string, headers: IncomingHttpHeaders) {
  return emulator(moto, 'GET', path, header(headers, 'authorization') ?? '');
}

const header = (headers: IncomingHttpHeaders, name: string) => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

export interface KmsKeys {
  /** The key of an object request named `operation`. */
  of(req: AwsRequest, operation: string, headers: IncomingHttpHeaders): Promise<string | undefined>;
  /** Remembers the key a multipart upload started with, from the emulator's answer to its CreateMultipartUpload. */
  started(key: string | undefined, answer: string): void;
}

export function kmsKeys(moto: string): KmsKeys {
  const uploads = new Map<string, string | undefined>();

  async function bucketDefault(req: AwsRequest, authorization: string): Promise<string | undefined> {
    const answer = await emulator(moto, 'GET', `/${req.path.split('/')[1] ?? ''}?encryption`, authorization);
    if (answer.status !== 200 || !answer.body.includes('<SSEAlgorithm>aws:kms</SSEAlgorithm>')) return undefined;
    return /<KMSMasterKeyID>([^<]*)<\/KMSMasterKeyID>/.exec(answer.body)?.[1];
  }

  return {
    async of(req, operation, headers) {
      const authorization = header(headers, 'authorization') ?? '';
      if (operation === 'GetObject') {
        const object = await emulator(moto, 'HEAD', req.path, authorization);
        return header(object.headers, 'x-amz-server-side-encryption') === 'aws:kms'
          ? header(object.headers, 'x-amz-server-side-encryption-aws-kms-key-id')
          : undefined;
      }
      const uploadId = req.query['uploadId'];
      if (uploadId !== undefined && uploads.has(uploadId)) return uploads.get(uploadId);
      const asked = requestedKmsKey({
        'x-amz-server-side-encryption': header(headers, 'x-amz-server-side-encryption'),
        'x-amz-server-side-encryption-aws-kms-key-id': header(headers, 'x-amz-server-side-encryption-aws-kms-key-id'),
      });
      return asked ?? (await bucketDefault(req, authorization));
    },
    started(key, answer) {
      const uploadId = /<UploadId>([^<]*)<\/UploadId>/.exec(answer)?.[1];
      if (uploadId) uploads.set(uploadId, key);
    },
  };
}
