import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISSUER, type JwksHost, makeKey, signToken, startJwksHost, type TestKey } from './helpers/keys.js';
import { modernRequest, type RunningServer, startResourceServer } from './helpers/server.js';

const answers = new Map<string, Record<string, unknown>>();
/** Tokens whose introspection request the endpoint answers with this HTTP status and no RFC 7662 body. */
const failures = new Map<string, number>();
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
      const failure = failures.get(token);
      if (failure !== undefined) {
        res.writeHead(failure, { 'content-type': 'text/plain' }).end('down for maintenance');
        return;
      }
      if (token === 'opaque-rejected-client') {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
        return;
      }
      if (token === 'opaque-unsupported') {
        const error = { error: 'unsupported_token_type', error_description: 'cannot introspect this token' };
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(error));
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

async function send(server: RunningServer, token: string) {
  const { body, headers } = modernRequest('tools/call', { name: 'echo', arguments: { text: 'x' } });
  const response = await fetch(`${server.origin}/mcp`, {
    method: 'POST',
    headers: { ...headers, authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

async function call(token: string): Promise<number> {
  return (await send(rs, token)).status;
}

const INTROSPECTION_UNAVAILABLE = {
  error: 'temporarily_unavailable',
  error_description:
    "the authorization server's introspection endpoint could not be used, so the access token could not be checked; retry later",
};

function expectUnavailable(r: Awaited<ReturnType<typeof send>>, label: string) {
  expect(r.status, label).toBe(503);
  expect(r.headers.get('www-authenticate'), label).toBeNull();
  expect(r.headers.get('retry-after'), label).toBe('5');
  expect(JSON.parse(r.body), label).toEqual(INTROSPECTION_UNAVAILABLE);
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

  it('[RS-12] answers 503 temporarily_unavailable with Retry-After and no challenge (not 401) when the introspection endpoint fails', async () => {
    failures.set('opaque-5xx', 502);
    for (const token of ['opaque-5xx', 'opaque-rejected-client', 'opaque-not-rfc7662']) {
      expectUnavailable(await send(rs, token), token);
    }
    expect(rs.logs.join('')).toContain('answered 502 without an RFC 7662 body');
  });

  it('[RS-12 RS-15] fails closed with 401 invalid_token when the endpoint refuses to introspect this token (4xx)', async () => {
    failures.set('opaque-400-plain', 400);
    const cases: [string, string][] = [
      ['opaque-unsupported', 'unsupported_token_type'],
      ['opaque-400-plain', 'HTTP 400'],
    ];
    for (const [token, why] of cases) {
      const r = await send(rs, token);
      expect(r.status, token).toBe(401);
      expect(r.headers.get('www-authenticate'), token).toContain('error="invalid_token"');
      expect(JSON.parse(r.body).error_description, token).toBe(
        `the authorization server refused to introspect the access token (${why})`,
      );
    }
    // Rate limiting and a timeout say nothing about the token.
    for (const status of [408, 429]) {
      failures.set(`opaque-${status}`, status);
      expectUnavailable(await send(rs, `opaque-${status}`), String(status));
    }
  });

  it('[RS-12] answers 503 when the introspection endpoint cannot be reached or times out', async () => {
    const unreachable = await startResourceServer('http://127.0.0.1:9/unused', {
      jwt: undefined,
      introspection: { endpoint: 'http://127.0.0.1:9/introspect', clientId: 'c', clientSecret: 's' },
    });
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const slow = await startResourceServer('http://127.0.0.1:9/unused', {
      jwt: undefined,
      introspection: {
        endpoint: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/introspect`,
        clientId: 'c',
        clientSecret: 's',
        timeoutMs: 50,
      },
    });
    try {
      expectUnavailable(await send(unreachable, 'opaque-ok'), 'unreachable');
      expectUnavailable(await send(slow, 'opaque-ok'), 'timeout');
    } finally {
      await unreachable.close();
      await slow.close();
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('[RS-12] introspects a JWT-shaped token when jwt is not configured, instead of refusing it', async () => {
    const jwtShaped = 'eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJhbGljZSJ9.c2ln';
    answers.set(jwtShaped, active());
    const before = seen.length;
    expect(await call(jwtShaped)).toBe(200);
    expect(seen.length - before).toBe(1);
    answers.set(`${jwtShaped}x`, { active: false });
    expect(await call(`${jwtShaped}x`)).toBe(401);
  });

  it('[RS-12] reads an scp string in the answer like scope, and refuses an scp item that is not one scope-token', async () => {
    answers.set('opaque-scp', active({ scope: undefined, scp: 'mcp:tools files:read' }));
    expect(await call('opaque-scp')).toBe(200);
    answers.set('opaque-scp-array', active({ scope: undefined, scp: ['mcp:tools mcp:admin'] }));
    const r = await send(rs, 'opaque-scp-array');
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body).error_description).toBe(
      'the access token has a malformed scp claim: an item is not a single scope-token (RFC 6749 section 3.3)',
    );
  });

  it('[RS-12 RS-15] refuses an answer whose exp is not a number, and does not cache it', async () => {
    answers.set('opaque-strexp', active({ exp: String(now / 1000 + 300) }));
    const before = seen.length;
    for (let k = 0; k < 2; k++) {
      const r = await send(rs, 'opaque-strexp');
      expect(r.status).toBe(401);
      expect(JSON.parse(r.body).error_description).toBe(
        'the introspection answer for the access token has an exp that is not a number',
      );
    }
    expect(seen.length - before).toBe(2);
  });

  it('[RS-12 RS-15] refuses a refresh token the authorization server reports active', async () => {
    answers.set('opaque-refresh', active({ token_type: 'refresh_token' }));
    const r = await send(rs, 'opaque-refresh');
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body).error_description).toBe('the token is a refresh token, not an access token');
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

  it('[RS-12] answers 503, not 401, when a valid JWT cannot be introspected', async () => {
    const token = await signToken(jwtRs.resource, { key });
    failures.set(token, 503);
    expectUnavailable(await send(jwtRs, token), 'jwts');
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
