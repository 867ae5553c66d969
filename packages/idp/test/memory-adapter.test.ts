import { describe, expect, it, vi } from 'vitest';
import { MemoryStore } from '../src/memory-adapter.js';

describe('MemoryStore (oidc-provider adapter)', () => {
  it('stores per model, expires entries at their TTL and marks consumption', async () => {
    vi.useFakeTimers();
    try {
      const store = new MemoryStore();
      const codes = store.factory('AuthorizationCode');
      await codes.upsert('c1', { jti: 'c1' }, 60);
      expect(await store.factory('AccessToken').find('c1')).toBeUndefined();
      await codes.consume('c1');
      expect((await codes.find('c1'))?.consumed).toEqual(expect.any(Number));
      vi.advanceTimersByTime(61_000);
      expect(await codes.find('c1')).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('[AS-05 AS-12] revokeByGrantId removes every token of the grant, and only those', async () => {
    const store = new MemoryStore();
    const access = store.factory('AccessToken');
    const refresh = store.factory('RefreshToken');
    await access.upsert('a1', { grantId: 'g1' }, 60);
    await refresh.upsert('r1', { grantId: 'g1' }, 60);
    await refresh.upsert('r2', { grantId: 'g2' }, 60);
    await access.revokeByGrantId('g1');
    expect(await access.find('a1')).toBeUndefined();
    expect(await refresh.find('r1')).toBeUndefined();
    expect(await refresh.find('r2')).toBeDefined();
  });

  it('finds sessions by uid and keeps instances apart', async () => {
    const store = new MemoryStore();
    await store.factory('Session').upsert('s1', { uid: 'u1' }, 60);
    expect(await store.factory('Session').findByUid('u1')).toEqual({ uid: 'u1' });
    expect(await new MemoryStore().factory('Session').findByUid('u1')).toBeUndefined();
  });

  it('counts entries per model in O(1): re-upserts do not double count, destroy releases', async () => {
    const store = new MemoryStore();
    const clients = store.factory('Client');
    await clients.upsert('c1', { client_id: 'c1' });
    await clients.upsert('c1', { client_id: 'c1', client_name: 'renamed' });
    await clients.upsert('c2', { client_id: 'c2' });
    expect(store.count('Client')).toBe(2);
    expect(store.count('Session')).toBe(0);
    await clients.destroy('c1');
    expect(store.count('Client')).toBe(1);
  });

  it('collects expired entries nobody reads again, a few per write, with their indexes', async () => {
    vi.useFakeTimers();
    try {
      const store = new MemoryStore();
      const sessions = store.factory('Session');
      for (let i = 0; i < 10; i++) await sessions.upsert(`s${i}`, { uid: `u${i}` }, 60);
      vi.advanceTimersByTime(61_000);
      const clients = store.factory('Client');
      for (let i = 0; i < 10; i++) await clients.upsert(`c${i}`, { client_id: `c${i}` });
      expect(store.count('Session')).toBe(0);
      expect(store.count('Client')).toBe(10);
      await sessions.upsert('s0', { uid: 'fresh' }, 60);
      expect(await sessions.findByUid('u0')).toBeUndefined();
      expect(await sessions.findByUid('fresh')).toEqual({ uid: 'fresh' });
    } finally {
      vi.useRealTimers();
    }
  });
});
