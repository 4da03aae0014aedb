/**
 * CloudTrail's event history, loaded only by `why`: the `AssumeRoleWithWebIdentity` events of a time
 * window in one region, page by page up to a bound. Credentials and endpoints as in `io/aws.ts`
 * (`AWS_ENDPOINT_URL_CLOUDTRAIL`, `AWS_ENDPOINT_URL`), every answer bounded before the SDK parses it.
 */
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LookedUpEvent } from '../core/iam/index.js';
import { LOOKUP_ACTION, LOOKUP_LIMITS, WEB_IDENTITY_EVENT } from '../core/iam/index.js';
import { MAX_AWS_RESPONSE_BYTES } from '../core/util/index.js';
import { RunError } from '../errors.js';
import { errorCode, explainAwsError } from './aws.js';
import { boundAnswers, jsonAnswer } from './aws-answer.js';

export interface LookupOptions {
  region: string;
  profile?: string;
  timeoutSeconds: number;
  start: Date;
  end: Date;
}

export interface LookedUp {
  events: LookedUpEvent[];
  /** More events lay in the window than the pages read. */
  truncated: boolean;
}

/** The one line a missing permission gets: what to grant, and where else the same events can be read. */
const denied = (region: string) =>
  new RunError(
    `AccessDenied: the credentials may not call ${LOOKUP_ACTION} in ${region}: grant ${LOOKUP_ACTION} (Resource "*": it has no resource-level form) to read the attempts, or open the CloudTrail console's Event history in ${region} and filter on Event name ${WEB_IDENTITY_EVENT}`,
  );

export async function lookupAttempts(options: LookupOptions): Promise<LookedUp> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  // require, not import(): as in io/aws.ts, the SDK ships CommonJS
  const sdk = createRequire(import.meta.url)(
    '@aws-sdk/client-cloudtrail',
  ) as typeof import('@aws-sdk/client-cloudtrail');
  const timeout = options.timeoutSeconds * 1000;
  const client = new sdk.CloudTrailClient({
    region: options.region,
    ...(options.profile ? { profile: options.profile } : {}),
    requestHandler: { connectionTimeout: timeout, requestTimeout: timeout, throwOnRequestTimeout: true },
  });
  boundAnswers(client, MAX_AWS_RESPONSE_BYTES, timeout, jsonAnswer);
  const events: LookedUpEvent[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  try {
    for (let page = 0; page < LOOKUP_LIMITS.maxPages; page++) {
      // CloudTrail takes two lookups a second per account and region: a faster third is throttled
      if (page > 0) await sleep(LOOKUP_LIMITS.pageIntervalMs);
      const answer = await client.send(
        new sdk.LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: WEB_IDENTITY_EVENT }],
          StartTime: options.start,
          EndTime: options.end,
          MaxResults: LOOKUP_LIMITS.pageSize,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      events.push(...(Array.isArray(answer.Events) ? answer.Events : []).slice(0, LOOKUP_LIMITS.pageSize));
      const next = typeof answer.NextToken === 'string' && answer.NextToken !== '' ? answer.NextToken : undefined;
      // a token seen before would read the same pages for ever
      if (!next || seen.has(next)) return { events, truncated: false };
      seen.add(next);
      token = next;
    }
    return { events, truncated: true };
  } catch (e) {
    if (errorCode(e) === 'AccessDenied') throw denied(options.region);
    throw explainAwsError(e, LOOKUP_ACTION);
  } finally {
    client.destroy();
  }
}
