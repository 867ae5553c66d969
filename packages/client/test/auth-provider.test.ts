import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpOAuthProvider, McpSession, TokenStore } from '../src/index.js';
import { followingBrowser, type MockStack, startMockStack } from './helpers/mock-as.js';
import { useStoreDirs } from './helpers/stack.js';

const storeDir = useStoreDirs();
let a: MockStack;
let b: MockStack;
beforeAll(async () => {
  a = await startMockStack();
  b = await startMockStack();
});
afterAll(async () => {
  await a.close();
  await b.close();
});

/** Options for a session against stack `a` in the token store `dir`, the browser recording into `opened`. */
function optionsFor(dir: string, opened: string[] = []) {
  return {
    serverUrl: a.resource,
    storeDir: dir,
    allowLoopbackHttp: true,
    openBrowser: followingBrowser(opened),
  };
}

function text(result: { content: unknown }): string {
  return (result.content as { text: string }[])[0]?.text ?? '';
}

async function storedTokenFile(dir: string, provider: McpOAuthProvider): Promise<string> {
  const info = await provider.session();
  return join(
    dir,
    'tokens',
    `${TokenStore.tokenKey(info?.issuer ?? '', info?.resource ?? '', info?.client_id ?? '')}.json`,
  );
}

describe('McpOAuthProvider refresh and token handling', () => {
  it('[CL-25] on 401 for a stored token it refreshes with resource and retries once, without a new login', async () => {
    const dir = await storeDir();
    const opened: string[] = [];
    const options = optionsFor(dir, opened);
    const first = await McpSession.connect(options);
    const file = await storedTokenFile(dir, first.provider);
    await first.close();
    const stored = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...stored, access_token: 'revoked-token' }), { mode: 0o600 });

    const second = await McpSession.connect(options);
    expect(text(await second.callTool('hello-world', { name: 'joe' }))).toContain('Hello, joe!');
    await second.close();
    expect(opened).toHaveLength(1);
    const refresh = a.requests.filter((r) => r.path === '/token' && r.params.grant_type === 'refresh_token');
    expect(refresh).toHaveLength(1);
    expect(refresh[0]?.params.resource).toBe(a.resource);
    expect(refresh[0]?.params.refresh_token).toBe(stored.refresh_token);
  });

  it('[CL-25] runs the full flow again when the refresh token is no longer accepted', async () => {
    const dir = await storeDir();
    const opened: string[] = [];
    const options = optionsFor(dir, opened);
    const first = await McpSession.connect(options);
    const file = await storedTokenFile(dir, first.provider);
    await first.close();
    const stored = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...stored, access_token: 'revoked', refresh_token: 'revoked' }));
    const second = await McpSession.connect(options);
    expect(text(await second.callTool('hello-world', { name: 'joe' }))).toContain('Hello, joe!');
    await second.close();
    expect(opened).toHaveLength(2);
  });

  it('[CL-25 CL-26] refreshes ahead of expiry and keeps the rotated refresh token', async () => {
    const dir = await storeDir();
    const options = optionsFor(dir);
    const session = await McpSession.connect(options);
    const file = await storedTokenFile(dir, session.provider);
    await session.close();
    const before = JSON.parse(await readFile(file, 'utf8'));
    const provider = new McpOAuthProvider({ ...options, refreshSkewSeconds: 10_000 });
    const token = await provider.token();
    const after = JSON.parse(await readFile(file, 'utf8'));
    expect(token).toBe(after.access_token);
    expect(after.access_token).not.toBe(before.access_token);
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect(a.refreshes).toContain(before.refresh_token);
  });

  it("[CL-06 CL-24] keeps tokens per server and authorization server, and never sends one server's token to another", async () => {
    const common = { storeDir: await storeDir(), allowLoopbackHttp: true, openBrowser: followingBrowser() };
    const sessionA = await McpSession.connect({ ...common, serverUrl: a.resource });
    const tokenA = await sessionA.provider.token();
    await sessionA.close();
    const sessionB = await McpSession.connect({ ...common, serverUrl: b.resource });
    expect(text(await sessionB.callTool('hello-world', { name: 'b' }))).toContain('Hello, b!');
    const tokenB = await sessionB.provider.token();
    await sessionB.close();
    expect(tokenA).toBeDefined();
    expect(tokenB).not.toBe(tokenA);
    expect(b.authorizations).toContain(`Bearer ${tokenB}`);
    expect(b.authorizations).not.toContain(`Bearer ${tokenA}`);
    expect((await sessionB.provider.session())?.issuer).toBe(b.issuer);
    expect((await new McpOAuthProvider({ ...common, serverUrl: a.resource }).session())?.issuer).toBe(
      a.issuer,
    );
    expect(b.requests.some((r) => JSON.stringify(r).includes(tokenA ?? 'none'))).toBe(false);
  });

  it('[CL-23 CL-31] sends the bearer token and MCP-Protocol-Version on every MCP request, never the token in the URL', async () => {
    const session = await McpSession.connect({
      serverUrl: a.resource,
      storeDir: await storeDir(),
      allowLoopbackHttp: true,
      openBrowser: followingBrowser(),
    });
    const from = a.authorizations.length;
    const versionsFrom = a.protocolVersions.length;
    await session.listTools();
    await session.callTool('whoami');
    const token = await session.provider.token();
    await session.close();
    const sent = a.authorizations.slice(from);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(sent.every((h) => h === `Bearer ${token}`)).toBe(true);
    expect(a.protocolVersions.slice(versionsFrom).every((v) => v !== undefined && v.length > 0)).toBe(true);
  });

  it('[CL-27] logs in again on the loopback port of the stored registration, without registering again', async () => {
    const options = { serverUrl: a.resource, storeDir: await storeDir(), allowLoopbackHttp: true };
    const opened: string[] = [];
    const first = await McpSession.connect({ ...options, openBrowser: followingBrowser(opened) });
    await first.provider.logout();
    await first.close();
    const second = await McpSession.connect({ ...options, openBrowser: followingBrowser(opened) });
    await second.close();
    const redirects = opened.map((u) => new URL(u).searchParams.get('redirect_uri'));
    expect(redirects).toHaveLength(2);
    expect(redirects[1]).toBe(redirects[0]);
    const clients = new Set(opened.map((u) => new URL(u).searchParams.get('client_id')));
    expect(clients.size).toBe(1);
  });
});
