/**
 * Every AWS answer read within bounds and recognised before the SDK parses it: a body larger than IAM
 * ever sends, or one that trickles in for longer than the timeout, is given up; an HTTP 200 whose XML is
 * not the answer to the call made (`<GetRoleResponse>` for GetRole) is an error, never an empty success,
 * and so is one of a JSON protocol (CloudTrail) that is not a JSON object.
 */
import { Readable } from 'node:stream';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';

/** An error the SDK passes through as is; explainAwsError knows its name. */
export const answerError = (name: 'InvalidAnswer' | 'AnswerTooLarge' | 'TimeoutError', message: string) =>
  Object.assign(new Error(message), { name });

async function readBounded(body: Readable, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const timer = setTimeout(
    () => body.destroy(answerError('TimeoutError', `the answer took over ${timeoutMs / 1000} s`)),
    timeoutMs,
  );
  try {
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        body.destroy();
        throw answerError('AnswerTooLarge', `the answer is larger than ${maxBytes / 1024 / 1024} MB`);
      }
      chunks.push(chunk as Buffer);
    }
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks);
}

interface RawResponse {
  statusCode: number;
  body: unknown;
}

/** Whether a successful answer is one to `operation`, and what it lacks when it is not. */
export interface AnswerShape {
  is(body: Buffer, operation: string): boolean;
  expected(operation: string): string;
}
/** The Query protocol's XML names the call it answers. */
export const queryAnswer: AnswerShape = {
  is: (body, operation) => body.includes(`<${operation}Response`),
  expected: (operation) => `a ${operation}Response`,
};
/** The JSON protocols answer an object, `{}` at least. */
export const jsonAnswer: AnswerShape = {
  is: (body) => /^\s*\{/.test(body.subarray(0, 64).toString('utf8')),
  expected: (operation) => `the JSON object of a ${operation} answer`,
};

/** Adds the check to a client: it runs on the raw answer, before the SDK's own parser. */
export function boundAnswers(
  client: IAMClient | STSClient | CloudTrailClient,
  maxBytes: number,
  timeoutMs: number,
  isAnswer: AnswerShape = queryAnswer,
): void {
  (client.middlewareStack as IAMClient['middlewareStack']).add(
    (next, context) => async (args) => {
      const out = await next(args);
      const response = out.response as RawResponse;
      if (!(response.body instanceof Readable)) return out;
      const body = await readBounded(response.body, maxBytes, timeoutMs);
      const operation = String(context.commandName ?? '').replace(/Command$/, '');
      if (response.statusCode >= 200 && response.statusCode < 300 && !isAnswer.is(body, operation))
        throw answerError('InvalidAnswer', `HTTP ${response.statusCode} without ${isAnswer.expected(operation)}`);
      response.body = Readable.from([body]);
      return out;
    },
    { step: 'deserialize', name: 'boundAnswers', priority: 'low' },
  );
}
