/**
 * Which customer managed KMS key an S3 object request of a rehearsal uses: S3 asks KMS with the caller's
 * credentials, so the front authorizes the key too. The request's own headers name it, else its multipart
 * upload's start did, else the stored object (a read) or the bucket's default encryption (a write) does, as
 * the emulator holds them. `undefined`: no customer managed key, nothing for IAM to check.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { requestedKmsKey, type AwsRequest } from '../../core/aws/index.js';

/**
 * A request to the emulator itself, signed as the caller's was but for `service` (moto routes by the
 * credential scope's service and checks no signature).
 */
function emulator(
  moto: string,
  request: { method: string; path: string; authorization: string; service?: string; target?: string; body?: string },
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const target = new URL(moto);
  const scope = /(Credential=[^/]+\/[^/]+\/[^/]+\/)[^/]+\//;
  const headers: Record<string, string> = {
    authorization: request.authorization.replace(scope, `$1${request.service ?? 's3'}/`),
    ...(request.target ? { 'x-amz-target': request.target, 'content-type': 'application/x-amz-json-1.1' } : {}),
  };
  return new Promise((resolve, reject) => {
    const out = httpRequest(
      { host: target.hostname, port: target.port, method: request.method, path: request.path, headers },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 500, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    out.on('error', reject);
    out.end(request.body ?? '');
  });
}

export function emulatorGet(moto: string, path: string, headers: IncomingHttpHeaders) {
  return emulator(moto, { method: 'GET', path, authorization: header(headers, 'authorization') ?? '' });
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
    const path = `/${req.path.split('/')[1] ?? ''}?encryption`;
    const answer = await emulator(moto, { method: 'GET', path, authorization });
    if (answer.status !== 200 || !answer.body.includes('<SSEAlgorithm>aws:kms</SSEAlgorithm>')) return undefined;
    return /<KMSMasterKeyID>([^<]*)<\/KMSMasterKeyID>/.exec(answer.body)?.[1];
  }

  /** The key as the request, its upload, the object or the bucket names it. */
  async function named(
    req: AwsRequest,
    operation: string,
    headers: IncomingHttpHeaders,
    authorization: string,
  ): Promise<string | undefined> {
    if (operation === 'GetObject') {
      const object = await emulator(moto, { method: 'HEAD', path: req.path, authorization });
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
  }

  /**
   * IAM authorizes an alias's use on the key it names: KMS resolves it (here, the emulator's KMS). `aws/s3` is
   * the AWS managed key; an alias the emulator lacks stays as it is.
   */
  async function keyOfAlias(key: string | undefined, authorization: string): Promise<string | undefined> {
    const alias = key && /^(?:arn:[^:]+:kms:[^:]*:[^:]*:)?(alias\/.*)$/.exec(key)?.[1];
    if (!alias) return key;
    if (alias === 'alias/aws/s3') return '';
    const target = 'TrentService.DescribeKey';
    const body = JSON.stringify({ KeyId: key });
    const answer = await emulator(moto, { method: 'POST', path: '/', authorization, service: 'kms', target, body });
    try {
      const arn = (JSON.parse(answer.body) as { KeyMetadata?: { Arn?: unknown } }).KeyMetadata?.Arn;
      return typeof arn === 'string' ? arn : key;
    } catch {
      return key;
    }
  }

  return {
    async of(req, operation, headers) {
      const authorization = header(headers, 'authorization') ?? '';
      return keyOfAlias(await named(req, operation, headers, authorization), authorization);
    },
    started(key, answer) {
      const uploadId = /<UploadId>([^<]*)<\/UploadId>/.exec(answer)?.[1];
      if (uploadId) uploads.set(uploadId, key);
    },
  };
}
