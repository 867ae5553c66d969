import { Writable } from 'node:stream';
import { McpServer } from '@modelcontextprotocol/server';
import { freePort } from '@portcullis/test-support';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { z } from 'zod';
import {
  createMcpResourceServer,
  createRedactingLogger,
  type ResourceServerOptionsInput,
} from '../../src/index.js';
import { ISSUER, type JwksHost, makeKey, startJwksHost, type TestKey } from './keys.js';

/** Counts tool invocations so tests can prove a handler never ran. */
export const sideEffects = { calls: 0 };

export function buildTestServer(): McpServer {
  const server = new McpServer({ name: 'test-server', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Echo text', inputSchema: z.object({ text: z.string() }) },
    async ({ text }, ctx) => {
      sideEffects.calls++;
      const auth = ctx.http?.authInfo;
      return {
        content: [
          {
            type: 'text',
            text: JSON.stringify({ text, clientId: auth?.clientId, extra: auth?.extra, token: auth?.token }),
          },
        ],
      };
    },
  );
  for (const name of ['admin-op', 'files-read', 'two-scopes']) {
    server.registerTool(name, { description: name }, async () => {
      sideEffects.calls++;
      return { content: [{ type: 'text', text: `${name} ok` }] };
    });
  }
  return server;
}

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly origin: string;
  readonly resource: string;
  readonly logs: string[];
  close(): Promise<void>;
}

/**
 * Start a resource server on 127.0.0.1 with a random port. The resource URL must be known before the
 * port, so the server first listens, then is rebuilt on the same port with the final resource.
 */
export async function startResourceServer(
  jwksUri: string,
  overrides: Partial<ResourceServerOptionsInput> = {},
  { logLevel = 'debug' }: { logLevel?: string } = {},
): Promise<RunningServer> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const resource = `${origin}/mcp`;
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const app = createMcpResourceServer({
    resource,
    authorizationServers: [ISSUER],
    jwt: { jwksUri },
    scopes: {
      default: ['mcp:tools'],
      tools: { 'admin-op': ['mcp:admin'], 'files-read': ['files:read'], 'two-scopes': ['a:one', 'b:two'] },
      hierarchy: { files: ['files:read', 'files:write'] },
    },
    server: () => buildTestServer(),
    logger: createRedactingLogger({ level: logLevel, destination }),
    ...overrides,
  });
  await app.listen({ host: '127.0.0.1', port });
  return { app, origin, resource, logs, close: () => app.close() };
}

/** What {@link useResourceServer} provides once `beforeAll` has run. */
export interface ResourceServerFixture {
  readonly key: TestKey;
  readonly jwks: JwksHost;
  readonly rs: RunningServer;
}

/**
 * Register `beforeAll`/`afterAll` hooks that start one signing key, a JWKS host publishing it and a resource
 * server trusting it (default {@link startResourceServer} options; its log captured at `logLevel`, default
 * `debug`), and close both after the file's tests.
 */
export function useResourceServer({ logLevel }: { logLevel?: string } = {}): ResourceServerFixture {
  const fixture = {} as { key: TestKey; jwks: JwksHost; rs: RunningServer };
  beforeAll(async () => {
    fixture.key = await makeKey();
    fixture.jwks = await startJwksHost([fixture.key.publicJwk]);
    fixture.rs = await startResourceServer(fixture.jwks.url, {}, logLevel === undefined ? {} : { logLevel });
  });
  afterAll(async () => {
    await fixture.rs.close();
    await fixture.jwks.close();
  });
  return fixture;
}

/** A JSON-RPC tools/call body in the 2025 style (no `_meta` envelope). */
export function toolsCall(name: string, args: Record<string, unknown> = {}, id = 1) {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } };
}

export const INIT = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

export const LEGACY_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

export const MODERN_VERSION = '2026-07-28';

/** A 2026-07-28 request: `_meta` envelope plus the mirrored `MCP-Protocol-Version`/`Mcp-Method`/`Mcp-Name` headers. */
export function modernRequest(method: string, params: Record<string, unknown> = {}, id = 1) {
  const body = {
    jsonrpc: '2.0',
    id,
    method,
    params: {
      ...params,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  };
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': MODERN_VERSION,
    'mcp-method': method,
  };
  const name = params.name ?? params.uri;
  if (typeof name === 'string') headers['mcp-name'] = name;
  return { body, headers };
}
