/**
 * Property: whatever the Bitbucket API answers (random or hostile JSON, any status, redirects anywhere,
 * Retry-After of any kind, bodies that are endless, declared huge, cut short, stalled or reset), every call
 * of the client ends as a result or a one-line BitbucketApiError (exit 1) that never holds the token: never
 * another error (the CLI's "unexpected error", exit 70), never a read without end. The answers come from the
 * local fake API (test/support/bitbucket-api.ts); the seed is fixed so a failure replays.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CliError } from '../../src/errors.ts';
import * as bb from '../../src/io/bitbucket/api.ts';
import { BitbucketClient } from '../../src/io/bitbucket/client.ts';
import { startBitbucketApi, type BitbucketApi } from '../support/bitbucket-api.ts';
import { startRecorder, type Recorder } from '../support/recorder.ts';

const TOKEN = 'fuzz-access-token-3c1f';
const UUID = '{7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a}';
/** The most one answer may make the server send before the client stops reading (8 MB limit, chunks in flight). */
const MOST_SENT = 32 * 1024 * 1024;
/** A server on another loopback address: redirects and links point there. */
let OTHER_HOST = '';

type Body =
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'cut-short'; text: string }
  | { kind: 'endless' }
  | { kind: 'declared-huge' }
  | { kind: 'stall' }
  | { kind: 'reset' };

interface Answer {
  status: number;
  location?: string;
  retryAfter?: string;
  contentType?: string;
  body: Body;
}

const hostileText = fc.oneof(
  fc.string(),
  fc.constantFrom('\u001b]0;owned\u0007', '\u202e', '\r\n', '<html>proxy</html>', '{"uuid":', 'null', '[]', ''),
);
const uuidLike = fc.constantFrom(UUID, UUID.slice(1, -1), '{x}', '', 7, null, UUID.toUpperCase());
const link = (base: string) =>
  fc.constantFrom(
    `${base}/repositories/phub/x/pipelines_config/variables?page=2`,
    `${OTHER_HOST}/2.0/elsewhere`,
    'http://[::1',
    '/2.0/relative',
    'file:///etc/passwd',
  );
/** JSON near what Bitbucket sends: the fields the readers look at, each of a right or wrong kind. */
const nearlyRight = (base: string) =>
  fc.record(
    {
      uuid: uuidLike,
      slug: fc.oneof(fc.constantFrom('x', 'phub', 'other'), hostileText),
      full_name: fc.constantFrom('phub/x', 'evil/x', 3),
      key: fc.constantFrom('AWS_DEFAULT_REGION', 'K', 1),
      name: fc.oneof(fc.constantFrom('test', 'COMPLETED'), hostileText),
      enabled: fc.constantFrom(true, false, 'yes'),
      build_number: fc.constantFrom(1, -1, '7', 1.5),
      state: fc.oneof(fc.record({ name: hostileText }, { requiredKeys: [] }), fc.constant('COMPLETED')),
      values: fc.oneof(
        fc.array(fc.record({ uuid: uuidLike, key: fc.constant('K'), name: hostileText })),
        fc.constant(3),
      ),
      next: link(base),
      links: fc.oneof(
        fc.record({
          clone: fc.array(fc.record({ name: fc.constant('https'), href: fc.oneof(link(base), hostileText) })),
        }),
        fc.constant('x'),
      ),
      error: fc.record({
        message: fc.oneof(hostileText, fc.constantFrom(5, null, ['x'], {})),
        detail: fc.oneof(hostileText, fc.record({ required: fc.array(hostileText) })),
      }),
    },
    { requiredKeys: [] },
  );

const answer = (base: string): fc.Arbitrary<Answer> =>
  fc.record(
    {
      status: fc.oneof(
        fc.constantFrom(200, 201, 204, 301, 302, 303, 307, 308, 400, 401, 403, 404, 409, 429, 500, 503),
        fc.integer({ min: 200, max: 599 }),
      ),
      location: fc.oneof(link(base), fc.constantFrom('', `//${new URL(OTHER_HOST).host}/x`, 'https://127.0.0.2:1/x')),
      retryAfter: fc.constantFrom('0', '1', '99999', 'soon', new Date(0).toUTCString(), '-1'),
      contentType: fc.constantFrom('application/json', 'text/html', 'application/octet-stream'),
      body: fc.oneof(
        { weight: 8, arbitrary: nearlyRight(base).map((value) => ({ kind: 'json' as const, value })) },
        { weight: 3, arbitrary: fc.jsonValue().map((value) => ({ kind: 'json' as const, value })) },
        { weight: 2, arbitrary: hostileText.map((text) => ({ kind: 'text' as const, text })) },
        { weight: 1, arbitrary: hostileText.map((text) => ({ kind: 'cut-short' as const, text })) },
        { weight: 1, arbitrary: fc.constant({ kind: 'endless' as const }) },
        { weight: 1, arbitrary: fc.constant({ kind: 'declared-huge' as const }) },
        { weight: 1, arbitrary: fc.constant({ kind: 'reset' as const }) },
        { weight: 1, arbitrary: fc.constant({ kind: 'stall' as const }) },
      ),
    },
    { requiredKeys: ['status', 'body'] },
  );

let sent = 0;
/** Answers one request as `a` says, counting the bytes it sends. */
function respond(a: Answer, _req: IncomingMessage, res: ServerResponse): void {
  const headers: Record<string, string> = {
    ...(a.location === undefined ? {} : { location: a.location }),
    ...(a.retryAfter === undefined ? {} : { 'retry-after': a.retryAfter }),
    ...(a.contentType === undefined ? {} : { 'content-type': a.contentType }),
  };
  const { body } = a;
  const write = (text: string | Buffer) => {
    sent += Buffer.byteLength(text);
    return res.write(text);
  };
  switch (body.kind) {
    case 'json':
    case 'text': {
      const text = body.kind === 'json' ? (JSON.stringify(body.value) ?? '') : body.text;
      res.writeHead(a.status, headers);
      write(text);
      return void res.end();
    }
    case 'cut-short':
      res.writeHead(a.status, { ...headers, 'content-length': String(Buffer.byteLength(body.text) + 100) });
      write(body.text);
      return void setTimeout(() => res.destroy(), 10);
    case 'declared-huge':
      res.writeHead(a.status, { ...headers, 'content-length': String(400 * 1024 * 1024) });
      return void write('{"values":[');
    case 'endless': {
      res.writeHead(a.status, headers);
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const pump = () => {
        while (!res.destroyed && write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      return pump();
    }
    case 'stall':
      res.writeHead(a.status, headers);
      return void write('{"uuid":');
    case 'reset':
      return void res.socket?.destroy();
  }
}

/** The client calls whose answers the commands use: reads, writes, lists and a step's log. */
const CALLS: Array<[string, (c: BitbucketClient) => Promise<unknown>]> = [
  ['GET', (c) => bb.getWorkspace(c, 'phub')],
  ['GET', (c) => bb.getRepository(c, 'phub', 'x')],
  ['POST', (c) => bb.createRepository(c, 'phub', 'x', 'OIDC')],
  ['PUT', (c) => bb.enablePipelines(c, 'phub', 'x')],
  ['GET', (c) => bb.listVariables(c, 'phub', 'x')],
  ['POST', (c) => bb.createVariable(c, 'phub', 'x', 'AWS_DEFAULT_REGION', 'eu-west-1')],
  ['PUT', (c) => bb.updateVariable(c, 'phub', 'x', UUID, 'K', 'v')],
  ['POST', (c) => bb.createEnvironment(c, 'phub', 'x', 'test', 'Test')],
  ['GET', (c) => bb.listEnvironments(c, 'phub', 'x')],
  ['POST', (c) => bb.triggerPipeline(c, 'phub', 'x', { type: 'pipeline_ref_target' })],
  ['GET', (c) => bb.getPipeline(c, 'phub', 'x', UUID)],
  ['GET', (c) => bb.listSteps(c, 'phub', 'x', UUID)],
  ['GET', (c) => bb.getStepLog(c, 'phub', 'x', UUID, UUID)],
  ['GET', (c) => bb.listRepositories(c, 'phub')],
];

let api: BitbucketApi;
let elsewhere: Recorder;
test.before(async () => {
  api = await startBitbucketApi({ credential: { accessToken: TOKEN } });
  elsewhere = await startRecorder();
  OTHER_HOST = elsewhere.url;
});
test.after(async () => {
  await api.close();
  await elsewhere.close();
});

test('every answer of a hostile API ends as a result or a one-line BitbucketApiError, read within bounds', async () => {
  const client = new BitbucketClient({
    baseUrl: api.url,
    auth: { kind: 'access-token', token: TOKEN },
    timeoutMs: 400,
    retries: 1,
    maxWaitMs: 200,
  });
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: CALLS.length - 1 }),
      fc.array(answer(api.url), { minLength: 1, maxLength: 3 }),
      async (which, answers) => {
        api.reset();
        sent = 0;
        const [method, call] = CALLS[which]!;
        // the first requests (a retry, a redirect followed, the next page) get the hostile answers, in order
        for (const a of answers) api.misbehave(method, /./, (req, res) => respond(a, req, res));
        try {
          await call(client);
        } catch (e) {
          if (!(e instanceof CliError)) throw e;
          assert.is(e.exitCode, 1, e.message);
          assert.not.ok(e.message.includes('\n'), `one line: ${e.message}`);
          assert.not.ok(e.message.includes(TOKEN), 'the token is never in a message');
        }
        assert.ok(sent < MOST_SENT * answers.length, `sent ${sent} bytes`);
        assert.ok(
          elsewhere.requests.every((r) => r.authorization === undefined),
          'no credentials to another host',
        );
      },
    ),
    { seed: 20261207, numRuns: 150 },
  );
});

test.run();
