import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISSUER, type JwksHost, makeKey, signToken, startJwksHost, type TestKey } from './helpers/keys.js';
import { modernRequest, type RunningServer, startResourceServer } from './helpers/server.js';

const answers = new Map<string, Record<string, unknown>>();
const seen: { authorization?: string; body: string }[] = [];
let server: Server;
let endpoint: string;
let rs: RunningServer;
/** The resource server's clock (injected `now`), in epoch milliseconds; tests move it by hand. */
let now = Date.UTC(2030, 0, 1);

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ authorization: req.headers.authorization, body });
      const token = new URLSearchParams(body).get('token') ?? '';
      if (token === 'opaque-rejected-client') {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
        return;
      }
      if (token === 'opaque-not-rfc7662') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"sub":"alice"}');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(answers.get(token) ?? { active: false }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`;
  rs = await startResourceServer('http://127.0.0.1:9/unused', {
    jwt: undefined,
    introspection: { endpoint, clientId: 'rs client', clientSecret: 's3cret:x' },
    now: () => now,
  });
});
afterAll(async () => {
  await rs.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function call(token: string): Promise<number> {
  const { body, headers } = modernRequest('tools/call', { name: 'echo', arguments: { text: 'x' } });
  const response = await fetch(`${rs.origin}/mcp`, {
    method: 'POST',
    headers: { ...headers, authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  await response.text();
  return response.status;
}

const active = (extra: Record<string, unknown> = {}) => ({
  active: true,
  iss: ISSUER,
  aud: rs.resource,
  sub: 'alice',
  client_id: 'c1',
  scope: 'mcp:tools',
  exp: now / 1000 + 300,
  ...extra,
});

describe('RFC 7662 introspection for opaque tokens', () => {
  it('[RS-12] accepts an active opaque token, authenticating with client_secret_basic', async () => {
    answers.set('opaque-ok', active());
    expect(await call('opaque-ok')).toBe(200);
    const last = seen.at(-1);
    expect(last?.authorization).toBe(`Basic ${Buffer.from('rs+client:s3cret%3Ax').toString('base64')}`);
    expect(new URLSearchParams(last?.body).get('token_type_hint')).toBe('access_token');
  });

  it('[RS-12] caches an active answer instead of asking again', async () => {
    answers.set('opaque-cached', active());
    const before = seen.length;
    expect(await call('opaque-cached')).toBe(200);
    expect(await call('opaque-cached')).toBe(200);
    expect(seen.length - before).toBe(1);
  });

  it('[RS-12] never caches past the token exp', async () => {
    const exp = now / 1000 + 1;
    answers.set('opaque-short', active({ exp }));
    const before = seen.length;
    expect(await call('opaque-short')).toBe(200);
    answers.set('opaque-short', { active: false });
    now = exp * 1000 - 1;
    expect(await call('opaque-short')).toBe(200);
    expect(seen.length - before).toBe(1);
    now = exp * 1000;
    expect(await call('opaque-short')).toBe(401);
    expect(seen.length - before).toBe(2);
  });

  it('[RS-12 RS-15] rejects an inactive token', async () => {
    expect(await call('opaque-unknown')).toBe(401);
  });

  it('[RS-12] answers 401 invalid_token, not 500, when the introspection endpoint fails', async () => {
    for (const token of ['opaque-rejected-client', 'opaque-not-rfc7662']) {
      const { body, headers } = modernRequest('tools/call', { name: 'echo', arguments: { text: 'x' } });
      const response = await fetch(`${rs.origin}/mcp`, {
        method: 'POST',
        headers: { ...headers, authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
      await response.text();
      expect(response.status, token).toBe(401);
      expect(response.headers.get('www-authenticate'), token).toContain('error="invalid_token"');
    }
  });

  it('[RS-13] rejects an active token for another audience, or without audience', async () => {
    answers.set('opaque-other', active({ aud: 'https://other.test/mcp' }));
    expect(await call('opaque-other')).toBe(401);
    answers.set('opaque-noaud', active({ aud: undefined }));
    expect(await call('opaque-noaud')).toBe(401);
  });

  it('[RS-14] rejects an active token from another issuer', async () => {
    answers.set('opaque-iss', active({ iss: 'https://evil.example' }));
    expect(await call('opaque-iss')).toBe(401);
  });
});

describe('introspection of JWT access tokens (introspection.jwts)', () => {
  let jwks: JwksHost;
  let key: TestKey;
  let jwtRs: RunningServer;

  beforeAll(async () => {
    key = await makeKey();
    jwks = await startJwksHost([key.publicJwk]);
    jwtRs = await startResourceServer(jwks.url, {
      introspection: {
        endpoint,
        clientId: 'rs client',
        clientSecret: 's3cret:x',
        cacheMaxTtlMs: 0,
        jwts: true,
      },
    });
  });
  afterAll(async () => {
    await jwtRs.close();
    await jwks.close();
  });

  async function callJwt(token: string) {
    const { body, headers } = modernRequest('tools/call', { name: 'echo', arguments: { text: 'x' } });
    const response = await fetch(`${jwtRs.origin}/mcp`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    await response.text();
    return response;
  }

  it('[RS-12 PX-08] refuses a valid JWT with 401 invalid_token once the authorization server reports it revoked', async () => {
    const token = await signToken(jwtRs.resource, { key });
    answers.set(token, { active: true });
    expect((await callJwt(token)).status).toBe(200);
    const asked = seen.filter((s) => new URLSearchParams(s.body).get('token') === token).length;
    expect(asked).toBe(1);
    answers.set(token, { active: false });
    const revoked = await callJwt(token);
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('[RS-12] still checks the JWT itself first: a forged token never reaches the introspection endpoint', async () => {
    const other = await makeKey();
    const forged = await signToken(jwtRs.resource, { key: { ...other, kid: key.kid } });
    answers.set(forged, { active: true });
    const before = seen.length;
    expect((await callJwt(forged)).status).toBe(401);
    expect(seen.length).toBe(before);
  });
});
