// A bare node:http upstream for the streaming parts of the benchmark. No MCP SDK and no token check, so the
// figures isolate the proxy's streaming path; the per-request auth cost is in the tools/call figures.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Events of one `POST` stream, the result included. */
export const SSE_EVENTS = 1_000;

/** The streaming upstream. */
export interface SseUpstream {
  /** Its MCP endpoint, `http://127.0.0.1:<port>/mcp` (every path behaves the same). */
  readonly url: string;
  /** `GET` streams open right now. */
  held(): number;
  close(): Promise<void>;
}

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

function write(res: ServerResponse, id: number, message: unknown): boolean {
  return res.write(`event: message\nid: ${id}\ndata: ${JSON.stringify(message)}\n\n`);
}

/**
 * `POST` → `text/event-stream` with {@link SSE_EVENTS} − 1 `notifications/progress` events, one per event-loop
 * turn (as a tool reporting progress would), each stamped with `performance.now()` in `t`, then the JSON-RPC
 * result (also stamped), then the end of the response.
 * `GET` → a `text/event-stream` held open (one comment, then silence) until the client leaves.
 */
export async function startSseUpstream(): Promise<SseUpstream> {
  const held = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, SSE_HEADERS);
      res.write(': open\n\n');
      held.add(res);
      res.once('close', () => held.delete(res));
      return;
    }
    req.resume();
    req.once('end', () => {
      res.writeHead(200, SSE_HEADERS);
      let sent = 0;
      const next = (): void => {
        if (res.destroyed) return;
        sent++;
        const t = performance.now();
        if (sent === SSE_EVENTS) {
          write(res, sent, { jsonrpc: '2.0', id: 1, result: { content: [], t } });
          res.end();
          return;
        }
        const params = { progressToken: 1, progress: sent, total: SSE_EVENTS, t };
        if (write(res, sent, { jsonrpc: '2.0', method: 'notifications/progress', params })) {
          setImmediate(next);
        } else {
          res.once('drain', next);
        }
      };
      next();
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    held: () => held.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
