import {
  Client,
  InsufficientScopeError,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { signToken } from './helpers/keys.js';
import { LEGACY_HEADERS, modernRequest, toolsCall, useResourceServer } from './helpers/server.js';

const env = useResourceServer();

/** A raw POST to the endpoint: status and JSON-RPC error code. */
async function rawPost(headers: Record<string, string>, body: unknown) {
  const response = await fetch(env.rs.resource, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await response.text();
  const code = text.startsWith('{')
    ? (JSON.parse(text) as { error?: { code?: number } }).error?.code
    : undefined;
  return { status: response.status, code };
}

/** A 2025-era tools/call in session `id`, with `token` or with no `Authorization` at all. */
function inSession(id: string, token: string | undefined) {
  const auth: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  return rawPost(
    { ...LEGACY_HEADERS, 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': id, ...auth },
    toolsCall('echo', { text: 'x' }),
  );
}

function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? '').join('');
}

async function connectV2(token: string | undefined, mode: 'auto' | 'legacy') {
  const client = new Client(
    { name: 'probe', version: '1.0.0' },
    mode === 'auto' ? { versionNegotiation: { mode: 'auto' } } : {},
  );
  const transport = new StreamableHTTPClientTransport(new URL(env.rs.resource), {
    authProvider: { token: async () => token },
  });
  await client.connect(transport);
  return { client, transport };
}

describe('official SDK clients against the protected endpoint', () => {
  it('[RS-28] v2 client in auto mode speaks 2026-07-28 statelessly and the handler sees the caller', async () => {
    const token = await signToken(env.rs.resource, {
      key: env.key,
      claims: { sub: 'alice', client_id: 'cli' },
    });
    const { client, transport } = await connectV2(token, 'auto');
    expect(client.getProtocolEra()).toBe('modern');
    expect(transport.sessionId).toBeUndefined();
    const echoed = JSON.parse(textOf(await client.callTool({ name: 'echo', arguments: { text: 'hello' } })));
    expect(echoed.text).toBe('hello');
    expect(echoed.clientId).toBe('cli');
    expect(echoed.extra.subject).toBe('alice');
    await client.close();
    // The same caller's request with MCP-Protocol-Version disagreeing with `_meta` is refused.
    const { body, headers } = modernRequest('tools/call', { name: 'echo', arguments: { text: 'x' } });
    const mismatch = await rawPost(
      { ...headers, authorization: `Bearer ${token}`, 'mcp-protocol-version': '2025-11-25' },
      body,
    );
    expect(mismatch).toEqual({ status: 400, code: -32020 });
  });

  it('[RS-21 RS-22] v2 client in default (2025-11-25) mode gets a session bound to its token', async () => {
    const token = await signToken(env.rs.resource, { key: env.key });
    const { client, transport } = await connectV2(token, 'legacy');
    expect(client.getProtocolEra()).toBe('legacy');
    expect(transport.sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'x' } }))).toContain('"text":"x"');
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toEqual(['echo']);
    const id = transport.sessionId ?? '';
    expect((await inSession(id, undefined)).status).toBe(401);
    const bob = await signToken(env.rs.resource, { key: env.key, claims: { sub: 'bob' } });
    expect((await inSession(id, bob)).status).toBe(404);
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'y' } }))).toContain('"text":"y"');
    await transport.terminateSession();
    await client.close();
  });

  it('[RS-16] v2 client surfaces the step-up challenge as InsufficientScopeError with the needed scope', async () => {
    for (const mode of ['auto', 'legacy'] as const) {
      const { client } = await connectV2(await signToken(env.rs.resource, { key: env.key }), mode);
      const error = await client.callTool({ name: 'admin-op', arguments: {} }).catch((e: unknown) => e);
      expect(error, mode).toBeInstanceOf(InsufficientScopeError);
      expect((error as InsufficientScopeError).requiredScope?.split(' ')).toContain('mcp:admin');
      await client.close();
    }
  });

  it('[RS-01] v2 client without a token gets UnauthorizedError', async () => {
    const error = await connectV2(undefined, 'legacy').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
  });

  it('[RS-21] v1 SDK client (1.32) with a static bearer token calls a tool in a 2025 session', async () => {
    const token = await signToken(env.rs.resource, { key: env.key });
    const client = new ClientV1({ name: 'v1-probe', version: '1.0.0' });
    const transport = new TransportV1(new URL(env.rs.resource), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    });
    await client.connect(transport);
    expect(transport.sessionId).toBeTruthy();
    const result = await client.callTool({ name: 'echo', arguments: { text: 'v1' } });
    expect(textOf(result)).toContain('"text":"v1"');
    expect((await inSession(transport.sessionId ?? '', undefined)).status).toBe(401);
    await transport.terminateSession();
    await client.close();
  });
});
