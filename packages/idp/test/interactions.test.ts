import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningIdp } from '../src/index.js';
import { ALICE, RS, startTestIdp } from './helpers/idp.js';
import {
  actionOf,
  authorizeUrl,
  Browser,
  csrfOf,
  registerPublicClient,
  runBrowserFlow,
} from './helpers/oauth.js';

let idp: RunningIdp;
let clientId: string;
beforeAll(async () => {
  idp = await startTestIdp();
  clientId = await registerPublicClient(idp.issuer, { client_name: 'Acme <Agent>' });
});
afterAll(() => idp.close());

/** Open /authorize in a fresh browser and return the login page. */
async function openLogin(p: { clientId?: string; redirectUri?: string } = {}) {
  const browser = new Browser();
  const res = await browser.follow(
    await browser.get(
      authorizeUrl(idp.issuer, {
        clientId: p.clientId ?? clientId,
        redirectUri: p.redirectUri,
        scope: 'mcp:tools',
      }),
    ),
    idp.url,
  );
  return { browser, res, html: await res.text() };
}

/** Log in as alice and return the consent page. */
async function openConsent(p: { clientId?: string; redirectUri?: string } = {}) {
  const { browser, html } = await openLogin(p);
  const res = await browser.follow(
    await browser.post(new URL(actionOf(html, 'login'), idp.url).href, { csrf: csrfOf(html), ...ALICE }),
    idp.url,
  );
  return { browser, res, html: await res.text() };
}

describe('login page', () => {
  it('renders form#login with username, password, csrf and button#login, naming the client', async () => {
    const { res, html } = await openLogin();
    expect(res.status).toBe(200);
    expect(html).toContain('<form id="login" method="post"');
    expect(html).toMatch(/<input id="username" name="username"/);
    expect(html).toMatch(/<input id="password" name="password" type="password"/);
    expect(html).toContain('<button id="login" type="submit">');
    expect(html).toContain('Acme &lt;Agent&gt;');
    expect(html).not.toContain('Acme <Agent>');
  });

  it('cannot be framed and is never cached', async () => {
    const { res } = await openLogin();
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('a wrong password shows the login page again with an error and no redirect', async () => {
    const { browser, html } = await openLogin();
    const res = await browser.post(new URL(actionOf(html, 'login'), idp.url).href, {
      csrf: csrfOf(html),
      username: 'alice',
      password: 'wrong',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    const again = await res.text();
    expect(again).toContain('id="login-error"');
    expect(again).toContain('<form id="login"');
  });

  it('an unknown user gets the same error', async () => {
    const { browser, html } = await openLogin();
    const res = await browser.post(new URL(actionOf(html, 'login'), idp.url).href, {
      csrf: csrfOf(html),
      username: 'mallory',
      password: 'x',
    });
    expect(await res.text()).toContain('Wrong username or password.');
  });

  it('a POST without the CSRF token is refused with 403', async () => {
    const { browser, html } = await openLogin();
    const res = await browser.post(new URL(actionOf(html, 'login'), idp.url).href, { ...ALICE });
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
  });

  it('a POST with a token of another interaction is refused with 403', async () => {
    const first = await openLogin();
    const second = await openLogin();
    const res = await second.browser.post(new URL(actionOf(second.html, 'login'), idp.url).href, {
      csrf: csrfOf(first.html),
      ...ALICE,
    });
    expect(res.status).toBe(403);
  });
});

describe('consent page (MCP Security Considerations §Localhost Redirect URI Risks)', () => {
  it('[AS-19] shows the client name, the redirect host, the scopes and the resource', async () => {
    const { res, html } = await openConsent();
    expect(res.status).toBe(200);
    expect(html).toContain('<form id="consent" method="post"');
    expect(html).toContain('<button id="approve" type="submit" name="decision" value="approve">');
    expect(html).toContain('<button id="deny" type="submit" name="decision" value="deny">');
    expect(html).toContain('Acme &lt;Agent&gt;');
    expect(html).toContain('<strong id="redirect-host">127.0.0.1:3000</strong>');
    expect(html).toContain('data-scope="mcp:tools"');
    expect(html).toContain(`data-resource="${RS}"`);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('[AS-19] names the loopback redirect host and warns about it', async () => {
    const { html } = await openConsent({ redirectUri: 'http://127.0.0.1:3000/cb' });
    expect(html).toContain('<strong id="redirect-host">127.0.0.1:3000</strong>');
    expect(html).toContain('<code id="redirect-uri">http://127.0.0.1:3000/cb</code>');
    const warning = /<p id="localhost-warning"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1]?.replace(/\s+/g, ' ');
    expect(warning).toContain('this application will receive access at a local address on your computer');
    expect(warning).toContain('(<code>127.0.0.1:3000</code>)');
    expect(warning).toContain('Any program on this device could be listening there.');
  });

  it('[AS-19] shows no localhost warning for an https redirect', async () => {
    const web = await registerPublicClient(idp.issuer, {
      application_type: 'web',
      redirect_uris: ['https://app.test/cb'],
    });
    const { html } = await openConsent({ clientId: web, redirectUri: 'https://app.test/cb' });
    expect(html).toContain('<strong id="redirect-host">app.test</strong>');
    expect(html).not.toContain('id="localhost-warning"');
  });

  it('a consent POST without the CSRF token is refused with 403', async () => {
    const { browser, html } = await openConsent();
    const res = await browser.post(new URL(actionOf(html, 'consent'), idp.url).href, { decision: 'approve' });
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
  });

  it('[AS-13 AS-14] deny redirects access_denied with state and iss, once each', async () => {
    const { location } = await runBrowserFlow(
      idp.url,
      idp.issuer,
      { clientId, scope: 'mcp:tools', state: 'st8' },
      'deny',
    );
    expect(`${location.origin}${location.pathname}`).toBe('http://127.0.0.1:3000/cb');
    expect(location.searchParams.getAll('error')).toEqual(['access_denied']);
    expect(location.searchParams.getAll('state')).toEqual(['st8']);
    expect(location.searchParams.getAll('iss')).toEqual([idp.issuer]);
    expect(location.searchParams.has('code')).toBe(false);
  });

  it('[AS-14] approve returns state unchanged, with code, state and iss once each', async () => {
    const state = 'a b/c?d=e&f';
    const { location } = await runBrowserFlow(idp.url, idp.issuer, { clientId, scope: 'mcp:tools', state });
    expect(location.searchParams.getAll('state')).toEqual([state]);
    expect(location.searchParams.getAll('code')).toHaveLength(1);
    expect(location.searchParams.getAll('iss')).toEqual([idp.issuer]);
  });

  it('an unknown interaction id gets an error page, not a redirect', async () => {
    const res = await new Browser().get(`${idp.issuer}/interaction/unknown-uid`);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });
});
