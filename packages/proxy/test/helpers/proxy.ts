import { Writable } from 'node:stream';
import { createRedactingLogger } from '@portcullis/resource-server';
import type { FastifyInstance } from 'fastify';
import { createProxyServer, type ProxyOptionsInput } from '../../src/index.js';

/** A proxy listening on 127.0.0.1 with its log lines captured. */
export interface RunningProxy {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly mcp: string;
  /** Every log line written so far, raw. */
  readonly logText: () => string;
  /** Every log line written so far, parsed. */
  readonly logs: () => Record<string, unknown>[];
  close(): Promise<void>;
}

/** Proxy options for tests: `publicUrl` defaults to `http://localhost:<port>`. */
export type ProxyTestOptions =
  | (Omit<Extract<ProxyOptionsInput, { mode?: 'direct' }>, 'mode' | 'publicUrl'> & {
      mode?: 'direct';
      publicUrl?: string;
    })
  | (Omit<Extract<ProxyOptionsInput, { mode: 'facade' }>, 'publicUrl'> & { publicUrl?: string });

/** Start a proxy on `port` with the redacting logger at `debug` writing into memory. */
export async function startProxy(port: number, options: ProxyTestOptions): Promise<RunningProxy> {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const app = createProxyServer({
    publicUrl: `http://localhost:${port}`,
    logger: createRedactingLogger({ level: 'debug', destination }),
    ...options,
  } as ProxyOptionsInput);
  await app.listen({ host: '127.0.0.1', port });
  return {
    app,
    url: `http://localhost:${port}`,
    mcp: `http://localhost:${port}/mcp`,
    logText: () => lines.join('\n'),
    logs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    close: () => app.close(),
  };
}

/** An MCP POST with the headers a 2026-07-28 client sends. */
export function modernCall(
  url: string,
  token: string | undefined,
  message: { method: string; params?: Record<string, unknown> },
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  const params: Record<string, unknown> = {
    ...message.params,
    _meta: {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
    },
  };
  const name = typeof params.name === 'string' ? params.name : undefined;
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': message.method,
      ...(name === undefined ? {} : { 'mcp-name': name }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: message.method, params }),
    ...(signal === undefined ? {} : { signal }),
  });
}

/** A JSON-RPC `ping` (id 7) as a raw request body. */
export const PING = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'ping' });

/** A raw MCP POST of `body` with the transport's content negotiation and an optional bearer token. */
export function post(
  url: string,
  bearer: string | undefined,
  body: string,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
) {
  return fetch(url, {
    method: 'POST',
    ...(signal === undefined ? {} : { signal }),
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
      ...headers,
    },
    body,
  });
}

/** The JSON-RPC error code of a response body, if it is an error. */
export async function rpcError(res: Response): Promise<number | undefined> {
  return ((await res.json()) as { error?: { code: number } }).error?.code;
}

/** A 2025-11-25 (`initialize`-era) POST to `mcpUrl`, optionally inside session `session`. */
export function legacyPost(
  mcpUrl: string,
  token: string | undefined,
  init: RequestInit & { session?: string } = {},
): Promise<Response> {
  const { session, ...rest } = init;
  return fetch(mcpUrl, {
    method: 'POST',
    ...rest,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      ...(session === undefined ? {} : { 'mcp-session-id': session }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(rest.headers as Record<string, string> | undefined),
    },
  });
}
