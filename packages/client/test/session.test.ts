import { describe, expect, it } from 'vitest';
import { McpSession } from '../src/index.js';
import { idpBrowser, useStack } from './helpers/stack.js';

const stack = useStack();

function text(result: { content: unknown }): string {
  return (result.content as { text: string }[])[0]?.text ?? '';
}

describe('2025-era sessions', () => {
  it('[CL-32] echoes Mcp-Session-Id with the token, and after a 404 for it starts a new session without a new login', async () => {
    const opened: string[] = [];
    const session = await McpSession.connect({
      serverUrl: stack.resource,
      storeDir: await stack.storeDir(),
      allowLoopbackHttp: true,
      openBrowser: idpBrowser(opened),
      protocol: 'legacy',
    });
    try {
      expect(text(await session.callTool('hello-world', { name: 'joe' }))).toContain('Hello, joe!');
      const first = session.sessionId;
      expect(first).toBeTruthy();

      // The server ends the session (as after an idle timeout or a restart); the client is not told.
      const ended = await fetch(stack.resource, {
        method: 'DELETE',
        headers: {
          authorization: `Bearer ${await session.provider.token()}`,
          'mcp-session-id': String(first),
          'mcp-protocol-version': '2025-11-25',
        },
      });
      expect(ended.status).toBe(200);

      expect(text(await session.callTool('hello-world', { name: 'joe' }))).toContain('Hello, joe!');
      expect(session.sessionId).toBeTruthy();
      expect(session.sessionId).not.toBe(first);
      expect(opened).toHaveLength(1);
    } finally {
      await session.close();
    }
  });
});
