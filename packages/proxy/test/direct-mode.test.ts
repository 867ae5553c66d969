import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { parseBearerChallenge } from '@portcullis/metadata';
import { embeddedIdpToken } from '@portcullis/test-support';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legacyPost, type RunningProxy } from './helpers/proxy.js';
import { type ReferenceStack, startReferenceStack } from './helpers/stacks.js';

const HELLO = 'Hello, joe! Your user agent is: node';
let stack: ReferenceStack;
let proxy: RunningProxy;
let joe: string;

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'probe', version: '1' } },
};

beforeAll(async () => {
  stack = await startReferenceStack();
  proxy = stack.proxy;
  ({ joe } = stack.tokens);
});
afterAll(async () => {
  await stack?.close();
});

function legacy(token: string | undefined, init: RequestInit & { session?: string } = {}): Promise<Response> {
  return legacyPost(proxy.mcp, token, init);
}

async function callText(client: { callTool: Client['callTool'] }, name: string, args = {}) {
  const result = (await client.callTool({ name, arguments: args })) as { content: { text: string }[] };
  return result.content.map((c) => c.text).join('');
}

describe('direct mode: the proxy is the resource server clients see', () => {
  it('[PX-01 RS-06 RS-07 RS-08 RS-09] publishes PRM whose resource is the proxy URL, never the upstream', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const res = await fetch(`${proxy.url}${path}`);
      expect(res.status).toBe(200);
      const prm = (await res.json()) as Record<string, unknown>;
      expect(prm.resource).toBe(proxy.mcp);
      expect(prm.authorization_servers).toEqual([stack.idp.issuer]);
      expect(JSON.stringify(prm)).not.toContain(stack.upstreamUrl);
    }
  });

  it('[RS-01 RS-02 RS-03] answers a request without a token with a Bearer challenge naming the proxy PRM and no error code, in the challenge or the body', async () => {
    const res = await legacy(undefined, { body: JSON.stringify(INIT) });
    expect(res.status).toBe(401);
    const challenge = parseBearerChallenge(res.headers.get('www-authenticate') ?? '');
    expect(challenge?.resource_metadata).toBe(`${proxy.url}/.well-known/oauth-protected-resource/mcp`);
    expect(challenge?.error).toBeUndefined();
    expect(await res.json()).toEqual({
      error_description: 'this endpoint needs a Bearer access token in the Authorization header',
    });
  });

  it('[RS-13] refuses an IdP token issued for the upstream instead of the proxy', async () => {
    const { accessToken: forUpstream } = await embeddedIdpToken(stack.idp.issuer, {
      resource: stack.upstreamUrl,
      scope: 'mcp:tools',
      username: 'joe',
      password: 'joe-pass',
      clientName: 'Proxy tests',
    });
    const res = await legacy(forUpstream, { body: JSON.stringify(INIT) });
    expect(res.status).toBe(401);
    expect(parseBearerChallenge(res.headers.get('www-authenticate') ?? '')?.error).toBe('invalid_token');
  });

  it('[PX-01] the SDK v2 client in auto mode (2026-07-28) calls hello-world through the proxy', async () => {
    const client = new Client({ name: 'e2e', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    const transport = new StreamableHTTPClientTransport(new URL(proxy.mcp), {
      authProvider: { token: async () => joe },
    });
    await client.connect(transport);
    expect(client.getProtocolEra()).toBe('modern');
    expect(await callText(client, 'hello-world', { name: 'joe' })).toBe(HELLO);
    await client.close();
  });

  it('[PX-01 RS-21] the SDK v2 client in legacy mode (2025-11-25) gets a session through the proxy', async () => {
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(proxy.mcp), {
      authProvider: { token: async () => joe },
    });
    await client.connect(transport);
    expect(client.getProtocolEra()).toBe('legacy');
    expect(transport.sessionId).toBeTruthy();
    expect(await callText(client, 'hello-world', { name: 'joe' })).toBe(HELLO);
    await transport.terminateSession();
    await client.close();
  });

  it('[PX-01] the SDK v1 1.32 client calls hello-world through the proxy', async () => {
    const client = new ClientV1({ name: 'e2e-v1', version: '1.0.0' });
    const transport = new TransportV1(new URL(proxy.mcp), {
      requestInit: { headers: { authorization: `Bearer ${joe}` } },
    });
    await client.connect(transport);
    expect(transport.sessionId).toBeTruthy();
    expect(await callText(client as unknown as Client, 'hello-world', { name: 'joe' })).toBe(HELLO);
    await client.close();
  });

  it('[PX-02 RS-29] the upstream sees the proxy as issuer and the caller as subject, not the IdP token', async () => {
    const client = new Client({ name: 'e2e', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(proxy.mcp), { authProvider: { token: async () => joe } }),
    );
    const who = JSON.parse(await callText(client, 'whoami')) as Record<string, unknown>;
    const claims = decodeJwt(joe);
    expect(who).toMatchObject({ issuer: proxy.url, subject: claims.sub, clientId: claims.client_id });
    expect(who.scopes).toEqual(['mcp:tools']);
    await client.close();
  });
});

describe('methods the MCP endpoint does not take', () => {
  it('answers PUT and PATCH with 405, an Allow header and a JSON-RPC error, not a 404', async () => {
    for (const method of ['PUT', 'PATCH']) {
      const res = await fetch(proxy.mcp, {
        method,
        headers: { authorization: `Bearer ${joe}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, POST, DELETE');
      expect(await res.json()).toMatchObject({
        jsonrpc: '2.0',
        error: { code: -32000, message: 'method not allowed: the MCP endpoint takes GET, POST, DELETE' },
      });
    }
  });
});
