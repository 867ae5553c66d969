import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createRedactingLogger } from '@portcullis/resource-server';
import { freePort, startLocalIssuer as startSharedIssuer } from '@portcullis/test-support';
import type { FastifyInstance } from 'fastify';
import { createProxyServer, type StdioUpstreamOptions } from '../../src/index.js';
import { modernCall } from '../helpers/proxy.js';

// Helpers of the stdio-upstream tests only (kept here, independent of test/helpers).

/** The fixture stdio MCP server, run with plain `node`. */
export const FIXTURE = fileURLToPath(new URL('./fixture-server.mjs', import.meta.url));

/** The shared ES256 issuer (`@portcullis/test-support`), trusted by the proxy as its IdP, minting per subject. */
export interface LocalIssuer {
  readonly issuer: string;
  readonly jwksUri: string;
  /** A valid access token for `audience` and subject `sub` (client `client-of-<sub>`, scope `mcp:tools` unless given). */
  token(audience: string, sub: string, scope?: string): Promise<string>;
  /** Like {@link token}, expiring `seconds` from now (its `exp` is whole seconds). */
  tokenExpiringIn(audience: string, sub: string, seconds: number): Promise<string>;
  close(): Promise<void>;
}

export async function startLocalIssuer(): Promise<LocalIssuer> {
  const shared = await startSharedIssuer();
  return {
    issuer: shared.issuer,
    jwksUri: shared.jwksUri,
    token: (audience, sub, scope = 'mcp:tools') =>
      shared.sign(audience, { sub, client_id: `client-of-${sub}`, scope }),
    tokenExpiringIn: (audience, sub, seconds) =>
      shared.sign(audience, {
        sub,
        client_id: `client-of-${sub}`,
        scope: 'mcp:tools',
        exp: Math.floor(Date.now() / 1000) + seconds,
      }),
    close: () => shared.close(),
  };
}

/** A proxy with a stdio upstream, listening on 127.0.0.1, its log captured. */
export interface StdioProxy {
  readonly app: FastifyInstance;
  readonly mcp: string;
  readonly logText: () => string;
  close(): Promise<void>;
}

export async function startStdioProxy(
  issuer: LocalIssuer,
  upstream: Partial<Omit<StdioUpstreamOptions, 'kind'>> = {},
  extra: { idleMs?: number; adminTools?: readonly string[]; clockToleranceSec?: number } = {},
): Promise<StdioProxy> {
  const port = await freePort();
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const app = createProxyServer({
    publicUrl: `http://localhost:${port}`,
    logger: createRedactingLogger({ level: 'debug', destination }),
    idp: {
      issuer: issuer.issuer,
      jwksUri: issuer.jwksUri,
      ...(extra.clockToleranceSec === undefined ? {} : { clockToleranceSec: extra.clockToleranceSec }),
    },
    upstream: { kind: 'stdio', command: process.execPath, args: [FIXTURE], ...upstream },
    shutdown: { drainTimeoutMs: 200 },
    ...(extra.idleMs === undefined ? {} : { sessions: { idleMs: extra.idleMs } }),
    ...(extra.adminTools === undefined
      ? {}
      : { scopes: { tools: Object.fromEntries(extra.adminTools.map((tool) => [tool, ['mcp:admin']])) } }),
  });
  await app.listen({ host: '127.0.0.1', port });
  return {
    app,
    mcp: `http://localhost:${port}/mcp`,
    logText: () => lines.join(''),
    close: () => app.close(),
  };
}

/** An SDK v2 client in legacy mode (2025-11-25, sessions) connected through the proxy with `token`. */
export async function connectLegacy(mcp: string, token: string) {
  const client = new Client({ name: 'stdio-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(mcp), {
    authProvider: { token: async () => token },
  });
  await client.connect(transport);
  return { client, transport };
}

/**
 * An SDK v2 client connected through the proxy with `token` in the 2026-07-28 era (stateless: no session, no
 * `initialize`), pinned by default or negotiated with `'auto'`.
 */
export async function connectModern(
  mcp: string,
  token: string,
  mode: 'auto' | { pin: '2026-07-28' } = { pin: '2026-07-28' },
): Promise<Client> {
  const client = new Client({ name: 'stdio-test', version: '1.0.0' }, { versionNegotiation: { mode } });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(mcp), { authProvider: { token: async () => token } }),
  );
  return client;
}

/** The text of a tool result. */
export async function callText(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = (await client.callTool({ name, arguments: args })) as { content: { text: string }[] };
  return result.content.map((c) => c.text).join('');
}

/** `true` while process `pid` exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Poll `check` every 20 ms until it holds; fails after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A fresh file for the fixture's `FIXTURE_STDIN_LOG` (not created yet). */
export async function stdinLogFile(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'portcullis-stdin-')), 'stdin.log');
}

/** Poll the `FIXTURE_STDIN_LOG` file every 20 ms until a child received `text`; fails after `timeoutMs`. */
export async function stdinReceived(file: string, text: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await readFile(file, 'utf8').catch(() => '')).includes(text)) {
    if (Date.now() > deadline) throw new Error(`no child received ${text} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A raw 2025-era MCP POST. */
export function post(mcp: string, token: string | undefined, body: unknown, session?: string) {
  return fetch(mcp, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(session === undefined ? {} : { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
}

export const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

/** A raw 2026-07-28 `tools/call` of `pid` (the proxy tests' `modernCall`). */
export const modernPost = (mcp: string, token: string) =>
  modernCall(mcp, token, { method: 'tools/call', params: { name: 'pid', arguments: {} } });

/** The JSON-RPC error of an answer. */
export async function errorOf(res: Response) {
  return ((await res.json()) as { error: { code: number; message: string } }).error;
}
