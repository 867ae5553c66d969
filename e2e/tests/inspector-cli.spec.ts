import { connectThroughBrowser } from '../fixtures/browser-flow.js';
import { resultText } from '../fixtures/browser-flow-client.js';
import { inspectorCallTool } from '../fixtures/inspector-cli.js';
import { sdkV2Client } from '../fixtures/sdk-clients.js';
import { expect, test } from '../fixtures/test.js';
import { ALICE, HELLO_JOE } from '../fixtures/users.js';

// MCP Inspector's CLI (@modelcontextprotocol/inspector-cli 1.0.3, the v1 line) has no OAuth client, so it cannot
// complete the browser flow itself: these tests record what it can do against the proxy.
test.describe('MCP Inspector CLI 1.0.3', { tag: '@embedded-only' }, () => {
  test('has no OAuth client: without a token it stops at the proxy 401', async ({ stack }) => {
    const run = await inspectorCallTool(stack.mcpUrl, 'hello-world', { name: 'joe' });
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toMatch(/needs a Bearer access token/);
  });

  test('calls hello-world through the proxy with a token obtained in the browser, passed as a header', async ({
    page,
    stack,
    opener,
    idpKind,
  }, testInfo) => {
    const mcp = await sdkV2Client({ mcpUrl: stack.mcpUrl, opener, idpKind });
    try {
      await (await connectThroughBrowser(mcp, opener, page, testInfo, { stack, user: ALICE })).connected;
      const [accessToken] = await mcp.secrets();
      const run = await inspectorCallTool(stack.mcpUrl, 'hello-world', { name: 'joe' }, accessToken);
      expect(run.exitCode).toBe(0);
      expect(resultText(JSON.parse(run.stdout))).toMatch(HELLO_JOE);
    } finally {
      await mcp.close();
    }
  });
});
