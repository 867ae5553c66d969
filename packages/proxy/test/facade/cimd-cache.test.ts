import { CookieBrowser, freePort } from '@portcullis/test-support';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CIMD_CACHE_MS, cacheLifetime } from '../../src/facade/cimd.js';
import {
  authorizationRequest,
  type FacadeStack,
  redeemCode,
  runBrowserFlow,
  startFacadeStack,
} from '../helpers/facade.js';

const redirectUri = 'http://127.0.0.1:4558/callback';
const fetches = new Map<string, number>();
let stack: FacadeStack;
let docs: FastifyInstance;
let docsUrl: string;

beforeAll(async () => {
  const port = await freePort();
  docsUrl = `http://127.0.0.1:${port}`;
  docs = Fastify();
  // `/doc/<name>?cc=<Cache-Control>`: a valid document served with that header.
  docs.get<{ Params: { name: string }; Querystring: { cc?: string } }>(
    '/doc/:name',
    async (request, reply) => {
      const clientId = `${docsUrl}${request.url}`;
      fetches.set(clientId, (fetches.get(clientId) ?? 0) + 1);
      if (request.query.cc !== undefined) reply.header('cache-control', request.query.cc);
      return {
        client_id: clientId,
        client_name: `Cached ${request.params.name}`,
        redirect_uris: [redirectUri],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
      };
    },
  );
  await docs.listen({ host: '127.0.0.1', port });
  stack = await startFacadeStack(() => ({ adapter: 'rfc7591', cimd: { allowHttpLoopback: true } }));
});
afterAll(async () => {
  await stack?.close();
  await docs?.close();
});

function documentUrl(name: string, cacheControl?: string): string {
  return `${docsUrl}/doc/${name}${cacheControl === undefined ? '' : `?cc=${encodeURIComponent(cacheControl)}`}`;
}

/** GET /authorize for the document client `clientId`; the proxy's answer status. */
async function authorize(clientId: string): Promise<number> {
  const request = await authorizationRequest(stack.issuer, { clientId, redirectUri });
  const response = await fetch(request.url, { redirect: 'manual' });
  await response.body?.cancel();
  return response.status;
}

describe('client ID metadata documents are kept as their Cache-Control allows (AS-17)', () => {
  it('[AS-17] no-store, no-cache and max-age=0 documents are fetched on every authorization', async () => {
    for (const [name, cc] of [
      ['no-store', 'no-store'],
      ['no-cache', 'public, no-cache'],
      ['zero', 'max-age=0'],
    ] as const) {
      const clientId = documentUrl(name, cc);
      expect([await authorize(clientId), await authorize(clientId)]).toEqual([200, 200]);
      expect(fetches.get(clientId)).toBe(2);
    }
  });

  it('[AS-17] a max-age=60 document is fetched once for two authorizations; max-age=1 again a second later', async () => {
    const minute = documentUrl('minute', 'max-age=60');
    await authorize(minute);
    await authorize(minute);
    expect(fetches.get(minute)).toBe(1);
    const second = documentUrl('second', 'max-age=1');
    await authorize(second);
    await authorize(second);
    expect(fetches.get(second)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await authorize(second);
    expect(fetches.get(second)).toBe(2);
  });

  it('[AS-16] a no-store document client completes its flow: /token fetches the document again', async () => {
    const clientId = documentUrl('flow', 'no-store');
    const request = await authorizationRequest(stack.issuer, { clientId, redirectUri });
    const { redirect } = await runBrowserFlow(new CookieBrowser(), request.url, redirectUri);
    const tokens = await redeemCode(stack.issuer, { clientId, redirectUri }, request, redirect);
    expect(tokens.status).toBe(200);
    expect(fetches.get(clientId)).toBeGreaterThanOrEqual(2);
  });

  it('reads the lifetime from Cache-Control, capped at 5 minutes', () => {
    expect(cacheLifetime(null)).toBe(CIMD_CACHE_MS);
    expect(cacheLifetime('max-age=30, private')).toBe(30_000);
    expect(cacheLifetime('max-age=86400')).toBe(CIMD_CACHE_MS);
    expect(cacheLifetime('MAX-AGE="20"')).toBe(20_000);
    expect(cacheLifetime('max-age=soon')).toBe(0);
    expect(cacheLifetime('max-age=60, no-store')).toBe(0);
  });
});
