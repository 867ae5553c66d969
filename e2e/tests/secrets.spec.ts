import { connectThroughBrowser } from '../fixtures/browser-flow.js';
import { sdkV2Client } from '../fixtures/sdk-clients.js';
import { expect, test } from '../fixtures/test.js';
import { ALICE, HELLO_JOE } from '../fixtures/users.js';

test('[PX-13 RS-30] after a browser sign-in and a tool call, no log line of the proxy or the server holds a token', async ({
  page,
  stack,
  opener,
  idpKind,
}, testInfo) => {
  const mcp = await sdkV2Client({ mcpUrl: stack.mcpUrl, opener, idpKind });
  try {
    await (await connectThroughBrowser(mcp, opener, page, testInfo, { stack, user: ALICE })).connected;
    expect(await mcp.callTool('hello-world', { name: 'joe' })).toMatch(HELLO_JOE);
    const secrets = await mcp.secrets();
    expect(secrets.length).toBeGreaterThan(0);
    const log = stack.logText();
    expect(log).toContain('hello-world');
    // Compared as booleans so that a failure never prints a token.
    expect(secrets.map((secret) => log.includes(secret))).toEqual(secrets.map(() => false));
  } finally {
    await mcp.close();
  }
});
