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
});
