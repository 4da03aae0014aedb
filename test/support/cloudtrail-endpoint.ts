/**
 * A local stand-in for CloudTrail's LookupEvents that the real AWS SDK client talks to over HTTP on
 * 127.0.0.1. It speaks CloudTrail's JSON 1.1 protocol (`X-Amz-Target`, a JSON request, timestamps as epoch
 * seconds, `__type` error documents), filters by event name and time window and pages with NextToken as
 * CloudTrail does, newest first. Tests seed records shaped as CloudTrail documents them, and can deny.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The operation as CloudTrail's API reference spells it in X-Amz-Target, and as the SDK's JSON protocol
 * sends it (the service shape's name and the operation): the service takes both.
 */
export const LOOKUP_TARGETS = [
  'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents',
  'CloudTrail_20131101.LookupEvents',
];

export interface SeededEvent {
  eventId: string;
  eventName: string;
  eventTime: Date;
  /** The record: an object is stored as its JSON; a string is stored as it is (a test's hostile record). */
  record: unknown;
}

export interface LookupCall {
  /** The request as sent. */
  body: Record<string, unknown>;
  /** The region the request was signed for (from its Authorization header). */
  signedRegion: string | undefined;
  status: number;
  /** When it arrived (ms since the epoch). */
  at: number;
}

export interface CloudTrailEndpoint {
  url: string;
  calls: LookupCall[];
  seed(event: SeededEvent): void;
  /** Events per page, whatever MaxResults asks (fewer makes pagination testable). */
  pageSize: number;
  /** Every later call is answered AccessDeniedException (400), with AWS's wording. */
  deny(): void;
  /** Every later call is answered with this status and body, as they are: an endpoint that is not CloudTrail. */
  answerRaw(status: number, body: string): void;
  reset(): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

function send(res: ServerResponse, status: number, doc: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
  res.end(JSON.stringify(doc));
}

/** A WebIdentityUser record of an AssumeRoleWithWebIdentity call, as the IAM User Guide shows one. */
export function webIdentityRecord(options: {
  time: Date;
  roleArn: string;
  provider: string;
  audience: string;
  sub: string;
  region: string;
  errorCode?: string;
  errorMessage?: string;
}): Record<string, unknown> {
  const eventId = randomUUID();
  return {
    eventVersion: '1.08',
    userIdentity: {
      type: 'WebIdentityUser',
      principalId: `${options.provider}:${options.audience}:${options.sub}`,
      userName: options.sub,
      identityProvider: options.provider,
    },
    eventTime: options.time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRoleWithWebIdentity',
    awsRegion: options.region,
    sourceIPAddress: '203.0.113.7',
    userAgent: 'aws-cli/2.27.0 md/awscrt#0.26.1 ua/2.1 os/linux#6.8 md/arch#x86_64 lang/python#3.13.4',
    ...(options.errorCode ? { errorCode: options.errorCode, errorMessage: options.errorMessage } : {}),
    requestParameters: { roleArn: options.roleArn, roleSessionName: 'bitbucket-pipelines' },
    responseElements: options.errorCode
      ? null
      : {
          subjectFromWebIdentityToken: options.sub,
          provider: options.provider,
          audience: options.audience,
          assumedRoleUser: {
            arn: `${options.roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/bitbucket-pipelines`,
          },
        },
    requestID: randomUUID(),
    eventID: eventId,
    readOnly: true,
    resources: [{ accountId: options.roleArn.split(':')[4], type: 'AWS::IAM::Role', ARN: options.roleArn }],
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: options.roleArn.split(':')[4],
    eventCategory: 'Management',
    tlsDetails: { tlsVersion: 'TLSv1.3', clientProvidedHostHeader: `sts.${options.region}.amazonaws.com` },
  };
}

export async function startCloudTrailEndpoint(): Promise<CloudTrailEndpoint> {
  const events: SeededEvent[] = [];
  const calls: LookupCall[] = [];
  let denied = false;
  let raw: { status: number; body: string } | undefined;
  const endpoint: CloudTrailEndpoint = {
    url: '',
    calls,
    pageSize: 50,
    seed: (e) => events.push(e),
    deny: () => (denied = true),
    answerRaw: (status, body) => (raw = { status, body }),
    reset() {
      events.length = 0;
      calls.length = 0;
      denied = false;
      raw = undefined;
      endpoint.pageSize = 50;
    },
    close: () => new Promise((done) => server.close(() => done())),
  };

  const server = createServer((req, res) => {
    void readBody(req).then((text) => {
      const signedRegion = /Credential=[^/]+\/\d{8}\/([^/]+)\/cloudtrail\//.exec(req.headers.authorization ?? '')?.[1];
      const call: LookupCall = { body: {}, signedRegion, status: 0, at: Date.now() };
      calls.push(call);
      const answer = (status: number, doc: unknown) => {
        call.status = status;
        send(res, status, doc);
      };
      if (!LOOKUP_TARGETS.includes(String(req.headers['x-amz-target'])) || req.method !== 'POST')
        return answer(400, {
          __type: 'UnknownOperationException',
          message: `not served: ${req.headers['x-amz-target']}`,
        });
      try {
        call.body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return answer(400, { __type: 'SerializationException', message: 'the body is not JSON' });
      }
      if (raw) {
        call.status = raw.status;
        res.writeHead(raw.status, { 'content-type': 'application/x-amz-json-1.1' });
        return res.end(raw.body);
      }
      if (denied)
        return answer(400, {
          __type: 'AccessDeniedException',
          message:
            'User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action',
        });
      const { LookupAttributes, StartTime, EndTime, NextToken } = call.body as {
        LookupAttributes?: Array<{ AttributeKey: string; AttributeValue: string }>;
        StartTime?: number;
        EndTime?: number;
        NextToken?: string;
      };
      const [attribute] = LookupAttributes ?? [];
      const matching = events
        .filter((e) => !attribute || attribute.AttributeKey !== 'EventName' || e.eventName === attribute.AttributeValue)
        .filter((e) => StartTime === undefined || e.eventTime.getTime() >= StartTime * 1000)
        .filter((e) => EndTime === undefined || e.eventTime.getTime() <= EndTime * 1000)
        .sort((a, b) => b.eventTime.getTime() - a.eventTime.getTime());
      const from = NextToken ? Number(/^page-(\d+)$/.exec(NextToken)?.[1] ?? NaN) : 0;
      if (Number.isNaN(from)) return answer(400, { __type: 'InvalidNextTokenException', message: 'Invalid NextToken' });
      const page = matching.slice(from, from + endpoint.pageSize);
      const next = from + endpoint.pageSize < matching.length ? `page-${from + endpoint.pageSize}` : undefined;
      return answer(200, {
        Events: page.map((e) => ({
          EventId: e.eventId,
          EventName: e.eventName,
          ReadOnly: 'true',
          EventTime: e.eventTime.getTime() / 1000,
          EventSource: 'sts.amazonaws.com',
          CloudTrailEvent: typeof e.record === 'string' ? e.record : JSON.stringify(e.record),
        })),
        ...(next ? { NextToken: next } : {}),
      });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return endpoint;
}
