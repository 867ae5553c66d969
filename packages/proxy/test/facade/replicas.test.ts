import { CookieBrowser, freePort } from '@portcullis/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/redis-store.js';
import {
  authorizationRequest,
  type FacadeStack,
  registerAt,
  registerPublicClient,
  startFacadeStack,
  staticAdapter,
  tokenRequest,
} from '../helpers/facade.js';
import { modernCall, type RunningProxy, startProxy } from '../helpers/proxy.js';
import { requireRedisServer, startRedisServer, type TestRedis } from '../store/redis-server.js';

const { binary, skip } = requireRedisServer();

/** Point a URL of replica A (the public URL) at replica B's port. */
function onReplica(url: string, replica: RunningProxy): string {
  const moved = new URL(url);
  moved.port = new URL(replica.url).port;
  return moved.href;
}

describe.skipIf(skip !== undefined)(
  `facade mode: two replicas sharing Redis${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let redis: TestRedis;
    let stack: FacadeStack;
    let b: RunningProxy;

    beforeAll(async () => {
      redis = await startRedisServer(binary ?? 'redis-server');
      stack = await startFacadeStack(staticAdapter, {
        store: { kind: 'redis', url: redis.url, connectTimeoutMs: 500, commandTimeoutMs: 500 },
      });
      b = await startProxy(await freePort(), { ...stack.options, publicUrl: stack.issuer });
    });
    afterAll(async () => {
      await b?.close();
      await stack?.close();
      await redis?.close();
    });

    it('[PX-03 PX-07] a client registered on replica A completes consent, callback and token on replica B', async () => {
      const client = await registerPublicClient(stack.issuer, 'Replicated client');
      const request = await authorizationRequest(stack.issuer, client);
      const browser = new CookieBrowser();
      // Consent page from A; the form is posted to B (the pending request lives in Redis).
      const page = await (await browser.get(request.url)).text();
      const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(page)?.[1] ?? '';
      const approved = await browser.post(`${b.url}/consent`, {
        request: field('request'),
        csrf: field('csrf'),
        decision: 'approve',
      });
      expect(approved.status).toBe(303);
      // The consent cookie B signed is accepted by A (the signing key is shared through the store).
      const again = await browser.get((await authorizationRequest(stack.issuer, client)).url);
      expect(again.status).toBe(302);

      // Log in at the IdP; its redirect to the proxy callback goes to replica B instead of A.
      let response = await browser.get(approved.headers.get('location') ?? '');
      let at = '';
      for (let step = 0; step < 10 && !at.includes('/oauth/callback'); step++) {
        if (response.status >= 300 && response.status < 400) {
          at = new URL(response.headers.get('location') ?? '', stack.idp.issuer).href;
          if (!at.includes('/oauth/callback')) response = await browser.get(at);
          continue;
        }
        const html = await response.text();
        const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
        const login = html.includes('<form id="login"');
        const action =
          new RegExp(`<form id="${login ? 'login' : 'consent'}" method="post" action="([^"]+)"`).exec(
            html,
          )?.[1] ?? '';
        const form: Record<string, string> = login
          ? { csrf, username: 'joe', password: 'joe-pass' }
          : { csrf, decision: 'approve' };
        response = await browser.post(new URL(action.replaceAll('&#47;', '/'), stack.idp.issuer).href, form);
      }
      const relayed = await browser.get(onReplica(at, b));
      expect(relayed.status).toBe(302);
      const redirect = new URL(relayed.headers.get('location') ?? '');
      expect(redirect.searchParams.get('iss')).toBe(stack.issuer);
      expect(redirect.searchParams.get('state')).toBe(request.state);

      const tokens = await tokenRequest(b.url, {
        grant_type: 'authorization_code',
        code: redirect.searchParams.get('code') ?? '',
        client_id: client.clientId,
        redirect_uri: client.redirectUri,
        code_verifier: request.verifier,
      });
      expect(tokens.status).toBe(200);
      const call = await modernCall(stack.proxy.mcp, String(tokens.body.access_token), {
        method: 'tools/call',
        params: { name: 'hello-world', arguments: { name: 'joe' } },
      });
      expect(await call.text()).toContain('Hello, joe!');
    });

    it('registration.maxClients holds across replicas, and registrations stop counting once expired', async () => {
      const options = stack.options as Extract<typeof stack.options, { mode: 'facade' }>;
      const store = { kind: 'redis', url: redis.url, keyPrefix: 'capped:' } as const;
      const capped = {
        ...options,
        publicUrl: stack.issuer,
        facade: { ...options.facade, registration: { maxClients: 3 } },
        store,
      };
      const [c, d] = [await startProxy(await freePort(), capped), await startProxy(await freePort(), capped)];
      const raw = new RedisStore({ url: redis.url, keyPrefix: 'capped:' });
      const metadata = { redirect_uris: ['http://127.0.0.1:3000/cb'], token_endpoint_auth_method: 'none' };
      try {
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => registerAt(`${(i % 2 === 0 ? c : d).url}/register`, metadata)),
        );
        expect(results.filter((r) => r.status === 201)).toHaveLength(3);
        const refused = results.filter((r) => r.status !== 201);
        expect(refused).toHaveLength(5);
        for (const r of refused) {
          expect(r).toMatchObject({ status: 503, body: { error: 'temporarily_unavailable' } });
        }

        // Counted per day over ttl.clientDays (90): registrations 90 days old have expired and free their places.
        const today = Math.floor(Date.now() / 86_400_000);
        await raw.set('facade-count', `clients:${today}`, 0, 60_000);
        await raw.set('facade-count', `clients:${today - 90}`, 3, 60_000);
        expect((await registerAt(`${c.url}/register`, metadata)).status).toBe(201);
        await raw.set('facade-count', `clients:${today - 89}`, 2, 60_000);
        expect((await registerAt(`${d.url}/register`, metadata)).status).toBe(503);
      } finally {
        await raw.close();
        await Promise.all([c.close(), d.close()]);
      }
    });
  },
);
