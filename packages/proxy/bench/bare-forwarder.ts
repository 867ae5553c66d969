// The floor of the benchmark: the least a Node.js forwarder does per request (node:http in, an undici Pool
// out, the body streamed back), with no framework, no token check, no logging and no metrics. It swaps the
// client's `Authorization` for a fixed token the upstream accepts (the direct path's), so the upstream does
// the same work as on the other paths. Not a proxy anyone should run: it checks nothing.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

/** The forwarder: its MCP URL and how to stop it. */
export interface BareForwarder {
  readonly mcp: string;
  close(): Promise<void>;
}

const FORWARDED = ['accept', 'content-type', 'mcp-protocol-version', 'mcp-method', 'mcp-name'] as const;

/** Forward every request to `upstreamUrl` with `Authorization: Bearer <token>`. */
export async function startBareForwarder(upstreamUrl: string, token: string): Promise<BareForwarder> {
  const target = new URL(upstreamUrl);
  const pool = new Pool(target.origin, { keepAliveTimeout: 4_000 });
  const forward = async (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    for (const name of FORWARDED) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    try {
      const answer = await pool.request({
        path: target.pathname,
        method: req.method as 'POST',
        headers,
        body: body.length > 0 ? body : undefined,
      });
      const type = answer.headers['content-type'];
      res.writeHead(answer.statusCode, type === undefined ? {} : { 'content-type': String(type) });
      answer.body.pipe(res);
    } catch {
      res.writeHead(502).end();
    }
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => void forward(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    mcp: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.destroy();
    },
  };
}
