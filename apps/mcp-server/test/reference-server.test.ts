import { Client, InsufficientScopeError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { userAgentProduct } from '../src/server.js';
import { useReferenceServer } from './helpers/reference-server.js';

const env = useReferenceServer();

function textOf(result: unknown): string {
  return ((result as { content?: { text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('');
}

async function v2(mode: 'auto' | 'legacy', scope = 'mcp:tools') {
  const token = await env.issuer.sign(env.resource, { scope });
  const client = new Client(
    { name: 'guide', version: '1.0.0' },
    mode === 'auto' ? { versionNegotiation: { mode: 'auto' } } : {},
  );
  const transport = new StreamableHTTPClientTransport(new URL(env.resource), {
    authProvider: { token: async () => token },
  });
  await client.connect(transport);
  return Object.assign(client, { sessionId: () => transport.sessionId ?? '' });
}

const HELLO = { name: 'hello-world', arguments: { name: 'joe' } };

/** A raw POST to the endpoint: status and JSON-RPC error code. */
async function post(headers: Record<string, string>, body: unknown) {
  const response = await fetch(env.resource, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const code = text.startsWith('{')
    ? (JSON.parse(text) as { error?: { code?: number } }).error?.code
    : undefined;
  return { status: response.status, code };
}

/** hello-world in 2025-era session `id`, with `token` or with no `Authorization`. */
function helloInSession(id: string, token?: string) {
  return post(
    {
      'mcp-protocol-version': '2025-11-25',
      'mcp-session-id': id,
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    { jsonrpc: '2.0', id: 9, method: 'tools/call', params: HELLO },
  );
}

describe('the reference MCP server', () => {
  it('[RS-28] hello-world answers the guide’s line to a 2026-07-28 client', async () => {
    const client = await v2('auto');
    expect(client.getProtocolEra()).toBe('modern');
    const result = await client.callTool(HELLO);
    expect(textOf(result)).toBe('Hello, joe! Your user agent is: node');
    await client.close();
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2025-11-25',
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    const mismatch = await post(
      {
        authorization: `Bearer ${await env.issuer.sign(env.resource)}`,
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'hello-world',
      },
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { ...HELLO, _meta: meta } },
    );
    expect(mismatch).toEqual({ status: 400, code: -32020 });
  });

  it('[RS-21 RS-22] hello-world answers a 2025-11-25 client in its session, and only with its token', async () => {
    const client = await v2('legacy');
    expect(client.getProtocolEra()).toBe('legacy');
    const result = await client.callTool(HELLO);
    expect(textOf(result)).toBe('Hello, joe! Your user agent is: node');
    expect((await helloInSession(client.sessionId())).status).toBe(401);
    const mallory = await env.issuer.sign(env.resource, { sub: 'mallory' });
    expect((await helloInSession(client.sessionId(), mallory)).status).toBe(404);
    expect(textOf(await client.callTool(HELLO))).toBe('Hello, joe! Your user agent is: node');
    await client.close();
  });

  it('[RS-21] hello-world works for the v1 SDK client (1.32) with a static token', async () => {
    const token = await env.issuer.sign(env.resource);
    const client = new ClientV1({ name: 'guide-v1', version: '1.0.0' });
    const transport = new TransportV1(new URL(env.resource), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    });
    await client.connect(transport);
    const result = await client.callTool(HELLO);
    expect(textOf(result)).toBe('Hello, joe! Your user agent is: node');
    expect((await helloInSession(transport.sessionId ?? '')).status).toBe(401);
    await transport.terminateSession();
    await client.close();
  });

  it('whoami returns the caller identity from the token', async () => {
    const client = await v2('auto', 'mcp:tools');
    const who = JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} })));
    expect(who).toMatchObject({
      subject: 'joe',
      clientId: 'test-client',
      issuer: env.issuer.issuer,
      scopes: ['mcp:tools'],
    });
    await client.close();
  });

  it('[RS-16] admin-stats needs mcp:admin (step-up) and is hidden from tools/list until then', async () => {
    const basic = await v2('auto');
    expect((await basic.listTools()).tools.map((t) => t.name).sort()).toEqual([
      'confirm-greeting',
      'hello-world',
      'whoami',
    ]);
    const error = await basic.callTool({ name: 'admin-stats', arguments: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientScopeError);
    expect((error as InsufficientScopeError).requiredScope).toBe('mcp:tools mcp:admin');
    await basic.close();
    const admin = await v2('auto', 'mcp:tools mcp:admin');
    expect(
      JSON.parse(textOf(await admin.callTool({ name: 'admin-stats', arguments: {} }))).uptimeSeconds,
    ).toBeTypeOf('number');
    await admin.close();
  });

  it('serves the greeting resource and prompt', async () => {
    for (const mode of ['auto', 'legacy'] as const) {
      const client = await v2(mode);
      const read = await client.readResource({ uri: 'greeting://joe' });
      expect((read.contents[0] as { text?: string }).text).toBe('Hello, joe!');
      const prompt = await client.getPrompt({ name: 'greeting', arguments: { name: 'joe' } });
      expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'Please greet joe warmly.' });
      await client.close();
    }
  });

  it('[RS-06 RS-09] publishes metadata pointing at the issuer', async () => {
    const prm = await (
      await fetch(`${new URL(env.resource).origin}/.well-known/oauth-protected-resource/mcp`)
    ).json();
    expect(prm).toMatchObject({
      resource: env.resource,
      authorization_servers: [env.issuer.issuer],
      scopes_supported: ['mcp:tools'],
    });
  });

  it('names the first product token of the user agent', () => {
    expect(userAgentProduct('node')).toBe('node');
    expect(userAgentProduct('Mozilla/5.0 (X11; Linux x86_64)')).toBe('mozilla');
    expect(userAgentProduct('')).toBe('unknown');
    expect(userAgentProduct(undefined)).toBe('unknown');
  });
});
