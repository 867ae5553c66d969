import { beforeAll, describe, expect, it } from 'vitest';
import { newSessionId } from '../src/index.js';
import { signToken } from './helpers/keys.js';
import { INIT, LEGACY_HEADERS, startResourceServer, toolsCall, useResourceServer } from './helpers/server.js';

const env = useResourceServer();
let alice: string;
let bob: string;

beforeAll(async () => {
  alice = await signToken(env.rs.resource, { key: env.key, claims: { sub: 'alice' } });
  bob = await signToken(env.rs.resource, { key: env.key, claims: { sub: 'bob' } });
});

async function send(method: string, headers: Record<string, string>, body?: unknown) {
  const response = await fetch(`${env.rs.origin}/mcp`, {
    method,
    headers: { ...LEGACY_HEADERS, 'mcp-protocol-version': '2025-11-25', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response;
}

async function openSession(token: string): Promise<string> {
  const response = await send('POST', { authorization: `Bearer ${token}` }, INIT);
  expect(response.status).toBe(200);
  await response.text();
  const id = response.headers.get('mcp-session-id');
  expect(id).toBeTruthy();
  const initialized = await send(
    'POST',
    { authorization: `Bearer ${token}`, 'mcp-session-id': id ?? '' },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
  );
  expect(initialized.status).toBe(202);
  return id ?? '';
}

describe('2025-era Streamable HTTP sessions', () => {
  it('[RS-21] needs the token on every request of a session: POST, GET and DELETE', async () => {
    const id = await openSession(alice);
    for (const method of ['POST', 'GET', 'DELETE']) {
      const body = method === 'POST' ? toolsCall('echo', { text: 'x' }) : undefined;
      const response = await send(method, { 'mcp-session-id': id }, body);
      expect(response.status, method).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
      await response.text();
    }
    const ok = await send(
      'POST',
      { authorization: `Bearer ${alice}`, 'mcp-session-id': id },
      toolsCall('echo', { text: 'x' }),
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('"text\\":\\"x\\"');
  });

  it('[RS-21] opens the GET SSE stream only with a token, and DELETE ends the session', async () => {
    const id = await openSession(alice);
    const controller = new AbortController();
    const stream = await fetch(`${env.rs.origin}/mcp`, {
      headers: {
        accept: 'text/event-stream',
        authorization: `Bearer ${alice}`,
        'mcp-session-id': id,
        'mcp-protocol-version': '2025-11-25',
      },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
    controller.abort();
    const deleted = await send('DELETE', { authorization: `Bearer ${alice}`, 'mcp-session-id': id });
    expect(deleted.status).toBe(200);
    const after = await send(
      'POST',
      { authorization: `Bearer ${alice}`, 'mcp-session-id': id },
      toolsCall('echo', { text: 'x' }),
    );
    expect(after.status).toBe(404);
  });

  it('[RS-22] refuses a session id presented with another user’s valid token', async () => {
    const id = await openSession(alice);
    for (const method of ['POST', 'GET', 'DELETE']) {
      const body = method === 'POST' ? toolsCall('echo', { text: 'x' }) : undefined;
      const response = await send(method, { authorization: `Bearer ${bob}`, 'mcp-session-id': id }, body);
      expect(response.status, method).toBe(404);
      await response.text();
    }
    const stillAlice = await send(
      'POST',
      { authorization: `Bearer ${alice}`, 'mcp-session-id': id },
      toolsCall('echo', { text: 'y' }),
    );
    expect(stillAlice.status).toBe(200);
  });

  it('[RS-22] refuses the session for the same user through another client', async () => {
    const id = await openSession(alice);
    const otherClient = await signToken(env.rs.resource, {
      key: env.key,
      claims: { sub: 'alice', client_id: 'client-2' },
    });
    const response = await send(
      'POST',
      { authorization: `Bearer ${otherClient}`, 'mcp-session-id': id },
      toolsCall('echo', { text: 'x' }),
    );
    expect(response.status).toBe(404);
  });

  it('[RS-23] mints unique, visible-ASCII session ids with at least 128 bits of randomness', async () => {
    const ids = new Set(Array.from({ length: 100 }, () => newSessionId()));
    expect(ids.size).toBe(100);
    for (const id of ids) {
      expect(id).toMatch(/^[\x21-\x7e]+$/);
      expect(Buffer.from(id, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
    }
    const live = await Promise.all([openSession(alice), openSession(alice), openSession(bob)]);
    expect(new Set(live).size).toBe(3);
    for (const id of live) expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('[RS-21] answers 405 to GET without a session and 400 to a non-initialize POST without one', async () => {
    const get = await send('GET', { authorization: `Bearer ${alice}` });
    expect(get.status).toBe(405);
    const post = await send('POST', { authorization: `Bearer ${alice}` }, toolsCall('echo', { text: 'x' }));
    expect(post.status).toBe(400);
  });
});

describe('session limits', () => {
  it('caps the sessions one caller may hold, and closes idle sessions', async () => {
    // The server's clock, injected and moved by hand; the tokens (5 minutes) stay valid throughout.
    let now = Date.now();
    const limited = await startResourceServer(env.jwks.url, {
      sessions: { maxPerCaller: 2, idleMs: 60_000 },
      now: () => now,
    });
    try {
      const carol = await signToken(limited.resource, { key: env.key, claims: { sub: 'carol' } });
      const dave = await signToken(limited.resource, { key: env.key, claims: { sub: 'dave' } });
      const post = (token: string, body: unknown, sessionId?: string) =>
        fetch(`${limited.origin}/mcp`, {
          method: 'POST',
          headers: {
            ...LEGACY_HEADERS,
            authorization: `Bearer ${token}`,
            ...(sessionId === undefined
              ? {}
              : { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' }),
          },
          body: JSON.stringify(body),
        }).then(async (r) => {
          await r.text();
          return { status: r.status, id: r.headers.get('mcp-session-id') ?? undefined };
        });
      const first = await post(carol, INIT);
      expect(first.status).toBe(200);
      expect((await post(carol, INIT)).status).toBe(200);
      expect((await post(carol, INIT)).status).toBe(429);
      expect((await post(dave, INIT)).status).toBe(200);
      now += 60_001;
      expect((await post(carol, INIT)).status).toBe(200);
      expect((await post(carol, toolsCall('echo', { text: 'x' }), first.id)).status).toBe(404);
    } finally {
      await limited.close();
    }
  });
});
