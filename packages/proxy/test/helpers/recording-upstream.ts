import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the upstream received it. */
export interface Recorded {
  readonly method: string;
  readonly headers: IncomingMessage['headers'];
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

/** Answers a request; the default replies with an empty JSON-RPC result. */
export type Behaviour = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

/** A loopback HTTP server that records every request and answers with a replaceable behaviour. */
export interface RecordingUpstream {
  readonly url: string;
  readonly requests: Recorded[];
  behaviour: Behaviour;
  close(): Promise<void>;
}

export const jsonResult: Behaviour = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":1,"result":{}}');
};

export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const upstream: { behaviour: Behaviour } = { behaviour: jsonResult };
  const requests: Recorded[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body });
      upstream.behaviour(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    requests,
    get behaviour() {
      return upstream.behaviour;
    },
    set behaviour(next: Behaviour) {
      upstream.behaviour = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
