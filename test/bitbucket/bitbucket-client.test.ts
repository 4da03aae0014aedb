/** The Bitbucket API client in-process against small local servers: retries, back-off, pagination, errors, timeouts. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BitbucketApiError, BitbucketClient } from '../../src/io/bitbucket/client.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

interface Served {
  url: string;
  hits: string[];
}

/** `body` with a local server answering by `handler`; the server is closed after, whatever the outcome. */
async function serving(handler: Handler, body: (s: Served) => Promise<void>): Promise<void> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    handler(req, res, hits.length);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await body({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/2.0`, hits });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}
const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const client = (url: string, extra: Partial<ConstructorParameters<typeof BitbucketClient>[0]> = {}) =>
  new BitbucketClient({ baseUrl: url, auth: { kind: 'access-token', token: 'secret-token' }, ...extra });
/** Takes any answer as it is: these tests are about the transport, not the shapes. */
const any = (v: unknown) => v;
const failure = async (p: Promise<unknown>): Promise<BitbucketApiError> => {
  try {
    await p;
  } catch (e) {
    assert.instance(e, BitbucketApiError);
    return e as BitbucketApiError;
  }
  throw new Error('expected a failure');
};

test('a GET answered 503 then 429 (Retry-After as an HTTP date) is retried until it succeeds', async () => {
  await serving(
    (_req, res, n) => {
      if (n === 1) return json(res, 503, { type: 'error', error: { message: 'Service unavailable' } });
      if (n === 2)
        return json(
          res,
          429,
          { type: 'error', error: { message: 'slow down' } },
          { 'retry-after': new Date(Date.now() + 1000).toUTCString() },
        );
      json(res, 200, { uuid: '{x}' });
    },
    async (s) => {
      assert.equal(await client(s.url).get('/workspaces/phub', any), { uuid: '{x}' });
      assert.is(s.hits.length, 3);
    },
  );
});

test('a POST answered 500 is not repeated (it may have been made); the error is one line with Bitbucket message and detail', async () => {
  await serving(
    (_req, res) => json(res, 500, { type: 'error', error: { message: 'Something went wrong.', detail: 'try later' } }),
    async (s) => {
      const e = await failure(client(s.url).send('POST', '/repositories/a/b', {}, any));
      assert.is(e.message, 'Bitbucket POST /2.0/repositories/a/b: 500 Something went wrong: try later');
      assert.is(e.status, 500);
      assert.is(s.hits.length, 1);
    },
  );
});

test('a Retry-After longer than we wait, and retries used up, end as a 429 error saying to wait', async () => {
  await serving(
    (_req, res) =>
      json(res, 429, { type: 'error', error: { message: 'Rate limit exceeded' } }, { 'retry-after': '3600' }),
    async (s) => {
      const e = await failure(client(s.url).get('/workspaces/phub', any));
      assert.match(e.message, '429 rate limited (Rate limit exceeded): wait a few minutes');
      assert.is(s.hits.length, 1);
    },
  );
});

test('pages are followed through next; a next link to another host is refused (the token stays with Bitbucket)', async () => {
  let base = '';
  await serving(
    (req, res) => {
      if (req.url === '/2.0/list') return json(res, 200, { values: [1, 2], next: `${base}/list?page=2` });
      if (req.url === '/2.0/list?page=2') return json(res, 200, { values: [3] });
      json(res, 200, { values: [1], next: 'http://other.example/2.0/list?page=2' });
    },
    async (s) => {
      base = s.url;
      assert.equal(await client(s.url).list('/list', any), [1, 2, 3]);
      const e = await failure(client(s.url).list('/elsewhere', any));
      assert.match(e.message, 'another host (http://other.example)');
    },
  );
});

test('a server that never answers: the timeout ends each attempt, then one line says Bitbucket could not be reached', async () => {
  await serving(
    () => undefined,
    async (s) => {
      const e = await failure(client(s.url, { timeoutMs: 150, retries: 1 }).get('/workspaces/phub', any));
      assert.match(e.message, 'cannot reach Bitbucket for GET /2.0/workspaces/phub');
      assert.is(e.status, 0);
      assert.is(s.hits.length, 2);
    },
  );
});

test('403 without detail.required still says what to do; 401 names the credential, never the token', async () => {
  await serving(
    (req, res) =>
      req.url?.includes('forbidden')
        ? json(res, 403, { type: 'error', error: { message: 'Access denied' } })
        : json(res, 401, { type: 'error', error: { message: 'Unauthorized' } }),
    async (s) => {
      assert.match(
        (await failure(client(s.url).get('/forbidden', any))).message,
        '403 Access denied: the token or its account may not do this',
      );
      const e = await failure(client(s.url).get('/x', any));
      assert.match(e.message, '401 Unauthorized: the access token was refused');
      assert.not.match(e.message, 'secret-token');
    },
  );
});

test('an answer that is not JSON, a link that is not a URL: one line naming the request, not a crash', async () => {
  await serving(
    (req, res) => {
      if (req.url === '/2.0/html') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return void res.end('<html>proxy</html>');
      }
      json(res, 200, { values: [], next: 'http://[::1' });
    },
    async (s) => {
      assert.match(
        (await failure(client(s.url).get('/html', any))).message,
        'Bitbucket GET /2.0/html: the answer is not JSON',
      );
      assert.match((await failure(client(s.url).list('/list', any))).message, 'not a URL');
    },
  );
});

test('an endless body is cut at the size limit, a declared huge one refused unread; neither is read into memory', async () => {
  let sent = 0;
  await serving(
    (req, res) => {
      if (req.url === '/2.0/declared') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(400 * 1024 * 1024) });
        return void res.write('{');
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) sent += chunk.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    },
    async (s) => {
      const endless = await failure(client(s.url, { timeoutMs: 300, retries: 0 }).get('/endless', any));
      assert.match(endless.message, 'Bitbucket GET /2.0/endless: the answer is larger than 8,388,608 bytes');
      assert.ok(sent < 32 * 1024 * 1024, `sent ${sent} bytes`);
      const declared = await failure(client(s.url, { timeoutMs: 300, retries: 0 }).get('/declared', any));
      assert.match(declared.message, 'larger than 8,388,608 bytes');
    },
  );
});

test('a body that stalls or a connection reset midway: one line naming the request, after the timeout', async () => {
  await serving(
    (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"uuid":');
      if (req.url === '/2.0/reset') setTimeout(() => res.destroy(), 20);
    },
    async (s) => {
      const stalled = await failure(client(s.url, { timeoutMs: 300, retries: 0 }).get('/stall', any));
      assert.match(stalled.message, 'cannot reach Bitbucket for GET /2.0/stall (no whole answer within 1 s)');
      const reset = await failure(client(s.url, { timeoutMs: 5000, retries: 0 }).get('/reset', any));
      assert.match(reset.message, 'cannot reach Bitbucket for GET /2.0/reset');
      assert.is(reset.message.split('\n').length, 1);
    },
  );
});

test('redirects: a write redirected is an error; a read follows one to the same origin only, with the credentials only there', async () => {
  await serving(
    (_req, res) => json(res, 200, { uuid: '{x}' }),
    (elsewhere) =>
      serving(
        (req, res) => {
          if (req.url === '/2.0/moved') return json(res, 200, { moved: req.headers.authorization });
          const to = req.url === '/2.0/here' ? '/2.0/moved' : `${elsewhere.url}/taken`;
          res.writeHead(req.method === 'POST' ? 302 : 301, { location: to });
          res.end();
        },
        async (s) => {
          const write = await failure(client(s.url).send('POST', '/here', {}, any));
          assert.match(write.message, 'Bitbucket POST /2.0/here: answered 302 (a redirect)');
          assert.equal(await client(s.url).get('/here', any), { moved: 'Bearer secret-token' });
          const away = await failure(client(s.url).get('/away', any));
          assert.match(away.message, `redirected to another host (${new URL(elsewhere.url).origin})`);
          assert.equal(elsewhere.hits, []);
        },
      ),
  );
});

test.run();
