import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningIdp } from '../src/index.js';
import { DocumentHost } from './helpers/document-host.js';
import { ALICE, RS, startTestIdp } from './helpers/idp.js';
import {
  actionOf,
  authorizeUrl,
  Browser,
  csrfOf,
  pkce,
  runBrowserFlow,
  tokenRequest,
} from './helpers/oauth.js';

let idp: RunningIdp;
let host: DocumentHost;
beforeAll(async () => {
  host = await new DocumentHost().start();
  idp = await startTestIdp({ cimd: { allowHttpLoopback: true } });
});
afterAll(async () => {
  await idp.close();
  await host.stop();
});

/** GET /authorize for a CIMD client; returns the first response (not followed). */
async function authorize(
  clientId: string,
  redirectUri = 'http://127.0.0.1:3000/cb',
  browser = new Browser(),
) {
  return browser.get(authorizeUrl(idp.issuer, { clientId, redirectUri, scope: 'mcp:tools' }));
}

/** Expect an error page: 400, no Location, the error code in #error-code. */
async function expectErrorPage(res: Response, error: string) {
  expect(res.status).toBe(400);
  expect(res.headers.get('location')).toBeNull();
  expect(await res.text()).toContain(`<code id="error-code">${error}</code>`);
}

describe('CIMD (draft-ietf-oauth-client-id-metadata-document) client identification', () => {
  it('[AS-15 AS-16] a valid document works end to end and the consent page shows its client_name', async () => {
    const clientId = host.json('/valid.json', host.validDocument('/valid.json'));
    const { verifier, challenge } = pkce();
    const browser = new Browser();
    const login = await browser.follow(
      await browser.get(authorizeUrl(idp.issuer, { clientId, scope: 'mcp:tools', challenge })),
      idp.url,
    );
    const loginHtml = await login.text();
    const consent = await browser.follow(
      await browser.post(new URL(actionOf(loginHtml, 'login'), idp.url).href, {
        csrf: csrfOf(loginHtml),
        ...ALICE,
      }),
      idp.url,
    );
    const consentHtml = await consent.text();
    expect(consentHtml).toContain('<form id="consent"');
    expect(consentHtml).toContain('<span id="client-name">CIMD Test Client</span>');
    const done = await browser.follow(
      await browser.post(new URL(actionOf(consentHtml, 'consent'), idp.url).href, {
        csrf: csrfOf(consentHtml),
        decision: 'approve',
      }),
      idp.url,
    );
    const code = new URL(done.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const token = await tokenRequest(idp.issuer, {
      grant_type: 'authorization_code',
      code,
      client_id: clientId,
      redirect_uri: 'http://127.0.0.1:3000/cb',
      code_verifier: verifier,
      resource: RS,
    });
    expect(token.res.status).toBe(200);
    expect(token.body.access_token).toEqual(expect.any(String));
  });

  it('[AS-16 AS-19] consent shows the URL client ID, the redirect host and the localhost warning', async () => {
    const clientId = host.json('/consent.json', host.validDocument('/consent.json'));
    const browser = new Browser();
    const res = await browser.follow(await authorize(clientId, undefined, browser), idp.url);
    const login = await res.text();
    const next = await browser.follow(
      await browser.post(new URL(actionOf(login, 'login'), idp.url).href, { csrf: csrfOf(login), ...ALICE }),
      idp.url,
    );
    const html = await next.text();
    expect(html).toContain('<span id="client-name">CIMD Test Client</span>');
    expect(html).toContain(`<code id="client-id">${clientId}</code>`);
    expect(html).toContain('<strong id="redirect-host">127.0.0.1:3000</strong>');
    expect(html).toContain('id="localhost-warning"');
  });

  it('[AS-16] (a) a document whose client_id differs from its URL is refused without a redirect', async () => {
    const clientId = host.json(
      '/mismatch.json',
      host.validDocument('/mismatch.json', { client_id: 'https://evil.test/c.json' }),
    );
    await expectErrorPage(await authorize(clientId), 'invalid_client_metadata');
  });

  it('[AS-16] (b) a redirect_uri not listed in the document is refused without a redirect', async () => {
    const clientId = host.json('/redirect.json', host.validDocument('/redirect.json'));
    const res = await authorize(clientId, 'https://evil.test/cb');
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('[AS-06 AS-16] a loopback redirect of the document matches with any port', async () => {
    const clientId = host.json('/port.json', host.validDocument('/port.json'));
    const { location } = await runBrowserFlow(idp.url, idp.issuer, {
      clientId,
      scope: 'mcp:tools',
      redirectUri: 'http://127.0.0.1:51234/cb',
    });
    expect(location.origin).toBe('http://127.0.0.1:51234');
    expect(location.searchParams.get('code')).toEqual(expect.any(String));
  });

  it('[AS-16] (c) a non-JSON document is refused', async () => {
    const clientId = host.route('/text.json', (_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>'),
    );
    await expectErrorPage(await authorize(clientId), 'invalid_client');
  });

  it('[AS-16] (c) a document without redirect_uris is refused', async () => {
    const doc = host.validDocument('/no-redirects.json');
    delete doc.redirect_uris;
    const clientId = host.json('/no-redirects.json', doc);
    const res = await authorize(clientId);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('[AS-16] a document without client_name is refused', async () => {
    const doc = host.validDocument('/no-name.json');
    delete doc.client_name;
    await expectErrorPage(await authorize(host.json('/no-name.json', doc)), 'invalid_client_metadata');
  });

  it('[AS-07] a document with an http non-loopback redirect is refused', async () => {
    const clientId = host.json(
      '/http.json',
      host.validDocument('/http.json', { redirect_uris: ['http://evil.test/cb'] }),
    );
    const res = await authorize(clientId, 'http://evil.test/cb');
    await expectErrorPage(res, 'invalid_redirect_uri');
  });
});

describe('CIMD draft §4: fetching rules', () => {
  it('[AS-17] a 302 is not followed and fails the authorization', async () => {
    host.json('/target.json', host.validDocument('/target.json'));
    const clientId = host.route('/moved.json', (_req, res) =>
      res.writeHead(302, { location: '/target.json' }).end(),
    );
    await expectErrorPage(await authorize(clientId), 'invalid_client');
    expect(host.hits.get('/target.json') ?? 0).toBe(0);
  });

  it('[AS-17] only 200 counts: 203 and 404 fail', async () => {
    const doc = host.validDocument('/203.json');
    const clientId = host.route('/203.json', (_req, res) =>
      res.writeHead(203, { 'content-type': 'application/json' }).end(JSON.stringify(doc)),
    );
    await expectErrorPage(await authorize(clientId), 'invalid_client');
    await expectErrorPage(await authorize(host.clientId('/missing.json')), 'invalid_client');
  });

  it('[AS-17] failures are not cached: a fixed document is fetched again', async () => {
    const clientId = host.clientId('/later.json');
    await expectErrorPage(await authorize(clientId), 'invalid_client');
    const failedFetches = host.hits.get('/later.json') ?? 0;
    expect(failedFetches).toBeGreaterThan(0);
    host.json('/later.json', host.validDocument('/later.json'));
    expect((await authorize(clientId)).status).toBe(303);
    expect(host.hits.get('/later.json')).toBe(failedFetches + 1);
  });

  it.each([
    ['token_endpoint_auth_method client_secret_basic', { token_endpoint_auth_method: 'client_secret_basic' }],
    ['token_endpoint_auth_method client_secret_post', { token_endpoint_auth_method: 'client_secret_post' }],
    ['a client_secret member', { client_secret: 'shh' }],
  ])('[AS-17] a document with %s is refused', async (_label, extra) => {
    const path = `/secret-${Object.keys(extra)[0]}-${Object.values(extra)[0]}.json`;
    await expectErrorPage(
      await authorize(host.json(path, host.validDocument(path, extra))),
      'invalid_client_metadata',
    );
  });

  it('[AS-17] Cache-Control max-age=60 is honoured: two authorizations, one fetch', async () => {
    const clientId = host.json('/cached.json', host.validDocument('/cached.json'), {
      'cache-control': 'max-age=60',
    });
    expect((await authorize(clientId)).status).toBe(303);
    expect((await authorize(clientId)).status).toBe(303);
    expect(host.hits.get('/cached.json')).toBe(1);
  });

  it('[AS-18] a 6 KB document is refused (cap 5 KB)', async () => {
    const clientId = host.json(
      '/big.json',
      host.validDocument('/big.json', { padding: 'x'.repeat(6 * 1024) }),
    );
    await expectErrorPage(await authorize(clientId), 'invalid_client');
  });
});

describe('CIMD SSRF protection with production defaults', () => {
  let strict: RunningIdp;
  beforeAll(async () => {
    strict = await startTestIdp();
  });
  afterAll(() => strict.close());

  it('[AS-18] refuses https://10.0.0.5/c.json without fetching', async () => {
    const res = await new Browser().get(
      authorizeUrl(strict.issuer, { clientId: 'https://10.0.0.5/c.json', scope: 'mcp:tools' }),
    );
    await expectErrorPage(res, 'invalid_client');
  });

  it('[AS-18] refuses a loopback document host: the host sees no connection', async () => {
    const before = host.connections;
    const clientId = host.json('/loopback.json', host.validDocument('/loopback.json'));
    const res = await new Browser().get(authorizeUrl(strict.issuer, { clientId, scope: 'mcp:tools' }));
    await expectErrorPage(res, 'invalid_client');
    expect(host.connections).toBe(before);
    expect(host.hits.get('/loopback.json') ?? 0).toBe(0);
  });

  it('[AS-18] refuses a name resolving to 169.254.169.254 (injected resolver) without a connection', async () => {
    const metadataIdp = await startTestIdp({
      cimd: { resolver: async () => [{ address: '169.254.169.254', family: 4 }] },
    });
    try {
      const res = await new Browser().get(
        authorizeUrl(metadataIdp.issuer, { clientId: 'https://metadata.test/c.json', scope: 'mcp:tools' }),
      );
      await expectErrorPage(res, 'invalid_client');
    } finally {
      await metadataIdp.close();
    }
  });
});
