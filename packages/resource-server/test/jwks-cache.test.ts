import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type JwksHost, makeKey, signToken, startJwksHost } from './helpers/keys.js';
import { modernRequest, type RunningServer, startResourceServer } from './helpers/server.js';

const cleanup: (() => Promise<void>)[] = [];
// jose's remote JWKS times its cooldown and cache age with `Date.now()`, so the tests fake `Date` only (timers
// and sockets stay real) and move the clock by hand: nothing depends on how fast the requests run.
const T0 = Date.UTC(2030, 0, 1);
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});
afterEach(async () => {
  vi.useRealTimers();
  for (const close of cleanup.splice(0)) await close();
});

async function setup(
  jwt: Record<string, number>,
  now?: () => number,
): Promise<{ jwks: JwksHost; rs: RunningServer }> {
  const jwks = await startJwksHost([]);
  const rs = await startResourceServer(jwks.url, {
    jwt: { jwksUri: jwks.url, ...jwt },
    ...(now === undefined ? {} : { now }),
  });
  cleanup.push(
    () => rs.close(),
    () => jwks.close(),
  );
  return { jwks, rs };
}

async function send(rs: RunningServer, token: string) {
  const { body, headers } = modernRequest('tools/call', { name: 'echo', arguments: { text: 'x' } });
  const response = await fetch(`${rs.origin}/mcp`, {
    method: 'POST',
    headers: { ...headers, authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

async function call(rs: RunningServer, token: string): Promise<number> {
  return (await send(rs, token)).status;
}

const KEYS_UNAVAILABLE = {
  error: 'temporarily_unavailable',
  error_description:
    "the authorization server's signing keys (JWKS) could not be fetched, so the access token could not be checked; retry later",
};

describe('JWKS caching and refetch', () => {
  it('[RS-12] refetches the JWKS once for an unknown kid, then rate-limits further refetches', async () => {
    const { jwks, rs } = await setup({ cooldownMs: 60_000 });
    const first = await makeKey();
    jwks.keys.push(first.publicJwk);
    expect(await call(rs, await signToken(rs.resource, { key: first }))).toBe(200);
    expect(jwks.fetches).toBe(1);
    expect(await call(rs, await signToken(rs.resource, { key: first }))).toBe(200);
    expect(jwks.fetches).toBe(1);

    const rotated = await makeKey();
    jwks.keys.push(rotated.publicJwk);
    // The first fetch is still inside the cooldown: a new kid does not trigger a refetch yet.
    expect(await call(rs, await signToken(rs.resource, { key: rotated }))).toBe(401);
    expect(jwks.fetches).toBe(1);
  });

  it('[RS-12] picks up a rotated key after the cooldown, and an unknown kid does not refetch on every request', async () => {
    const { jwks, rs } = await setup({ cooldownMs: 1_000 });
    const first = await makeKey();
    jwks.keys.push(first.publicJwk);
    expect(await call(rs, await signToken(rs.resource, { key: first }))).toBe(200);
    vi.setSystemTime(T0 + 1_001);
    const rotated = await makeKey();
    jwks.keys.push(rotated.publicJwk);
    expect(await call(rs, await signToken(rs.resource, { key: rotated }))).toBe(200);
    expect(jwks.fetches).toBe(2);
    const unknown = await makeKey();
    for (let k = 0; k < 5; k++)
      expect(await call(rs, await signToken(rs.resource, { key: unknown }))).toBe(401);
    expect(jwks.fetches).toBe(2);
  });

  it('[RS-12] keeps verifying with the cached keys while the JWKS endpoint is down', async () => {
    const { jwks, rs } = await setup({ cacheMaxAgeMs: 0, cooldownMs: 1_000 });
    const key = await makeKey();
    jwks.keys.push(key.publicJwk);
    expect(await call(rs, await signToken(rs.resource, { key }))).toBe(200);
    jwks.down = true;
    const before = jwks.fetches;
    for (let k = 0; k < 3; k++) {
      vi.setSystemTime(T0 + 1 + k * 400);
      expect(await call(rs, await signToken(rs.resource, { key }))).toBe(200);
    }
    // One failed attempt, then the failure cooldown keeps the endpoint from being hammered.
    expect(jwks.fetches - before).toBe(1);
    // Once the cooldown has passed, the endpoint is tried again (once), and the cached keys still answer.
    vi.setSystemTime(T0 + 1 + 1_000);
    expect(await call(rs, await signToken(rs.resource, { key }))).toBe(200);
    expect(jwks.fetches - before).toBe(2);
  });

  it('[RS-12] answers 503 temporarily_unavailable with Retry-After and no challenge (not 401) while no keys were ever loaded', async () => {
    const { jwks, rs } = await setup({ cooldownMs: 30_000 });
    jwks.down = true;
    const r = await send(rs, await signToken(rs.resource, { key: await makeKey() }));
    expect(r.status).toBe(503);
    expect(r.headers.get('www-authenticate')).toBeNull();
    expect(r.headers.get('retry-after')).toBe('30');
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(JSON.parse(r.body)).toEqual(KEYS_UNAVAILABLE);
    expect(rs.logs.join('')).toContain('JWKS fetch failed');
  });

  it('[RS-12] calls a JWKS endpoint that is down since start once per cooldown, not once per request', async () => {
    const { jwks, rs } = await setup({ cooldownMs: 1_000 });
    const key = await makeKey();
    jwks.keys.push(key.publicJwk);
    jwks.down = true;
    for (let k = 0; k < 5; k++) {
      vi.setSystemTime(T0 + k * 100);
      const r = await send(rs, await signToken(rs.resource, { key }));
      expect(r.status).toBe(503);
      expect(Number(r.headers.get('retry-after'))).toBe(Math.ceil((1_000 - k * 100) / 1_000));
    }
    expect(jwks.fetches).toBe(1);
    // After the cooldown the endpoint is tried again; once it is back, tokens are accepted.
    vi.setSystemTime(T0 + 1_000);
    expect(await call(rs, await signToken(rs.resource, { key }))).toBe(503);
    expect(jwks.fetches).toBe(2);
    jwks.down = false;
    vi.setSystemTime(T0 + 2_000);
    expect(await call(rs, await signToken(rs.resource, { key }))).toBe(200);
    expect(jwks.fetches).toBe(3);
  });

  it('[RS-12] answers 503, not 401, for a kid the last good keys lack while the JWKS endpoint is down', async () => {
    const { jwks, rs } = await setup({ cacheMaxAgeMs: 0, cooldownMs: 1_000 });
    const key = await makeKey();
    jwks.keys.push(key.publicJwk);
    expect(await call(rs, await signToken(rs.resource, { key }))).toBe(200);
    jwks.down = true;
    const rotated = await makeKey();
    jwks.keys.push(rotated.publicJwk);
    vi.setSystemTime(T0 + 1);
    const r = await send(rs, await signToken(rs.resource, { key: rotated }));
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body)).toEqual(KEYS_UNAVAILABLE);
    // The known key still works meanwhile.
    expect(await call(rs, await signToken(rs.resource, { key }))).toBe(200);
  });
});

describe('verification cache', () => {
  it('[RS-12 RS-15] remembers a verified token only until its exp', async () => {
    // The resource server's own clock (`now`), injected: token checks and the verification cache read it.
    let now = T0;
    const { jwks, rs } = await setup({ clockToleranceSec: 0 }, () => now);
    const key = await makeKey();
    jwks.keys.push(key.publicJwk);
    const exp = T0 / 1000 + 10;
    const token = await signToken(rs.resource, { key, claims: { iat: T0 / 1000, exp } });
    expect(await call(rs, token)).toBe(200);
    now = exp * 1000 - 1;
    expect(await call(rs, token)).toBe(200);
    now = exp * 1000;
    expect(await call(rs, token)).toBe(401);
  });
});
