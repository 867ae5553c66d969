import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { redactUrl, tokenFingerprint } from '../src/index.js';
import { type JwksHost, makeKey, signToken, startJwksHost, type TestKey } from './helpers/keys.js';
import { buildTestServer, modernRequest, type RunningServer, startResourceServer } from './helpers/server.js';

let key: TestKey;
let jwks: JwksHost;
let rs: RunningServer;
/** A recording upstream API, and a resource server whose `call-upstream` tool calls it. */
const upstream = { seen: [] as { authorization?: string; headers: IncomingHttpHeaders; body: string }[] } as {
  seen: { authorization?: string; headers: IncomingHttpHeaders; body: string }[];
  server: Server;
  url: string;
  rs: RunningServer;
};

const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection', 'host', 'keep-alive']);

/** The test server plus a tool that calls `url` with every credential it can find in its context. */
function serverWithUpstreamTool() {
  const server = buildTestServer();
  server.registerTool(
    'call-upstream',
    { description: 'Calls an upstream API', inputSchema: z.object({ url: z.string() }) },
    async ({ url }, ctx) => {
      const auth = ctx.http?.authInfo;
      // Everything the handler can see of the client's request, minus the framing headers of that request.
      const requestHeaders = Object.fromEntries(
        [...(ctx.http?.req?.headers.entries() ?? [])].filter(([name]) => !FRAMING.has(name)),
      );
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          ...requestHeaders,
          'content-type': 'application/json',
          authorization: `Bearer ${auth?.token}`,
        },
        body: JSON.stringify({ authInfo: auth, requestHeaders }),
      });
      await response.text();
      return { content: [{ type: 'text', text: `upstream ${response.status}` }] };
    },
  );
  return server;
}

async function callUpstreamTool(era: 'modern' | 'legacy', token: string): Promise<string> {
  const client = new Client(
    { name: 'probe', version: '1.0.0' },
    era === 'modern' ? { versionNegotiation: { mode: 'auto' } } : {},
  );
  const transport = new StreamableHTTPClientTransport(new URL(upstream.rs.resource), {
    authProvider: { token: async () => token },
  });
  await client.connect(transport);
  try {
    const result = await client.callTool({ name: 'call-upstream', arguments: { url: upstream.url } });
    return ((result as { content?: { text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('');
  } finally {
    await client.close();
  }
}

beforeAll(async () => {
  key = await makeKey();
  jwks = await startJwksHost([key.publicJwk]);
  rs = await startResourceServer(jwks.url);
  upstream.server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      upstream.seen.push({ authorization: req.headers.authorization, headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => upstream.server.listen(0, '127.0.0.1', resolve));
  upstream.url = `http://127.0.0.1:${(upstream.server.address() as AddressInfo).port}/api`;
  upstream.rs = await startResourceServer(jwks.url, { server: () => serverWithUpstreamTool() });
});
afterAll(async () => {
  await rs.close();
  await upstream.rs.close();
  upstream.server.closeAllConnections();
  await new Promise<void>((resolve) => upstream.server.close(() => resolve()));
  await jwks.close();
});

describe('tokens never reach the logs', () => {
  it('[RS-30] logs fingerprints only, for accepted, rejected, query and step-up requests', async () => {
    const good = await signToken(rs.resource, { key });
    const expired = await signToken(rs.resource, { key, expiresIn: -60 });
    const foreign = await signToken('https://other.test/mcp', { key });
    const tokens = [good, expired, foreign];
    const { body, headers } = modernRequest('tools/call', { name: 'echo', arguments: { text: 'x' } });
    const admin = modernRequest('tools/call', { name: 'admin-op', arguments: {} });
    for (const token of tokens) {
      await (
        await fetch(`${rs.origin}/mcp`, {
          method: 'POST',
          headers: { ...headers, authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        })
      ).text();
      await (
        await fetch(`${rs.origin}/mcp?access_token=${token}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
        })
      ).text();
    }
    const stepUp = await fetch(`${rs.origin}/mcp`, {
      method: 'POST',
      headers: { ...admin.headers, authorization: `Bearer ${good}` },
      body: JSON.stringify(admin.body),
    });
    expect(stepUp.status).toBe(403);
    const output = rs.logs.join('');
    expect(output.length).toBeGreaterThan(0);
    for (const token of tokens) {
      expect(output).not.toContain(token);
      expect(output).not.toContain(token.split('.')[2]);
    }
    expect(output).toContain(tokenFingerprint(good));
    expect(output).toContain('access_token=[REDACTED]');
    expect(output).toContain('"decision":"allow"');
    expect(output).toContain('"reason":"insufficient_scope"');
    expect(output).toContain('"reason":"invalid_token"');
  });

  it('[RS-30] hands tool handlers a fingerprint instead of the token', async () => {
    const token = await signToken(rs.resource, { key });
    const { body, headers } = modernRequest('tools/call', { name: 'echo', arguments: { text: 'x' } });
    const response = await fetch(`${rs.origin}/mcp`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    expect(text).not.toContain(token);
    expect(text).toContain(tokenFingerprint(token));
  });

  it('[RS-29] a tool calling an upstream API with every credential it finds in ctx never sends the client token', async () => {
    const token = await signToken(upstream.rs.resource, { key });
    for (const era of ['modern', 'legacy'] as const) {
      upstream.seen.length = 0;
      expect(await callUpstreamTool(era, token), era).toBe('upstream 200');
      expect(upstream.seen.length, era).toBe(1);
      const sent = JSON.stringify(upstream.seen);
      expect(sent, era).not.toContain(token);
      expect(sent, era).not.toContain(token.split('.')[2]);
      expect(upstream.seen[0]?.authorization, era).toBe(`Bearer ${tokenFingerprint(token)}`);
    }
  });

  it('[RS-30] redacts the value of every query parameter, keeping the path and the names', () => {
    expect(redactUrl('/mcp?a=1&access_token=abc&code=x')).toBe(
      '/mcp?a=[REDACTED]&access_token=[REDACTED]&code=[REDACTED]',
    );
    expect(redactUrl('/mcp?x=1&id_token=SECRETI&refresh_token=SECRETR&password=SECRETP')).toBe(
      '/mcp?x=[REDACTED]&id_token=[REDACTED]&refresh_token=[REDACTED]&password=[REDACTED]',
    );
    expect(redactUrl('/mcp?assertion=a%3Db&state=s?t=u&flag&=v&empty=')).toBe(
      '/mcp?assertion=[REDACTED]&state=[REDACTED]&[REDACTED]&=[REDACTED]&empty=[REDACTED]',
    );
    expect(redactUrl('/a&b=c/mcp?session=s#access_token=t')).toBe('/a&b=c/mcp?session=[REDACTED]#[REDACTED]');
    expect(redactUrl('/mcp#id_token=t')).toBe('/mcp#[REDACTED]');
    expect(redactUrl('/mcp')).toBe('/mcp');
    expect(redactUrl('/mcp?')).toBe('/mcp?');
  });

  it('[RS-30] keeps id_token, refresh_token and password query values out of the request log line', async () => {
    const secrets = ['SECRETI', 'SECRETR', 'SECRETP'];
    const from = rs.logs.length;
    const { body, headers } = modernRequest('tools/call', { name: 'echo', arguments: { text: 'x' } });
    const response = await fetch(
      `${rs.origin}/mcp?x=1&id_token=${secrets[0]}&refresh_token=${secrets[1]}&password=${secrets[2]}`,
      { method: 'POST', headers, body: JSON.stringify(body) },
    );
    await response.text();
    expect(response.status).toBe(401);
    const output = rs.logs.slice(from).join('');
    expect(output).toContain(
      '"url":"/mcp?x=[REDACTED]&id_token=[REDACTED]&refresh_token=[REDACTED]&password=[REDACTED]"',
    );
    for (const secret of secrets) expect(output).not.toContain(secret);
  });
});
