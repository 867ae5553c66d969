import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { freePort, type LocalIssuer, startLocalIssuer } from '@portcullis/test-support';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../src/main.js';
import { createReferenceMcpServer } from '../src/server.js';

// Behind the proxy, the server trusts one issuer: the proxy, which strips the client's token and mints a short-lived
// identity JWT per request (typ at+jwt, iss = proxy, aud = this server, sub/client_id/scope of the caller, act).
let proxy: LocalIssuer;
let idp: LocalIssuer;
let app: FastifyInstance;
let upstream: string;

beforeAll(async () => {
  proxy = await startLocalIssuer();
  idp = await startLocalIssuer();
  const port = await freePort();
  const config = configFromEnv({
    PORTCULLIS_MCP_MODE: 'behind-proxy',
    PORTCULLIS_MCP_PORT: String(port),
    PORTCULLIS_MCP_PROXY_ISSUER: proxy.issuer,
  });
  upstream = config.resource;
  app = createReferenceMcpServer({ ...config, logger: pino({ level: 'silent' }) });
  await app.listen({ host: config.host, port });
});
afterAll(async () => {
  await app.close();
  await proxy.close();
  await idp.close();
});

function identity(claims: Record<string, unknown> = {}) {
  return proxy.sign(upstream, { sub: 'alice', client_id: 'mcp-cli', act: { sub: proxy.issuer }, ...claims });
}

async function call(token: string, tool: string, args: Record<string, unknown> = {}) {
  const client = new Client({ name: 'proxy', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(upstream), { authProvider: { token: async () => token } }),
  );
  try {
    const result = await client.callTool({ name: tool, arguments: args });
    return ((result as { content?: { text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('');
  } finally {
    await client.close();
  }
}

async function status(token: string): Promise<number> {
  const res = await fetch(upstream, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'probe', version: '1' },
      },
    }),
  });
  await res.body?.cancel();
  return res.status;
}

describe('the reference server behind the proxy', () => {
  it('defaults to the local proxy as the only issuer and to a loopback resource', () => {
    expect(configFromEnv({ PORTCULLIS_MCP_MODE: 'behind-proxy' })).toEqual({
      mode: 'behind-proxy',
      host: '127.0.0.1',
      port: 3030,
      resource: 'http://127.0.0.1:3030/mcp',
      issuer: 'http://localhost:9090',
      jwksUri: 'http://localhost:9090/.well-known/jwks.json',
    });
  });

  it('[RS-26] refuses to bind anywhere but loopback, so only the proxy reaches it', () => {
    expect(() =>
      configFromEnv({
        PORTCULLIS_MCP_MODE: 'behind-proxy',
        PORTCULLIS_MCP_HOST: '0.0.0.0',
        PORTCULLIS_MCP_RESOURCE: 'https://mcp.example.com/mcp',
      }),
    ).toThrow(/not loopback/);
    expect(() => configFromEnv({ PORTCULLIS_MCP_MODE: 'proxy' })).toThrow(/PORTCULLIS_MCP_MODE must be/);
  });

  it('serves the caller the proxy forwarded: hello-world and whoami', async () => {
    expect(await call(await identity(), 'hello-world', { name: 'joe' })).toBe(
      'Hello, joe! Your user agent is: node',
    );
    expect(JSON.parse(await call(await identity(), 'whoami'))).toMatchObject({
      subject: 'alice',
      issuer: proxy.issuer,
      clientId: 'mcp-cli',
      scopes: ['mcp:tools'],
    });
  });

  it('[RS-14] refuses a token the IdP issued, even one whose audience is this server (no passthrough)', async () => {
    expect(await status(await identity())).toBe(200);
    expect(await status(await idp.sign(upstream))).toBe(401);
  });

  it('[RS-13] refuses a proxy identity minted for another upstream', async () => {
    expect(await status(await proxy.sign('http://127.0.0.1:1/other/mcp', { sub: 'alice' }))).toBe(401);
  });
});
