import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type JwksHost, makeKey, signToken, startJwksHost, type TestKey } from './helpers/keys.js';
import { modernRequest, type RunningServer, sideEffects, startResourceServer } from './helpers/server.js';

let key: TestKey;
let jwks: JwksHost;
let rs: RunningServer;
let token: string;

beforeAll(async () => {
  key = await makeKey();
  jwks = await startJwksHost([key.publicJwk]);
  rs = await startResourceServer(jwks.url);
  token = await signToken(rs.resource, { key });
});
afterAll(async () => {
  await rs.close();
  await jwks.close();
});
beforeEach(() => {
  sideEffects.calls = 0;
});

/** Raw request so that `Host` can be set (fetch forbids it). */
function raw(
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${rs.origin}${path}`,
      { method: body === undefined ? 'GET' : 'POST', headers },
      (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const echo = () => modernRequest('tools/call', { name: 'echo', arguments: { text: 'x' } });

describe('DNS rebinding: Host and Origin checks', () => {
  it('[RS-25] answers 403 to an evil Origin even with a valid token, before running anything', async () => {
    const { body, headers } = echo();
    const r = await raw(
      '/mcp',
      { ...headers, authorization: `Bearer ${token}`, origin: 'http://evil.example.com' },
      body,
    );
    expect(r.status).toBe(403);
    expect(sideEffects.calls).toBe(0);
  });

  it('[RS-25] rejects the opaque "null" origin', async () => {
    const { body, headers } = echo();
    const r = await raw('/mcp', { ...headers, authorization: `Bearer ${token}`, origin: 'null' }, body);
    expect(r.status).toBe(403);
  });

  it('[RS-25] serves an allowed Origin and a request without Origin', async () => {
    const { body, headers } = echo();
    expect(
      (
        await raw(
          '/mcp',
          { ...headers, authorization: `Bearer ${token}`, origin: 'http://localhost:5173' },
          body,
        )
      ).status,
    ).toBe(200);
    expect((await raw('/mcp', { ...headers, authorization: `Bearer ${token}` }, body)).status).toBe(200);
  });

  it('[RS-25] answers 403 to a foreign Host header on every route', async () => {
    const { body, headers } = echo();
    expect(
      (await raw('/mcp', { ...headers, authorization: `Bearer ${token}`, host: 'evil.example.com' }, body))
        .status,
    ).toBe(403);
    expect(
      (await raw('/.well-known/oauth-protected-resource/mcp', { host: 'evil.example.com' })).status,
    ).toBe(403);
    expect(
      (
        await raw('/.well-known/oauth-protected-resource/mcp', {
          host: `localhost:${new URL(rs.origin).port}`,
        })
      ).status,
    ).toBe(200);
  });

  it('[RS-25 RS-01 RS-28] orders the checks: Host/Origin 403, then token 401, then protocol headers 400', async () => {
    const { body, headers } = echo();
    const noVersion = { ...headers, 'mcp-method': 'tools/list' };
    // Evil origin and no token: the origin check wins.
    expect((await raw('/mcp', { ...noVersion, origin: 'http://evil.example.com' }, body)).status).toBe(403);
    // Allowed origin, no token, broken headers: the token check wins.
    expect((await raw('/mcp', noVersion, body)).status).toBe(401);
    // Valid token, broken headers: the protocol check answers 400.
    expect((await raw('/mcp', { ...noVersion, authorization: `Bearer ${token}` }, body)).status).toBe(400);
    // Invalid JSON is also only reported to an authenticated caller.
    expect((await raw('/mcp', { 'content-type': 'application/json' }, '{')).status).toBe(401);
  });
});
