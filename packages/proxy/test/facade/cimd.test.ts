import { type AddressInfo, createServer } from 'node:net';
import { CookieBrowser, freePort } from '@portcullis/test-support';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/index.js';
import {
  authorizationRequest,
  type FacadeStack,
  redeemCode,
  runBrowserFlow,
  startFacadeStack,
  tokenRequest,
} from '../helpers/facade.js';

let dev: FacadeStack;
let strict: FacadeStack;
let docs: FastifyInstance;
let docsUrl: string;
const redirectUri = 'http://127.0.0.1:4555/callback';

beforeAll(async () => {
  const port = await freePort();
  docsUrl = `http://127.0.0.1:${port}`;
  docs = Fastify();
  docs.get('/good.json', async () => ({
    client_id: `${docsUrl}/good.json`,
    client_name: 'CIMD app',
    redirect_uris: [redirectUri],
    token_endpoint_auth_method: 'none',
  }));
  docs.get('/impostor.json', async () => ({
    client_id: `${docsUrl}/someone-else.json`,
    client_name: 'Impostor',
    redirect_uris: [redirectUri],
  }));
  docs.get('/redirect.json', async (_request, reply) => reply.redirect(`${docsUrl}/good.json`));
  docs.get<{ Params: { n: string } }>('/many/:n', async (request) => ({
    client_id: `${docsUrl}/many/${request.params.n}`,
    client_name: `Document client ${request.params.n}`,
    redirect_uris: [redirectUri],
    token_endpoint_auth_method: 'none',
  }));
  await docs.listen({ host: '127.0.0.1', port });
  // Dev stack: documents may be served over http from loopback. Strict stack: production SSRF rules.
  [dev, strict] = await Promise.all([
    startFacadeStack(() => ({ adapter: 'rfc7591', cimd: { allowHttpLoopback: true } })),
    startFacadeStack(() => ({ adapter: 'rfc7591' })),
  ]);
});
afterAll(async () => {
  await Promise.all([dev?.close(), strict?.close()]);
  await docs?.close();
});

async function authorize(stack: FacadeStack, clientId: string) {
  const request = await authorizationRequest(stack.issuer, { clientId, redirectUri });
  return { request, response: await fetch(request.url, { redirect: 'manual' }) };
}

describe('facade mode accepts client ID metadata documents, fetched with SSRF defences', () => {
  it('[AS-15 AS-16 AS-19] a valid document is a client: the proxy shows its name and redirect host, the flow completes and the code is redeemed with the URL client_id', async () => {
    const clientId = `${docsUrl}/good.json`;
    const { request, response } = await authorize(dev, clientId);
    // The IdP only sees the proxy's callback, so the proxy's own consent page names the redirect host.
    expect(response.status).toBe(200);
    const consent = await response.text();
    expect(consent).toContain('CIMD app');
    expect(consent).toContain('127.0.0.1:4555');
    const { redirect, pages } = await runBrowserFlow(new CookieBrowser(), request.url, redirectUri);
    expect(pages[0]).toBe('proxy-consent');
    expect(redirect.searchParams.get('iss')).toBe(dev.issuer);
    const tokens = await redeemCode(dev.issuer, { clientId, redirectUri }, request, redirect);
    expect(tokens.status).toBe(200);
    expect(typeof tokens.body.access_token).toBe('string');
  });

  it('[AS-16] a document whose client_id differs from its URL, or a redirect_uri it does not list, is refused without redirect', async () => {
    const impostor = await authorize(dev, `${docsUrl}/impostor.json`);
    expect(impostor.response.status).toBe(400);
    expect(await impostor.response.text()).toContain('MUST equal the URL');
    const request = await authorizationRequest(dev.issuer, {
      clientId: `${docsUrl}/good.json`,
      redirectUri: 'http://127.0.0.1:4555/other',
    });
    const wrongRedirect = await fetch(request.url, { redirect: 'manual' });
    expect(wrongRedirect.status).toBe(400);
    expect(wrongRedirect.headers.get('location')).toBeNull();
  });

  it('[AS-17] a redirecting document URL is not followed', async () => {
    const { response } = await authorize(dev, `${docsUrl}/redirect.json`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('HTTP 302');
  });

  it('[AS-18] a document host answering a status outside 200-599, an upgrade or no HTTP at all gets a 400, and the proxy lives on', async () => {
    const answers: Record<string, string> = {
      '/600.json': 'HTTP/1.1 600 X\r\nContent-Length: 2\r\n\r\n{}',
      '/reason.json': 'HTTP/1.1 999 O\x01K\r\nContent-Length: 2\r\n\r\n{}',
      '/upgrade.json':
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      '/ssh.json': 'SSH-2.0-OpenSSH_9.6\r\n',
    };
    const raw = createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', (chunk) => {
        const path = /^GET (\S+)/.exec(chunk.toString())?.[1] ?? '';
        socket.end(answers[path] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const rawUrl = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
    try {
      for (const path of Object.keys(answers)) {
        const { response } = await authorize(dev, `${rawUrl}${path}`);
        expect(response.status, path).toBe(400);
        expect(await response.text(), path).toContain(
          'could not be fetched (it did not answer with a valid HTTP response)',
        );
      }
      const { response } = await authorize(dev, `${docsUrl}/good.json`);
      expect(response.status).toBe(200);
    } finally {
      raw.close();
    }
  });

  it('[PX-12 AS-18] document URLs on loopback, private or link-local addresses are never fetched', async () => {
    for (const clientId of [
      `https://127.0.0.1:${new URL(docsUrl).port}/good.json`,
      'https://169.254.169.254/latest/meta-data.json',
      'https://10.0.0.1/client.json',
      'https://[::1]/client.json',
    ]) {
      const { response } = await authorize(strict, clientId);
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain('its host does not resolve to a public address');
      expect(response.headers.get('location')).toBeNull();
    }
  });

  it('[PX-12] does not tell the client what a document host resolves to (no map of internal names)', async () => {
    for (const clientId of [
      'https://localhost/client.json',
      'https://name-that-does-not-resolve.invalid/c.json',
    ]) {
      const { response } = await authorize(strict, clientId);
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain('its host does not resolve to a public address');
      for (const detail of ['127.0.0.1', '::1', 'non-public', 'cannot resolve'])
        expect(html).not.toContain(detail);
    }
  });
});

describe('facade mode: IdP clients for documents are capped, and made only by an authorization', () => {
  it('counts the IdP client of each new document against registration.maxClients; /token and /revoke never register one', async () => {
    const store = new MemoryStore();
    const capped = await startFacadeStack(
      () => ({ adapter: 'rfc7591', cimd: { allowHttpLoopback: true }, registration: { maxClients: 1 } }),
      { store },
    );
    const idpClients = async () => (await store.keys('facade-upstream')).length;
    try {
      // Grants and revocations for documents that never authorized: refused or ignored, nothing registered.
      for (const n of [1, 2, 3]) {
        const clientId = `${docsUrl}/many/token-${n}`;
        const grant = await tokenRequest(capped.issuer, {
          grant_type: 'authorization_code',
          code: 'made-up',
          client_id: clientId,
          redirect_uri: redirectUri,
          code_verifier: 'v'.repeat(43),
        });
        expect(grant.body.error).toBe('invalid_grant');
        const nonsense = await tokenRequest(capped.issuer, { grant_type: 'nonsense', client_id: clientId });
        expect(nonsense.body.error).toBe('unsupported_grant_type');
        const revoked = await fetch(`${capped.issuer}/revoke`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token: 'made-up', client_id: clientId }),
        });
        expect(revoked.status).toBe(200);
      }
      expect(await idpClients()).toBe(0);
      // The first document's approved authorization registers its IdP client; the second is over the cap.
      const first = await authorizationRequest(capped.issuer, { clientId: `${docsUrl}/many/1`, redirectUri });
      const done = await runBrowserFlow(new CookieBrowser(), first.url, redirectUri);
      expect(done.redirect.searchParams.get('code')).toBeTruthy();
      expect(await idpClients()).toBe(1);
      const second = await authorizationRequest(capped.issuer, {
        clientId: `${docsUrl}/many/2`,
        redirectUri,
      });
      await expect(runBrowserFlow(new CookieBrowser(), second.url, redirectUri)).rejects.toThrow(
        /HTTP 503 at .*\/consent/,
      );
      expect(await idpClients()).toBe(1);
    } finally {
      await capped.close();
    }
  });
});
