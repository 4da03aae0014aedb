/**
 * A server on another loopback address (127.0.0.2 by default) that records every request it gets and
 * answers each with `answer`: where a hostile API points clone links and redirects, to show what reached it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  url: string;
  authorization?: string;
}

export interface Recorder {
  /** `http://127.0.0.2:PORT`. */
  url: string;
  requests: Recorded[];
  close(): Promise<void>;
}

export async function startRecorder(
  answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(404).end(),
  host = '127.0.0.2',
): Promise<Recorder> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    req.resume();
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
