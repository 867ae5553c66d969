import { freePort } from '@portcullis/test-support';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/index.js';
import { authorizationRequest, registerAt } from '../helpers/facade.js';
import { type MockIdp, startMockIdp, startProxyForMockIdp } from '../helpers/mock-idp.js';
import type { RunningProxy } from '../helpers/proxy.js';

const redirectUri = 'http://127.0.0.1:4556/callback';
const metadata = { redirect_uris: ['http://127.0.0.1:3000/cb'], token_endpoint_auth_method: 'none' };
const refusal = { status: 503, body: { error: 'temporarily_unavailable' } };

let idp: MockIdp;
let docs: FastifyInstance;
let docsUrl: string;

beforeAll(async () => {
  idp = await startMockIdp();
  const port = await freePort();
  docsUrl = `http://127.0.0.1:${port}`;
  docs = Fastify();
  docs.get<{ Params: { n: string } }>('/doc/:n', async (request) => ({
    client_id: `${docsUrl}/doc/${request.params.n}`,
    client_name: `Document client ${request.params.n}`,
    redirect_uris: [redirectUri],
    token_endpoint_auth_method: 'none',
  }));
  await docs.listen({ host: '127.0.0.1', port });
});
afterAll(async () => {
  await docs?.close();
  await idp?.close();
});

/** Authorize the document client `clientId` and approve the proxy's consent page: the answer to the approval. */
async function approve(proxy: RunningProxy, clientId: string): Promise<Response> {
  const request = await authorizationRequest(proxy.url, { clientId, redirectUri });
  const page = await fetch(request.url, { redirect: 'manual' });
  expect(page.status).toBe(200);
  const html = await page.text();
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1] ?? '';
  return fetch(`${proxy.url}/consent`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ request: field('request'), csrf: field('csrf'), decision: 'approve' }),
  });
}

describe('registration.maxClients counts registrations that happened, not attempts the IdP refused', () => {
  it('a /register the IdP refuses gives its place back', async () => {
    idp.answer = refusal;
    idp.registrations.length = 0;
    const proxy = await startProxyForMockIdp(idp, { adapter: 'rfc7591', registration: { maxClients: 2 } });
    try {
      for (const _ of [1, 2]) {
        const failed = await registerAt(`${proxy.url}/register`, metadata);
        expect(failed).toMatchObject({ status: 502, body: { error: 'server_error' } });
      }
      expect(idp.registrations).toHaveLength(2);
      idp.answer = undefined;
      const statuses = [];
      for (const _ of [1, 2, 3]) statuses.push((await registerAt(`${proxy.url}/register`, metadata)).status);
      expect(statuses).toEqual([201, 201, 503]);
    } finally {
      idp.answer = undefined;
      await proxy.close();
    }
  });

  it("a document client's first authorization that the IdP refuses gives its place back", async () => {
    idp.answer = refusal;
    const proxy = await startProxyForMockIdp(idp, {
      adapter: 'rfc7591',
      cimd: { allowHttpLoopback: true },
      registration: { maxClients: 2 },
    });
    try {
      for (const n of [1, 2]) expect((await approve(proxy, `${docsUrl}/doc/refused-${n}`)).status).toBe(502);
      idp.answer = undefined;
      const accepted = await approve(proxy, `${docsUrl}/doc/accepted`);
      expect(accepted.status).toBe(303);
      expect(accepted.headers.get('location')).toMatch(new RegExp(`^${idp.issuer}/auth\\?`));
    } finally {
      idp.answer = undefined;
      await proxy.close();
    }
  });

  it('two authorizations of one new document racing to register its IdP client count once', async () => {
    const store = new MemoryStore();
    idp.delayMs = 300;
    const proxy = await startProxyForMockIdp(
      idp,
      { adapter: 'rfc7591', cimd: { allowHttpLoopback: true } },
      { store },
    );
    try {
      const before = idp.registrations.length;
      const clientId = `${docsUrl}/doc/raced`;
      const answers = await Promise.all([approve(proxy, clientId), approve(proxy, clientId)]);
      expect(answers.map((r) => r.status)).toEqual([303, 303]);
      expect(idp.registrations.length - before).toBe(2);
      const today = Math.floor(Date.now() / 86_400_000);
      expect(await store.get('facade-count', `clients:${today}`)).toBe(1);
    } finally {
      idp.delayMs = 0;
      await proxy.close();
    }
  });
});

describe('IdP failures reach clients without the IdP internals', () => {
  it('[PX-13] a refused IdP registration: a generic, actionable description; the details (and no secret) in the log', async () => {
    const initialAccessToken = 'initial-access-token-that-stays-secret';
    const proxy = await startProxyForMockIdp(idp, {
      adapter: 'keycloak',
      cimd: { allowHttpLoopback: true },
      initialAccessToken,
    });
    try {
      idp.answer = {
        status: 403,
        body: { error: 'insufficient_scope', error_description: 'Policy "Trusted Hosts" rejected request' },
      };
      const refused = await registerAt(`${proxy.url}/register`, metadata);
      expect(refused.status).toBe(502);
      expect(refused.body).toEqual({
        error: 'server_error',
        error_description:
          'the identity provider refused the registration; try again later or contact the operator',
      });
      const page = await (await approve(proxy, `${docsUrl}/doc/page`)).text();
      expect(page).toContain('the identity provider refused the registration');
      for (const leaked of [
        idp.issuer,
        new URL(idp.issuer).port,
        'Keycloak',
        'Trusted Hosts',
        'trusted hosts',
      ]) {
        expect(JSON.stringify(refused.body)).not.toContain(leaked);
        expect(page).not.toContain(leaked);
      }
      const logged = proxy.logs().filter((line) => line.level === 50);
      expect(logged.length).toBeGreaterThanOrEqual(2);
      expect(JSON.stringify(logged[0])).toContain(`the IdP ${idp.issuer} refused to register`);
      expect(JSON.stringify(logged[0])).toContain('Trusted Hosts');

      // An answer that cannot be read, carrying a secret: the log names the problem, not the secret.
      idp.answer = { status: 201, body: { client_id: 'half', client_secret: 'idp-secret-never-logged' } };
      expect((await registerAt(`${proxy.url}/register`, metadata)).status).toBe(502);
      expect(proxy.logText()).not.toContain('idp-secret-never-logged');
      expect(proxy.logText()).not.toContain(initialAccessToken);
    } finally {
      idp.answer = undefined;
      await proxy.close();
    }
  });

  it('an IdP that cannot be reached: a generic description without its address', async () => {
    const closed = await freePort();
    const down = { ...idp, issuer: `http://127.0.0.1:${closed}` };
    const proxy = await startProxyForMockIdp(down, { adapter: 'rfc7591' });
    try {
      const refused = await registerAt(`${proxy.url}/register`, metadata);
      expect(refused).toEqual({
        status: 502,
        body: {
          error: 'server_error',
          error_description: 'the identity provider is unavailable; try again later or contact the operator',
        },
      });
      expect(JSON.stringify(proxy.logs().filter((l) => l.level === 50))).toContain(String(closed));
    } finally {
      await proxy.close();
    }
  });
});
