import { connectThroughBrowser } from '../fixtures/browser-flow.js';
import { expect, THIRD_PARTY_CLIENTS, test } from '../fixtures/test.js';
import { ALICE, HELLO_JOE } from '../fixtures/users.js';

// Each client nobody here wrote completes the real browser flow against the proxy: 401 → the proxy's PRM → the
// authorization server's metadata (the IdP in direct mode, the proxy in facade mode) → DCR → the authorization
// URL opened in Chromium → login → consent → the client's own loopback callback → token → `hello-world`
// through the proxy to the reference server.
for (const [name, client] of Object.entries(THIRD_PARTY_CLIENTS)) {
  test.describe(name, { tag: client.embeddedOnly ? ['@embedded-only'] : [] }, () => {
    test(`[PX-01] signs in through the browser and calls hello-world through the proxy`, async ({
      page,
      stack,
      opener,
      idpKind,
    }, testInfo) => {
      const mcp = await client.create({ mcpUrl: stack.mcpUrl, opener, idpKind });
      try {
        const flow = await connectThroughBrowser(mcp, opener, page, testInfo, { stack, user: ALICE });
        expect(flow.authorizationUrl.origin).toBe(new URL(stack.authorizationServer).origin);
        expect(flow.authorizationUrl.searchParams.get('resource')).toBe(stack.mcpUrl);
        expect(flow.authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
        expect(flow.landing).toMatchObject({
          origin: expect.stringMatching(/^http:\/\/(127\.0\.0\.1|localhost):\d+$/),
        });
        expect(flow.landing.error).toBeNull();
        // [AS-19] In facade mode the IdP only sees the proxy's callback: the proxy showed the client's redirect host.
        expect(flow.landing.proxyConsent).toBe(stack.proxyMode === 'facade');
        await flow.connected;
        expect(await mcp.callTool('hello-world', { name: 'joe' })).toMatch(HELLO_JOE);
        expect(await mcp.facts()).toMatchObject({ ...client.expected });
      } finally {
        await mcp.close();
      }
    });
  });
}
