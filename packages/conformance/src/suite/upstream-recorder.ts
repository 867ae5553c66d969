import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { MCP_PROTOCOL_VERSIONS } from '@portcullis/metadata';

/** One request the gateway sent upstream. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A stand-in upstream MCP server that records what a gateway forwards to it. */
export interface UpstreamRecorder {
  readonly url: string;
  readonly requests: readonly RecordedRequest[];
  close(): Promise<void>;
}

const SUPPORTED: readonly string[] = MCP_PROTOCOL_VERSIONS;

/**
 * Like a real upstream MCP server, refuse an unsupported `MCP-Protocol-Version` with 400 (-32022 for a 2026-07-28
 * body), so a gateway that passes the header through is judged on what its upstream would answer (RS-27, RS-28).
 */
function versionError(header: string | string[] | undefined, body: string) {
  if (typeof header !== 'string' || SUPPORTED.includes(header)) return undefined;
  const stateless = body.includes('io.modelcontextprotocol/protocolVersion');
  const error = stateless
    ? { code: -32022, message: `Unsupported protocol version: ${header}`, data: { supported: SUPPORTED } }
    : { code: -32000, message: `Bad Request: Unsupported protocol version: ${header}` };
  return { status: 400, payload: { jsonrpc: '2.0', id: null, error } };
}

function answer(body: string): { status: number; payload?: unknown } {
  let message: { id?: unknown; method?: unknown; params?: { protocolVersion?: unknown } } = {};
  try {
    message = JSON.parse(body) as typeof message;
  } catch {
    return { status: 400 };
  }
  if (message.id === undefined) return { status: 202 };
  const result =
    message.method === 'initialize'
      ? {
          protocolVersion: message.params?.protocolVersion ?? '2025-11-25',
          capabilities: { tools: {} },
          serverInfo: { name: 'portcullis-conformance-recorder', version: '1' },
        }
      : message.method === 'tools/call'
        ? { content: [{ type: 'text', text: 'recorded' }] }
        : { tools: [] };
  return { status: 200, payload: { jsonrpc: '2.0', id: message.id, result } };
}

/**
 * Listen on `127.0.0.1:<port>` as the gateway's upstream MCP server: record every request and answer JSON-RPC
 * calls with minimal results. The suite compares what arrives with the client token (PX-02, RS-29).
 */
export async function startUpstreamRecorder(port: number): Promise<UpstreamRecorder> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const { status, payload } = versionError(req.headers['mcp-protocol-version'], body) ?? answer(body);
      // A session id on initialize, like a stateful server, so a gateway's session handling is exercised too.
      const session = body.includes('"initialize"') ? { 'mcp-session-id': randomUUID() } : {};
      res
        .writeHead(status, { 'content-type': 'application/json', ...session })
        .end(payload === undefined ? '' : JSON.stringify(payload));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
