import { connectThroughBrowser, nextAuthorizationUrl } from '../fixtures/browser-flow.js';
import { LoopbackCallback } from '../fixtures/loopback-callback.js';
import { sdkV2Client } from '../fixtures/sdk-clients.js';
import {
  answerConsent,
  attachScreenshot,
  consentForms,
  loginError,
  openAuthorizationUrl,
  submitLogin,
} from '../fixtures/sign-in.js';
import { expect, test } from '../fixtures/test.js';
import { ALICE, HELLO_JOE } from '../fixtures/users.js';

// Refusals a user causes in the browser, seen by a client nobody here wrote (the MCP SDK v2 client).
test.describe('refusals in the browser', () => {
  test('a denied consent reaches the client as access_denied and leaves it without a token', async ({
    page,
    stack,
    opener,
    idpKind,
  }, testInfo) => {
    const mcp = await sdkV2Client({ mcpUrl: stack.mcpUrl, opener, idpKind });
    try {
      const flow = await connectThroughBrowser(mcp, opener, page, testInfo, {
        stack,
        user: ALICE,
        decision: 'deny',
      });
      expect(flow.landing.error).toBe('access_denied');
      await expect(page.locator('#callback-result')).toHaveText('Authorization failed');
      // The SDK checks `iss` (RFC 9207) first and then raises the authorization server's error.
      await expect(flow.connected).rejects.toMatchObject({ code: 'access_denied' });
      expect(await mcp.facts()).toMatchObject({ holdsToken: false });
      expect(await mcp.secrets()).toEqual([]);
    } finally {
      await mcp.close();
    }
  });

  test('a wrong password keeps the user on the login page with an error, and the right one still works', async ({
    page,
    stack,
    opener,
    idpKind,
  }, testInfo) => {
    const mcp = await sdkV2Client({ mcpUrl: stack.mcpUrl, opener, idpKind });
    try {
      const connected = mcp.connect();
      await openAuthorizationUrl(page, await nextAuthorizationUrl(mcp, connected, opener), testInfo);
      await submitLogin(page, idpKind, { ...ALICE, password: 'not-alices-password' }, testInfo);
      expect(await loginError(page, idpKind)).toMatch(/(wrong|invalid) username or password/i);
      await attachScreenshot(page, testInfo, `${idpKind} login page after a wrong password`);
      expect(new URL(page.url()).origin).toBe(new URL(stack.idp.issuer).origin);
      await expect(consentForms(page, idpKind)).toHaveCount(0);
      expect(await mcp.facts()).toMatchObject({ holdsToken: false });

      await submitLogin(page, idpKind, ALICE, testInfo);
      await answerConsent(page, idpKind, 'approve', testInfo);
      await connected;
      expect(await mcp.callTool('hello-world', { name: 'joe' })).toMatch(HELLO_JOE);
    } finally {
      await mcp.close();
    }
  });

  test('[AS-06 AS-22] a tampered redirect_uri is refused on the authorization server page, never redirected', async ({
    page,
    stack,
    opener,
    idpKind,
  }, testInfo) => {
    const mcp = await sdkV2Client({ mcpUrl: stack.mcpUrl, opener, idpKind });
    const attacker = await LoopbackCallback.start();
    try {
      const url = await nextAuthorizationUrl(mcp, mcp.connect(), opener);
      url.searchParams.set('redirect_uri', attacker.redirectUrl.replace('/callback', '/stolen'));
      await openAuthorizationUrl(page, url, testInfo);
      await expect(page.locator('body')).toContainText(/redirect.?uri/i);
      await attachScreenshot(page, testInfo, `${idpKind} error page for a tampered redirect_uri`);
      expect(new URL(page.url()).origin).toBe(new URL(stack.authorizationServer).origin);
      expect(attacker.requests).toBe(0);
      expect(await mcp.facts()).toMatchObject({ holdsToken: false });
    } finally {
      await attacker.close();
      await mcp.close();
    }
  });
});
