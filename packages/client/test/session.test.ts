import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { McpSession } from '../src/index.js';
import { idpBrowser, useStack } from './helpers/stack.js';

const stack = useStack();

/** Options for a session against the stack, in a fresh token store, logging in through `opened`'s browser. */
async function sessionOptions(opened: string[]) {
  return {
    serverUrl: stack.resource,
    storeDir: await stack.storeDir(),
    allowLoopbackHttp: true,
    openBrowser: idpBrowser(opened),
  };
}

function text(result: { content: unknown }): string {
  return (result.content as { type: string; text: string }[]).map((c) => c.text).join('\n');
}

describe('McpSession against the embedded IdP and the reference server', () => {
  it('[CL-09 CL-16 CL-18 CL-23] logs in through the browser and calls hello-world', async () => {
    const opened: string[] = [];
    const session = await McpSession.connect(await sessionOptions(opened));
    const tools = await session.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('hello-world');
    expect(text(await session.callTool('hello-world', { name: 'joe' }))).toBe(
      'Hello, joe! Your user agent is: node',
    );
    expect(opened).toHaveLength(1);
    const auth = new URL(opened[0] ?? '');
    expect(auth.searchParams.get('resource')).toBe(stack.resource);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('scope')?.split(' ')).toContain('mcp:tools');
    const claims = await session.provider.claims();
    expect(claims?.aud).toContain(stack.resource);
    await session.close();
  });

  it('[CL-13] steps up to mcp:admin with the union of scopes for admin-stats', async () => {
    const opened: string[] = [];
    const session = await McpSession.connect(await sessionOptions(opened));
    const result = await session.callTool('admin-stats');
    expect(JSON.parse(text(result))).toHaveProperty('uptimeSeconds');
    expect(opened).toHaveLength(2);
    const second = new URL(opened[1] ?? '').searchParams.get('scope')?.split(' ') ?? [];
    expect(second).toEqual(expect.arrayContaining(['mcp:tools', 'mcp:admin']));
    expect(String((await session.provider.claims())?.scope).split(' ')).toContain('mcp:admin');
    await session.close();
  });

  it('[CL-25 CL-30] reuses stored tokens in a new session and refreshes an expiring token with resource', async () => {
    const storeDir = await stack.storeDir();
    const opened: string[] = [];
    const options = {
      serverUrl: stack.resource,
      storeDir,
      allowLoopbackHttp: true,
      openBrowser: idpBrowser(opened),
    };
    const first = await McpSession.connect(options);
    const before = await first.provider.claims();
    await first.close();
    const files = await readdir(join(storeDir, 'tokens'));
    const tokenFile = files.find((f) => f.endsWith('.json'));
    expect(((await stat(join(storeDir, 'tokens', tokenFile ?? ''))).mode & 0o777).toString(8)).toBe('600');

    const second = await McpSession.connect({ ...options, refreshSkewSeconds: 100_000 });
    expect(text(await second.callTool('hello-world', { name: 'again' }))).toContain('Hello, again!');
    const after = await second.provider.claims();
    expect(opened).toHaveLength(1);
    expect(after?.jti).not.toBe(before?.jti);
    expect(after?.aud).toEqual(before?.aud);
    await second.close();
  });
});

describe('2025-era sessions', () => {
  it('[CL-32] echoes Mcp-Session-Id with the token, and after a 404 for it starts a new session without a new login', async () => {
    const opened: string[] = [];
    const session = await McpSession.connect({ ...(await sessionOptions(opened)), protocol: 'legacy' });
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
