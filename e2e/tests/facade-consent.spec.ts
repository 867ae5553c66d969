import { createHash, randomBytes } from 'node:crypto';
import { LoopbackCallback } from '../fixtures/loopback-callback.js';
import { answerConsent, attachScreenshot, proxyConsentForms, submitLogin } from '../fixtures/sign-in.js';
import type { Stack } from '../fixtures/stack.js';
import { expect, test } from '../fixtures/test.js';
import { ALICE } from '../fixtures/users.js';

/** Register a public loopback client at the proxy (`/register`, RFC 7591), as an MCP client does. */
async function registerAtProxy(stack: Stack, name: string, redirectUri: string): Promise<string> {
  const response = await fetch(`${stack.proxyUrl}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: name,
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      application_type: 'native',
    }),
  });
  const body = (await response.json()) as { client_id?: string };
  if (response.status !== 201 || body.client_id === undefined)
    throw new Error(`registration at the proxy answered ${response.status}`);
  return body.client_id;
}

/** An authorization request to the proxy for `clientId` (PKCE S256, `state`, `resource`). */
function authorizationUrl(stack: Stack, clientId: string, redirectUri: string): URL {
  const url = new URL(`${stack.proxyUrl}/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'mcp:tools',
    resource: stack.mcpUrl,
    state: randomBytes(12).toString('base64url'),
    code_challenge: createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  return url;
}

// The proxy's own consent page in facade mode, in a real browser: Chromium must be able to post it (its Origin
// kept under the page's Referrer-Policy), and it must show where the code goes, which the IdP cannot.
test.describe('the proxy consent page in Chromium', { tag: '@facade-only' }, () => {
  test('[AS-19 PX-04] names the client and its redirect host; "Allow" posts with the proxy Origin and goes on to the IdP; once per browser', async ({
    page,
    stack,
  }, testInfo) => {
    const callback = await LoopbackCallback.start();
    try {
      const clientId = await registerAtProxy(stack, 'E2E consent client', callback.redirectUrl);
      const first = authorizationUrl(stack, clientId, callback.redirectUrl);
      const shown = await page.goto(first.href);
      expect(shown?.status()).toBe(200);
      expect(shown?.headers()['referrer-policy']).toBe('same-origin');
      await expect(proxyConsentForms(page)).toHaveCount(1);
      const text = page.locator('body');
      await expect(text).toContainText('E2E consent client');
      await expect(text).toContainText(new URL(callback.redirectUrl).host);
      await expect(text).toContainText('localhost redirect');
      await attachScreenshot(page, testInfo, 'proxy consent page');

      const isConsentPost = (url: string, method: string) =>
        method === 'POST' && url === `${stack.proxyUrl}/consent`;
      const [answer] = await Promise.all([
        page.waitForResponse((r) => isConsentPost(r.url(), r.request().method())),
        page.locator('form#portcullis-consent button[value=approve]').click(),
      ]);
      const sent = await answer.request().allHeaders();
      expect(sent.origin).toBe(new URL(stack.proxyUrl).origin);
      expect(answer.status()).toBe(303);

      await submitLogin(page, stack.idp.kind, ALICE, testInfo);
      await answerConsent(page, stack.idp.kind, 'approve', testInfo);
      const params = await callback.next();
      expect(params.get('error')).toBeNull();
      expect(params.get('code')).not.toBeNull();
      expect(params.get('iss')).toBe(stack.authorizationServer);

      // The approval cookie remembers this client in this browser: no proxy page the second time.
      await page.goto(authorizationUrl(stack, clientId, callback.redirectUrl).href);
      await expect(proxyConsentForms(page)).toHaveCount(0);
      expect(new URL(page.url()).origin).not.toBe(new URL(stack.proxyUrl).origin);
    } finally {
      await callback.close();
    }
  });
});
