/**
 * The AWS SDK, loaded only by `apply` and `doctor`: credentials from the default chain (environment,
 * profiles, SSO, --profile), endpoints as the AWS CLI takes them (AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL),
 * and SDK errors turned into messages that say what to do.
 */
import { createRequire } from 'node:module';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import { MAX_AWS_RESPONSE_BYTES } from '../core/util/index.js';
import { RunError } from '../errors.js';
import { boundAnswers } from './aws-answer.js';

export interface AwsSession {
  sdk: typeof import('@aws-sdk/client-iam');
  stsSdk: typeof import('@aws-sdk/client-sts');
  iam: IAMClient;
  sts: STSClient;
  close(): void;
}

/** IAM is global: one endpoint per partition, signed for that partition's home region. */
const IAM_REGION: Record<string, string> = { aws: 'us-east-1', 'aws-cn': 'cn-north-1', 'aws-us-gov': 'us-gov-west-1' };

export async function connect(options: {
  partition: string;
  region: string;
  profile?: string;
  /** Seconds each request may take to connect, then to answer. */
  timeoutSeconds: number;
}): Promise<AwsSession> {
  // SDK releases from 2027 need Node 22: the README says which Node versions we support, so the
  // SDK's own reminder would only clutter the command's output
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  // require, not import(): the SDK ships CommonJS, and importing it from ESM first scans every module
  // for its export names (≈ 80 ms here); require skips that
  const load = createRequire(import.meta.url);
  const sdk = load('@aws-sdk/client-iam') as AwsSession['sdk'];
  const stsSdk = load('@aws-sdk/client-sts') as AwsSession['stsSdk'];
  const timeout = options.timeoutSeconds * 1000;
  const common = {
    ...(options.profile ? { profile: options.profile } : {}),
    requestHandler: { connectionTimeout: timeout, requestTimeout: timeout, throwOnRequestTimeout: true },
  };
  const iam = new sdk.IAMClient({ region: IAM_REGION[options.partition] ?? 'us-east-1', ...common });
  const sts = new stsSdk.STSClient({ region: options.region, ...common });
  for (const client of [iam, sts]) boundAnswers(client, MAX_AWS_RESPONSE_BYTES, timeout);
  return {
    sdk,
    stsSdk,
    iam,
    sts,
    close() {
      iam.destroy();
      sts.destroy();
    },
  };
}

/** The error's code without the SDK's `Exception` suffix: `NoSuchEntity`, `AccessDenied`, `Throttling`. */
export function errorCode(e: unknown): string {
  const err = e as { name?: string; Code?: string; code?: string };
  return (err.Code ?? err.name ?? err.code ?? '').replace(/Exception$/, '');
}

/** A failed call as one line the user can act on; `action` is the IAM action the call needed. */
export function explainAwsError(e: unknown, action: string, resource?: string): RunError {
  const code = errorCode(e);
  // IAM and STS calls are apply's and doctor's; CloudTrail's are why's, with an endpoint of its own
  const cloudtrail = action.startsWith('cloudtrail:');
  const service = cloudtrail ? 'CloudTrail' : 'IAM';
  const endpoint = cloudtrail ? 'AWS_ENDPOINT_URL_CLOUDTRAIL' : 'AWS_ENDPOINT_URL_IAM';
  const message = ((e as Error).message ?? String(e)).split('\n')[0]!;
  const attempts = (e as { $metadata?: { attempts?: number } }).$metadata?.attempts;
  if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new RunError(
      'no AWS credentials found: pass --profile <name> (after `aws sso login` for SSO), set AWS_PROFILE, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    );
  }
  if (
    /^(ExpiredToken|RequestExpired|TokenRefreshRequired)$/.test(code) ||
    /token.*expired|expired.*token/i.test(message)
  ) {
    return new RunError(`the AWS credentials have expired (${code}): refresh them (e.g. aws sso login) and run again`);
  }
  if (/^(InvalidClientTokenId|SignatureDoesNotMatch|UnrecognizedClient)$/.test(code)) {
    return new RunError(`the AWS credentials are not valid (${code}: ${message})`);
  }
  if (code === 'AccessDenied') {
    return new RunError(
      `AccessDenied: the credentials may not call ${action}${resource ? ` on ${resource}` : ''}: grant ${action} (the README lists every permission apply and doctor need)`,
    );
  }
  if (/^(Throttling|ThrottlingException|TooManyRequests|RequestLimitExceeded)$/.test(code)) {
    return new RunError(
      `${service} kept throttling ${action} (${code}${attempts ? ` after ${attempts} attempts` : ''}): wait a minute and run again`,
    );
  }
  if (code === 'TimeoutError') {
    return new RunError(
      `no answer from AWS for ${action} in time (${message.replace(/^@smithy\/node-http-handler - (\[ERROR\] )?/, '')}): check the network (or ${endpoint}), or raise --timeout`,
    );
  }
  if (code === 'InvalidAnswer' || code === 'AnswerTooLarge') {
    return new RunError(
      `${action}: the endpoint's answer is not one AWS gives (${message}); nothing was taken from it: check ${endpoint} or the proxy in between`,
    );
  }
  const network = (e as { code?: string }).code;
  if (network && /^(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EAI_AGAIN)$/.test(network)) {
    return new RunError(
      `cannot reach AWS for ${action} (${network}): check the network, or ${endpoint} if you set one`,
    );
  }
  return new RunError(`${action} failed: ${code || 'error'}: ${message}`);
}
