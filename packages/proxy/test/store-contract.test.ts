import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../src/errors.js';
import { RedisStore } from '../src/redis-store.js';
import { MemoryStore, type Store } from '../src/store.js';
import { requireRedisServer, startRedisServer, type TestRedis } from './store/redis-server.js';

const { binary, skip } = requireRedisServer();
const skipped = skip === undefined ? '' : ` (skipped: ${skip})`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let redis: TestRedis | undefined;
beforeAll(async () => {
  if (binary !== undefined) redis = await startRedisServer(binary);
});
afterAll(async () => {
  await redis?.close();
});

function redisStore(prefix = 'contract:'): RedisStore {
  if (redis === undefined) throw new Error('redis-server not started');
  return new RedisStore({ url: redis.url, keyPrefix: prefix, commandTimeoutMs: 500, connectTimeoutMs: 500 });
}

const kinds: [string, () => Store, string | undefined][] = [
  ['MemoryStore', () => new MemoryStore(), undefined],
  [`RedisStore${skipped}`, () => redisStore(), skip],
];

describe.each(kinds)('the Store contract: %s', (_name, create, skipReason) => {
  let store: Store;
  beforeAll(() => {
    if (skipReason === undefined) store = create();
  });
  afterAll(async () => {
    await store?.close();
  });
  const test = skipReason === undefined ? it : it.skip;

  test('keeps JSON values under namespaced keys until deleted', async () => {
    const value = {
      clientId: 'c1',
      redirectUris: ['http://127.0.0.1:3000/cb'],
      n: 1.5,
      ok: true,
      none: null,
    };
    await store.set('client', 'k1', value, 60_000);
    await store.set('consent', 'k1', 'another namespace', 60_000);
    expect(await store.get('client', 'k1')).toEqual(value);
    expect(await store.get('consent', 'k1')).toBe('another namespace');
    await store.set('client', 'k1', [1, 2], 60_000);
    expect(await store.get('client', 'k1')).toEqual([1, 2]);
    await store.delete('client', 'k1');
    expect(await store.get('client', 'k1')).toBeUndefined();
    expect(await store.get('consent', 'k1')).toBe('another namespace');
    expect(await store.get('client', 'never-set')).toBeUndefined();
    await store.delete('client', 'never-set');
    await store.ping();
  });

  test('refuses bad namespaces and TTLs', async () => {
    await expect(store.get('Bad:ns', 'k')).rejects.toThrow(TypeError);
    await expect(store.set('ok', '', 1, 1000)).rejects.toThrow(TypeError);
    await expect(store.set('ok', 'k', 1, 0)).rejects.toThrow(TypeError);
    await expect(store.set('ok', 'k', 1, 1.5)).rejects.toThrow(TypeError);
  });

  test('expires entries after their TTL; touch gives a live entry a new TTL', async () => {
    await store.set('ttl', 'short', 'v', 60);
    await store.set('ttl', 'kept', 'v', 300);
    expect(await store.touch('ttl', 'kept', 5_000)).toBe(true);
    expect(await store.setIfAbsent('ttl', 'nx', 'v', 60)).toBe(true);
    await sleep(400);
    expect(await store.get('ttl', 'short')).toBeUndefined();
    expect(await store.take('ttl', 'short')).toBeUndefined();
    expect(await store.touch('ttl', 'short', 5_000)).toBe(false);
    expect(await store.get('ttl', 'short')).toBeUndefined();
    expect(await store.get('ttl', 'kept')).toBe('v');
    expect(await store.setIfAbsent('ttl', 'nx', 'again', 60_000)).toBe(true);
    expect(await store.get('ttl', 'nx')).toBe('again');
  });

  test('setIfAbsent stores only the first value, also under concurrent calls', async () => {
    expect(await store.setIfAbsent('reg', 'a', { by: 1 }, 60_000)).toBe(true);
    expect(await store.setIfAbsent('reg', 'a', { by: 2 }, 60_000)).toBe(false);
    expect(await store.get('reg', 'a')).toEqual({ by: 1 });
    const wins = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.setIfAbsent('reg', 'race', { by: i }, 60_000)),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await store.get('reg', 'race')).toEqual({ by: wins.indexOf(true) });
  });

  test('keys lists the live keys of one namespace, not those of a namespace that shares its start', async () => {
    await store.set('list', 'a', 1, 60_000);
    await store.set('list', 'b:with:colons', 2, 60_000);
    await store.set('list', 'gone', 3, 60);
    await store.set('list-more', 'c', 4, 60_000);
    await store.set('lis', 'd', 5, 60_000);
    await sleep(300);
    expect((await store.keys('list')).sort()).toEqual(['a', 'b:with:colons']);
    expect(await store.keys('list-none')).toEqual([]);
    await expect(store.keys('Bad:ns')).rejects.toThrow(TypeError);
  });

  test('increment counts every concurrent increment, expires, and refuses fractions', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => store.increment('count', 'n', 1, 60_000)),
    );
    expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await store.increment('count', 'n', -5, 60_000)).toBe(15);
    expect(await store.get('count', 'n')).toBe(15);
    expect(await store.increment('count', 'short', 2, 60)).toBe(2);
    await sleep(300);
    expect(await store.increment('count', 'short', 1, 60_000)).toBe(1);
    await expect(store.increment('count', 'n', 0.5, 60_000)).rejects.toThrow(TypeError);
  });

  test('take is single-use, also under concurrent takes', async () => {
    await store.set('oauth-state', 's1', { verifier: 'v' }, 60_000);
    expect(await store.take('oauth-state', 's1')).toEqual({ verifier: 'v' });
    expect(await store.take('oauth-state', 's1')).toBeUndefined();
    for (let round = 0; round < 5; round++) {
      await store.set('oauth-state', 'race', round, 60_000);
      const taken = await Promise.all(Array.from({ length: 20 }, () => store.take('oauth-state', 'race')));
      expect(taken.filter((v) => v !== undefined)).toEqual([round]);
    }
  });
});

describe.skipIf(skip !== undefined)(`RedisStore specifics${skipped}`, () => {
  it('writes every key under its prefix; stores with other prefixes do not see them', async () => {
    const a = redisStore('tenant-a:');
    const b = redisStore('tenant-b:');
    const raw = new Redis(redis?.url ?? '');
    try {
      await a.set('mcp-session', 'id-1', 'owner', 60_000);
      expect(await b.get('mcp-session', 'id-1')).toBeUndefined();
      expect(await raw.get('tenant-a:mcp-session:id-1')).toBe('"owner"');
      const ttl = await raw.pttl('tenant-a:mcp-session:id-1');
      expect(ttl).toBeGreaterThan(50_000);
      expect(a.url).toBe(redis?.url);
    } finally {
      raw.disconnect();
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('keys sees only its own prefix, also one with glob characters in it', async () => {
    const a = redisStore('t*[a]?:');
    const b = redisStore('t-b-a-:');
    try {
      await a.set('reap', 'x', 1, 60_000);
      await b.set('reap', 'y', 2, 60_000);
      expect(await a.keys('reap')).toEqual(['x']);
      expect(await b.keys('reap')).toEqual(['y']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('never shows the password of the URL', () => {
    const store = new RedisStore({ url: 'redis://user:s3cret@127.0.0.1:1/0', connectTimeoutMs: 100 });
    expect(store.url).toBe('redis://127.0.0.1:1/0');
    return store.close();
  });

  it('rejects with StoreUnavailableError in bounded time when Redis is down', async () => {
    const store = redisStore();
    await store.set('x', 'k', 1, 60_000);
    await redis?.stop();
    try {
      const started = Date.now();
      const error = await store.get('x', 'k').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).code).toBe('ERR_PORTCULLIS_PROXY_STORE_UNAVAILABLE');
      await expect(store.ping()).rejects.toThrow(/unavailable/);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await redis?.start();
    }
    // Reconnects on its own once Redis is back (empty: nothing was saved).
    await expect
      .poll(
        () =>
          store.ping().then(
            () => true,
            () => false,
          ),
        { timeout: 5_000 },
      )
      .toBe(true);
    expect(await store.get('x', 'k')).toBeUndefined();
    await store.close();
  });

  it('a store whose Redis never answers fails within its connect timeout', async () => {
    const store = new RedisStore({
      url: 'redis://127.0.0.1:1/0',
      connectTimeoutMs: 200,
      commandTimeoutMs: 200,
    });
    const started = Date.now();
    await expect(store.setIfAbsent('x', 'k', 1, 1000)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(2_000);
    await store.close();
  });
});
