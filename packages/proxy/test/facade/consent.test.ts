import { CookieBrowser } from '@portcullis/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizationRequest,
  type FacadeStack,
  registerPublicClient,
  runBrowserFlow,
  startFacadeStack,
  staticAdapter,
} from '../helpers/facade.js';

let stack: FacadeStack;

beforeAll(async () => {
  // An IdP without per-client registration: one confidential client registered by an administrator.
  stack = await startFacadeStack(staticAdapter);
});
afterAll(() => stack.close());

async function consentPage(browser: CookieBrowser, name = 'Consent test client') {
  const client = await registerPublicClient(stack.issuer, name);
  const request = await authorizationRequest(stack.issuer, client);
  const response = await browser.get(request.url);
  return { client, request, response, html: response.status === 200 ? await response.text() : '' };
}

function hidden(html: string, name: string): string {
  return new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1] ?? '';
}

describe('facade mode with a shared upstream client: consent before the IdP (confused deputy)', () => {
  it('[PX-04 AS-19] the consent page names the client and redirect URI, cannot be framed, warns about localhost', async () => {
    const { client, response, html } = await consentPage(new CookieBrowser(), 'Inspector <b>X</b>');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(html).toContain('Inspector &lt;b&gt;X&lt;/b&gt;');
    expect(html).toContain(client.redirectUri);
    expect(html).toContain(new URL(client.redirectUri).host);
    expect(html).toMatch(/localhost redirect/);
    expect(html).toContain('mcp:tools');
  });

  it('[PX-07] no cookie is set and no upstream state exists before approval', async () => {
    const { response } = await consentPage(new CookieBrowser());
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get('location')).toBeNull();
  });

  it('[PX-04] a POST without the CSRF token, or from another site, is refused with 403', async () => {
    const browser = new CookieBrowser();
    const { html } = await consentPage(browser);
    const noCsrf = await browser.post(`${stack.issuer}/consent`, {
      request: hidden(html, 'request'),
      decision: 'approve',
    });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.headers.get('location')).toBeNull();

    const second = await consentPage(browser);
    const crossSite = await fetch(`${stack.issuer}/consent`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams({
        request: hidden(second.html, 'request'),
        csrf: hidden(second.html, 'csrf'),
        decision: 'approve',
      }),
    });
    expect(crossSite.status).toBe(403);
  });

  it('[PX-04] the consent page sends Referrer-Policy same-origin, so a browser posts it with its Origin; Origin: null is refused', async () => {
    const browser = new CookieBrowser();
    const { response, html } = await consentPage(browser);
    // Under `no-referrer` browsers send `Origin: null` with the page's own POST (Fetch spec).
    expect(response.headers.get('referrer-policy')).toBe('same-origin');
    const post = (origin: string) =>
      fetch(`${stack.issuer}/consent`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: browser.cookieHeader(`${stack.issuer}/consent`),
          origin,
          'sec-fetch-site': 'same-origin',
        },
        body: new URLSearchParams({
          request: hidden(html, 'request'),
          csrf: hidden(html, 'csrf'),
          decision: 'approve',
        }),
      });
    expect((await post('null')).status).toBe(403);
    expect((await post(new URL(stack.issuer).origin)).status).toBe(303);
  });

  it('[PX-05] approval sets a __Host- cookie (Secure, HttpOnly, SameSite=Lax) bound to that client only', async () => {
    const browser = new CookieBrowser();
    const { html } = await consentPage(browser, 'First client');
    const approved = await browser.post(`${stack.issuer}/consent`, {
      request: hidden(html, 'request'),
      csrf: hidden(html, 'csrf'),
      decision: 'approve',
    });
    expect(approved.status).toBe(303);
    expect(new URL(approved.headers.get('location') ?? '').origin).toBe(new URL(stack.idp.issuer).origin);
    const [cookie = ''] = approved.headers.getSetCookie();
    expect(cookie).toMatch(/^__Host-portcullis-consent=/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Domain=/i);

    // [PX-03] the same browser, holding that cookie, still gets the consent page for another client.
    const other = await consentPage(browser, 'Second client');
    expect(other.response.status).toBe(200);
    expect(other.html).toContain('Second client');
  });

  it('[PX-03] an approved client goes straight to the IdP next time; the whole flow ends at the client with the proxy iss', async () => {
    const browser = new CookieBrowser();
    const client = await registerPublicClient(stack.issuer, 'Returning client');
    const first = await authorizationRequest(stack.issuer, client);
    const run = await runBrowserFlow(browser, first.url, client.redirectUri);
    expect(run.pages).toEqual(['proxy-consent', 'login', 'consent']);
    expect(run.redirect.searchParams.get('iss')).toBe(stack.issuer);
    expect(run.redirect.searchParams.get('code')).not.toBeNull();

    const again = await authorizationRequest(stack.issuer, client);
    const direct = await browser.get(again.url);
    expect(direct.status).toBe(302);
    expect(new URL(direct.headers.get('location') ?? '').origin).toBe(new URL(stack.idp.issuer).origin);
  });

  it('[PX-04 AS-14] denying consent sends access_denied with the client state and the proxy iss', async () => {
    const client = await registerPublicClient(stack.issuer, 'Denied client');
    const request = await authorizationRequest(stack.issuer, client);
    const { redirect, pages } = await runBrowserFlow(new CookieBrowser(), request.url, client.redirectUri, {
      proxyConsent: 'deny',
    });
    expect(pages).toEqual(['proxy-consent']);
    expect(redirect.searchParams.get('error')).toBe('access_denied');
    expect(redirect.searchParams.get('state')).toBe(request.state);
    expect(redirect.searchParams.get('iss')).toBe(stack.issuer);
    expect(redirect.searchParams.get('code')).toBeNull();
  });

  it('[PX-07] a consent form is single-use', async () => {
    const browser = new CookieBrowser();
    const { html } = await consentPage(browser);
    const form = { request: hidden(html, 'request'), csrf: hidden(html, 'csrf'), decision: 'approve' };
    expect((await browser.post(`${stack.issuer}/consent`, form)).status).toBe(303);
    expect((await browser.post(`${stack.issuer}/consent`, form)).status).toBe(400);
  });
});

describe('facade.consent: shared-only (documented as not meeting AS-19 with a registering adapter)', () => {
  it('skips the proxy page for a registered client of the rfc7591 adapter; its errors are still shown as a page', async () => {
    const optOut = await startFacadeStack(() => ({ adapter: 'rfc7591', consent: 'shared-only' }));
    try {
      const client = await registerPublicClient(optOut.issuer);
      const request = await authorizationRequest(optOut.issuer, client);
      const response = await fetch(request.url, { redirect: 'manual' });
      expect(response.status).toBe(302);
      expect(new URL(response.headers.get('location') ?? '').origin).toBe(new URL(optOut.idp.issuer).origin);
      const bad = await authorizationRequest(optOut.issuer, client, { code_challenge_method: 'plain' });
      const refused = await fetch(bad.url, { redirect: 'manual' });
      expect(refused.status).toBe(400);
      expect(refused.headers.get('location')).toBeNull();
    } finally {
      await optOut.close();
    }
  });
});
