import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { createRemoteJWKSet, jwtVerify } from 'jose';

/** One request as the upstream received it, before its identity check. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: readonly string[];
  readonly authorization: string | undefined;
}

/** A 2024-11-05 HTTP+SSE MCP server (v1 SDK) that trusts only the proxy's identity JWT. */
export interface SdkSseUpstream {
  /** `upstream.url` for the proxy: the identity JWT's audience. */
  readonly url: string;
  readonly seen: SeenRequest[];
  /** Upstream session ids of the open SSE streams. */
  readonly open: Set<string>;
  /** Delay before answering a `GET /sse`, in milliseconds (0: none). */
  sseDelayMs: number;
  /** End every open SSE stream from the upstream side. */
  endStreams(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Start the upstream on 127.0.0.1: `GET /sse` and `POST /messages?sessionId=…` (the SDK's
 * `SSEServerTransport`), a `hello-world` tool that greets the `sub` of the forwarded identity. Every request
 * must carry `Authorization: Bearer <JWT>` signed by the proxy (`proxyUrl` JWKS), `aud` = this URL.
 */
export async function startSdkSseUpstream(proxyUrl: string): Promise<SdkSseUpstream> {
  const jwks = createRemoteJWKSet(new URL(`${proxyUrl}/.well-known/jwks.json`));
  const transports = new Map<string, SSEServerTransport>();
  const seen: SeenRequest[] = [];
  const state = { sseDelayMs: 0, url: '' };

  async function identity(req: IncomingMessage): Promise<AuthInfo | undefined> {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (token === undefined) return undefined;
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: proxyUrl,
        audience: state.url,
        typ: 'at+jwt',
        algorithms: ['ES256'],
      });
      const scopes = String(payload.scope ?? '').split(' ');
      return { token, clientId: String(payload.client_id), scopes, extra: { sub: payload.sub } };
    } catch {
      return undefined;
    }
  }

  async function openStream(res: ServerResponse) {
    if (state.sseDelayMs > 0) await new Promise((r) => setTimeout(r, state.sseDelayMs));
    if (res.destroyed) return;
    const transport = new SSEServerTransport('/messages', res);
    const server = new McpServer({ name: 'legacy-sse-upstream', version: '1.0.0' });
    server.registerTool('hello-world', { description: 'Greets the caller' }, async (extra) => ({
      content: [{ type: 'text', text: `Hello, ${String(extra.authInfo?.extra?.sub)}!` }],
    }));
    transports.set(transport.sessionId, transport);
    res.on('close', () => transports.delete(transport.sessionId));
    await server.connect(transport);
  }

  const httpServer = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      rawHeaders: req.rawHeaders,
      authorization: req.headers.authorization,
    });
    void identity(req).then(async (auth) => {
      if (auth === undefined) return res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
      if (req.method === 'GET' && url.pathname === '/sse') return openStream(res);
      const transport = transports.get(url.searchParams.get('sessionId') ?? '');
      if (req.method !== 'POST' || url.pathname !== '/messages' || transport === undefined) {
        return res.writeHead(404).end('Session not found');
      }
      (req as IncomingMessage & { auth?: AuthInfo }).auth = auth;
      return transport.handlePostMessage(req, res);
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/mcp`;
  return {
    url: state.url,
    seen,
    get open() {
      return new Set(transports.keys());
    },
    get sseDelayMs() {
      return state.sseDelayMs;
    },
    set sseDelayMs(ms: number) {
      state.sseDelayMs = ms;
    },
    endStreams: async () => {
      await Promise.all([...transports.values()].map((t) => t.close()));
    },
    close: () =>
      new Promise<void>((resolve) => {
        httpServer.closeAllConnections();
        httpServer.close(() => resolve());
      }),
  };
}
