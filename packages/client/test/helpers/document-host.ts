import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What one path answers: a JSON body (200), a status, or a redirect. */
export type Answer =
  | { json: unknown; headers?: Record<string, string> }
  | { status: number; headers?: Record<string, string> };

/**
 * A loopback server answering fixed documents per path (everything else 404); the documents are built from
 * its own origin. Records the paths requested. A checking harness for discovery.
 */
export interface DocumentHost {
  readonly origin: string;
  readonly requested: string[];
  close(): Promise<void>;
}

export async function startDocumentHost(
  routes: (origin: string) => Record<string, Answer>,
): Promise<DocumentHost> {
  const requested: string[] = [];
  let table: Record<string, Answer> = {};
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requested.push(`${req.method} ${path}`);
    const answer = table[`${req.method} ${path}`] ?? table[path];
    if (answer === undefined) return res.writeHead(404).end();
    if ('json' in answer) {
      return res
        .writeHead(200, { 'content-type': 'application/json', ...answer.headers })
        .end(JSON.stringify(answer.json));
    }
    return res.writeHead(answer.status, answer.headers ?? {}).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  table = routes(origin);
  return {
    origin,
    requested,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
