import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modernCall } from './helpers/proxy.js';
import { requireRedisServer, startRedisServer, type TestRedis } from './store/redis-server.js';
import { legacyPost, type ReplicaStack, startReplicaStack } from './store/replicas.js';

const { binary, skip } = requireRedisServer();

const INIT = {
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'replicas', version: '1' } },
};
const HELLO = { id: 2, method: 'tools/call', params: { name: 'hello-world', arguments: { name: 'joe' } } };

describe.skipIf(skip !== undefined)(
  `two proxy replicas sharing one Redis${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let redis: TestRedis;
    let stack: ReplicaStack;

    beforeAll(async () => {
      redis = await startRedisServer(binary ?? 'redis-server');
      stack = await startReplicaStack(redis.url);
    });
    afterAll(async () => {
      await stack?.close();
      await redis?.close();
    });

    async function openSession(mcpUrl: string, token: string): Promise<string> {
      const res = await legacyPost(mcpUrl, token, INIT);
      expect(res.status).toBe(200);
      await res.text();
      const session = res.headers.get('mcp-session-id') ?? '';
      expect(session).not.toBe('');
      const initialized = await legacyPost(mcpUrl, token, { method: 'notifications/initialized' }, session);
      expect(initialized.status).toBe(202);
      await initialized.text();
      return session;
    }

    it('reports the Redis store in /readyz', async () => {
      const res = await fetch(`${stack.b.url}/readyz`);
      const body = (await res.json()) as { checks: { store: { ok: boolean; url: string } } };
      expect(res.status).toBe(200);
      expect(body.checks.store).toMatchObject({ ok: true, url: redis.url });
    });

    it('a session opened through replica A is continued through replica B', async () => {
      const session = await openSession(stack.a.mcp, stack.tokens.joe);
      const res = await legacyPost(stack.b.mcp, stack.tokens.joe, HELLO, session);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('Hello, joe!');
      const again = await legacyPost(stack.a.mcp, stack.tokens.joe, { ...HELLO, id: 3 }, session);
      expect(again.status).toBe(200);
      expect(await again.text()).toContain('Hello, joe!');
    });

    it('[PX-11] another caller with that session id gets 404 through either replica', async () => {
      const session = await openSession(stack.b.mcp, stack.tokens.joe);
      for (const replica of [stack.a, stack.b]) {
        const res = await legacyPost(replica.mcp, stack.tokens.alice, HELLO, session);
        expect(res.status).toBe(404);
        expect(await res.json()).toMatchObject({ error: { code: -32001 } });
      }
      const owner = await legacyPost(stack.a.mcp, stack.tokens.joe, HELLO, session);
      expect(owner.status).toBe(200);
      await owner.text();
    });

    it('a DELETE through one replica ends the binding for both', async () => {
      const session = await openSession(stack.a.mcp, stack.tokens.joe);
      const deleted = await fetch(stack.b.mcp, {
        method: 'DELETE',
        headers: {
          authorization: `Bearer ${stack.tokens.joe}`,
          'mcp-session-id': session,
          'mcp-protocol-version': '2025-11-25',
        },
      });
      expect(deleted.status).toBe(200);
      await deleted.text();
      const res = await legacyPost(stack.a.mcp, stack.tokens.joe, HELLO, session);
      expect(res.status).toBe(404);
      await res.text();
    });

    it('Redis stopped: 503 with a JSON-RPC error (not a hang) and /readyz says so; recovers when it is back', async () => {
      const session = await openSession(stack.a.mcp, stack.tokens.joe);
      await redis.stop();
      try {
        const started = Date.now();
        for (const replica of [stack.a, stack.b]) {
          const res = await legacyPost(replica.mcp, stack.tokens.joe, HELLO, session);
          expect(res.status).toBe(503);
          expect(res.headers.get('retry-after')).toBe('5');
          expect(await res.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
          const init = await legacyPost(replica.mcp, stack.tokens.joe, INIT);
          expect(init.status).toBe(503);
          await init.text();
          // A 2026-07-28 (stateless) request needs no state: it still passes.
          const stateless = await modernCall(replica.mcp, stack.tokens.joe, HELLO);
          expect(stateless.status).toBe(200);
          expect(await stateless.text()).toContain('Hello, joe!');
        }
        const ready = await fetch(`${stack.a.url}/readyz`);
        expect(ready.status).toBe(503);
        const body = (await ready.json()) as { checks: { store: { ok: boolean; error?: string } } };
        expect(body.checks.store.ok).toBe(false);
        expect(body.checks.store.error).toMatch(/unavailable/);
        expect(Date.now() - started).toBeLessThan(8_000);
        const logged = stack.a.logs().filter((l) => l.code === 'ERR_PORTCULLIS_PROXY_STORE_UNAVAILABLE');
        expect(logged.length).toBeGreaterThan(0);
      } finally {
        await redis.start();
      }
      await expect
        .poll(async () => (await fetch(`${stack.b.url}/readyz`)).status, { timeout: 8_000, interval: 200 })
        .toBe(200);
      // The bindings were in the stopped Redis (no persistence): the old session is unknown, a new one works.
      const old = await legacyPost(stack.b.mcp, stack.tokens.joe, HELLO, session);
      expect(old.status).toBe(404);
      await old.text();
      const fresh = await openSession(stack.b.mcp, stack.tokens.joe);
      const res = await legacyPost(stack.a.mcp, stack.tokens.joe, HELLO, fresh);
      expect(res.status).toBe(200);
      await res.text();
    });
  },
);
