import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { InvalidProxyOptionsError } from '../src/errors.js';
import { createProxyServer, type ReadinessCheck, resolveOptions } from '../src/index.js';
import { MemoryStore } from '../src/store.js';
import { requireRedisServer } from './store/redis-server.js';

const base = {
  idp: { issuer: 'http://127.0.0.1:8080', jwksUri: 'http://127.0.0.1:8080/jwks' },
  upstream: { url: 'http://127.0.0.1:3030/mcp' },
};

function issuesOf(store: unknown): readonly string[] {
  try {
    resolveOptions({ ...base, store });
  } catch (error) {
    if (error instanceof InvalidProxyOptionsError) return error.issues;
    throw error;
  }
  return [];
}

describe('store options', () => {
  it('defaults to memory', () => {
    expect(resolveOptions(base).store).toEqual({ kind: 'memory' });
  });

  it('fills the Redis defaults and accepts loopback redis:// and any rediss:// URL', () => {
    expect(
      resolveOptions({ ...base, store: { kind: 'redis', url: 'redis://127.0.0.1:6379/0' } }).store,
    ).toEqual({
      kind: 'redis',
      url: 'redis://127.0.0.1:6379/0',
      keyPrefix: 'portcullis:',
      connectTimeoutMs: 2000,
      commandTimeoutMs: 1000,
    });
    for (const url of [
      'redis://localhost:6379',
      'redis://[::1]:6379/2',
      'rediss://cache.example.com:6380/0',
    ]) {
      expect(issuesOf({ kind: 'redis', url, keyPrefix: 'mcp-gw:' })).toEqual([]);
    }
  });

  it('refuses plain redis:// to a non-loopback host, other schemes, bad paths and prefixes, precisely', () => {
    expect(issuesOf({ kind: 'redis', url: 'redis://cache.example.com:6379/0' })).toEqual([
      'store.url must use rediss:// (TLS) unless the host is loopback (127.0.0.1, ::1, localhost)',
    ]);
    expect(issuesOf({ kind: 'redis', url: 'http://127.0.0.1:6379' })).toEqual([
      'store.url must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0',
    ]);
    expect(issuesOf({ kind: 'redis', url: 'redis://127.0.0.1:6379/db' })).toEqual([
      'store.url path must be empty or a database number, e.g. /0',
    ]);
    expect(issuesOf({ kind: 'redis', url: 'redis://127.0.0.1', keyPrefix: 'has space' })).toEqual([
      'store.keyPrefix must be 1–64 letters, digits, ":", ".", "_" or "-"',
    ]);
    expect(issuesOf({ kind: 'redis' })[0]).toMatch(/^store\.url /);
    expect(issuesOf({ kind: 'postgres' })[0]).toMatch(/^store\.kind /);
    expect(issuesOf({ kind: 'memory', url: 'redis://127.0.0.1' })[0]).toMatch(/url/);
  });

  it('accepts a Store object and leaves closing it to its owner', async () => {
    const store = new MemoryStore();
    expect(resolveOptions({ ...base, store }).store).toEqual({ kind: 'custom', store });
    await store.set('kept', 'k', 1, 60_000);
    const app = createProxyServer({ ...base, store, logger: pino({ level: 'silent' }) });
    await app.ready();
    await app.close();
    expect(await store.get('kept', 'k')).toBe(1);
    await store.close();
  });

  it('/readyz reports the memory store as ok', async () => {
    const app = createProxyServer({ ...base, logger: pino({ level: 'silent' }) });
    const res = await app.inject({ url: '/readyz', headers: { host: 'localhost:9090' } });
    expect(res.json()).toMatchObject({ checks: { store: { ok: true, url: 'memory:' } } });
    await app.close();
  });
});

describe('store options: the Redis URL as shown', () => {
  it('[PX-13] never shows a password given in its query (/readyz, the log, store errors)', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const secret = 's3cret-pw';
    const url = `redis://127.0.0.1:1/0?password=${secret}&db=0`;
    const app = createProxyServer({
      ...base,
      store: { kind: 'redis', url, connectTimeoutMs: 200, commandTimeoutMs: 200 },
      logger: pino({ level: 'debug' }, destination),
    });
    try {
      const res = await app.inject({ url: '/readyz', headers: { host: 'localhost:9090' } });
      const shown = 'redis://127.0.0.1:1/0?password=***&db=***';
      const store = (res.json() as { checks: { store: ReadinessCheck } }).checks.store;
      expect(store).toMatchObject({ ok: false, url: shown });
      expect(store.error).toBe(`the Redis store ${shown} is unavailable: not connected within 200 ms`);
      await expect.poll(() => lines.join('')).toContain('the Redis store is unavailable');
      expect(res.body).not.toContain(secret);
      expect(lines.join('')).not.toContain(secret);
    } finally {
      await app.close();
    }
  });
});

describe('the redis-server test helper', () => {
  it('skips with a reason without the binary, but fails in CI', () => {
    const { PATH, CI } = process.env;
    try {
      process.env.PATH = '/nonexistent';
      delete process.env.CI;
      expect(requireRedisServer()).toEqual({
        binary: undefined,
        skip: expect.stringMatching(/not installed/),
      });
      process.env.CI = 'true';
      expect(() => requireRedisServer()).toThrow(/CI is set/);
    } finally {
      process.env.PATH = PATH;
      if (CI === undefined) delete process.env.CI;
      else process.env.CI = CI;
    }
  });
});
