import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBearerChallenge } from '@portcullis/metadata';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  alive,
  callText,
  connectLegacy,
  connectModern,
  INIT,
  type LocalIssuer,
  post,
  type StdioProxy,
  startLocalIssuer,
  startStdioProxy,
  until,
} from './stdio/stack.js';

let issuer: LocalIssuer;
let proxy: StdioProxy;
let joe: string;
let alice: string;
let stdinLog: string;

beforeAll(async () => {
  issuer = await startLocalIssuer();
  stdinLog = join(await mkdtemp(join(tmpdir(), 'portcullis-stdio-')), 'stdin.log');
  process.env.PORTCULLIS_TEST_SECRET = 'proxy-only-secret';
  proxy = await startStdioProxy(issuer, { env: { FIXTURE_STDIN_LOG: stdinLog } });
  joe = await issuer.token(proxy.mcp, 'joe');
  alice = await issuer.token(proxy.mcp, 'alice');
});
afterAll(async () => {
  delete process.env.PORTCULLIS_TEST_SECRET;
  await proxy?.close();
  await issuer?.close();
});

describe('stdio upstream: a stdio MCP server behind the proxy', () => {
  it('[PX-01] the SDK v2 client in legacy mode (2025-11-25) calls hello-world through the proxy', async () => {
    const { client, transport } = await connectLegacy(proxy.mcp, joe);
    expect(client.getProtocolEra()).toBe('legacy');
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await callText(client, 'hello-world', { name: 'joe' })).toBe('Hello, joe!');
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('pid');
    await transport.terminateSession();
    await client.close();
  });

  it('[PX-11 RS-22] gives each caller its own child and refuses one caller the session of another (404)', async () => {
    const a = await connectLegacy(proxy.mcp, joe);
    const b = await connectLegacy(proxy.mcp, alice);
    const pidA = await callText(a.client, 'pid');
    const pidB = await callText(b.client, 'pid');
    expect(pidA).not.toBe(pidB);
    const stolen = await post(
      proxy.mcp,
      alice,
      { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'pid', arguments: {} } },
      a.transport.sessionId,
    );
    expect(stolen.status).toBe(404);
    expect(((await stolen.json()) as { error: { code: number } }).error.code).toBe(-32001);
    expect(await callText(a.client, 'pid')).toBe(pidA);
    await Promise.all([a.transport.terminateSession(), b.transport.terminateSession()]);
    await Promise.all([a.client.close(), b.client.close()]);
  });

  it("delivers the child's progress notifications during a call, next to a concurrent call", async () => {
    const { client, transport } = await connectLegacy(proxy.mcp, joe);
    const seen: number[] = [];
    const [result, hello] = await Promise.all([
      client.callTool(
        { name: 'progress', arguments: {} },
        { onprogress: (p: { progress: number }) => void seen.push(p.progress) },
      ),
      callText(client, 'hello-world', { name: 'meanwhile' }),
    ]);
    expect((result as { content: { text: string }[] }).content[0]?.text).toBe('done');
    expect(hello).toBe('Hello, meanwhile!');
    expect(seen).toEqual([1, 2]);
    await transport.terminateSession();
    await client.close();
  });

  it('[RS-01 RS-21] refuses a request without a token with 401 before spawning, also inside a session', async () => {
    const before = proxy.logText().split('started for a new session').length;
    const res = await post(proxy.mcp, undefined, INIT);
    expect(res.status).toBe(401);
    expect(parseBearerChallenge(res.headers.get('www-authenticate') ?? '')?.resource_metadata).toBe(
      proxy.mcp.replace('/mcp', '/.well-known/oauth-protected-resource/mcp'),
    );
    expect(proxy.logText().split('started for a new session').length).toBe(before);
    const { client, transport } = await connectLegacy(proxy.mcp, joe);
    const ping = { jsonrpc: '2.0', id: 5, method: 'ping' };
    expect((await post(proxy.mcp, undefined, ping, transport.sessionId)).status).toBe(401);
    const ok = await post(proxy.mcp, joe, ping, transport.sessionId);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('"id":5');
    await transport.terminateSession();
    await client.close();
  });

  it('[PX-01] a 2026-07-28 client (SDK v2 pinned to the modern era) lists and calls tools, with progress', async () => {
    const client = await connectModern(proxy.mcp, joe);
    expect(client.getProtocolEra()).toBe('modern');
    expect(await callText(client, 'hello-world', { name: 'modern' })).toBe('Hello, modern!');
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['hello-world', 'pid']),
    );
    const seen: number[] = [];
    const result = await client.callTool(
      { name: 'progress', arguments: {} },
      { onprogress: (p: { progress: number }) => void seen.push(p.progress) },
    );
    expect((result as { content: { text: string }[] }).content[0]?.text).toBe('done');
    expect(seen).toEqual([1, 2]);
    await client.close();
  });

  it('[PX-11] keeps one child per caller for 2026-07-28 requests: reused by its caller, never shared with another', async () => {
    const modern = (token: string) => connectModern(proxy.mcp, token);
    const [a, b] = [await modern(joe), await modern(alice)];
    const pidA = await callText(a, 'pid');
    expect(await callText(a, 'pid')).toBe(pidA);
    const again = await modern(joe);
    expect(await callText(again, 'pid')).toBe(pidA);
    expect(await callText(b, 'pid')).not.toBe(pidA);
    await Promise.all([a.close(), b.close(), again.close()]);
  });

  it('answers server/discover for the child, and auto-mode clients now choose 2026-07-28', async () => {
    const res = await fetch(proxy.mcp, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${joe}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'server/discover',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'server/discover',
        params: {
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      result: { supportedVersions: string[]; capabilities: Record<string, unknown> };
    };
    expect(body.result.supportedVersions).toContain('2026-07-28');
    expect(body.result.capabilities).toHaveProperty('tools');

    const client = await connectModern(proxy.mcp, joe, 'auto');
    expect(client.getProtocolEra()).toBe('modern');
    expect(await callText(client, 'hello-world', { name: 'auto' })).toBe('Hello, auto!');
    await client.close();
  });

  it('cancels at the child a 2026-07-28 request whose client gave up', async () => {
    const client = await connectModern(proxy.mcp, joe);
    const controller = new AbortController();
    const call = client.callTool({ name: 'sleep', arguments: { ms: 10_000 } }, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    await expect(call).rejects.toThrow();
    const cancelled = async () => {
      const lines = (await readFile(stdinLog, 'utf8')).split('\n').filter(Boolean);
      return lines
        .map((line) => JSON.parse(line) as { method?: string; params?: { requestId?: string } })
        .find(
          (m) =>
            m.method === 'notifications/cancelled' && String(m.params?.requestId).startsWith('portcullis-'),
        );
    };
    const deadline = Date.now() + 3_000;
    while ((await cancelled()) === undefined && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(await cancelled()).toBeDefined();
    await client.close();
  });

  it('a child that exits answers the waiting 2026-07-28 request with an error; the next request gets a new child', async () => {
    const client = await connectModern(proxy.mcp, alice);
    const before = await callText(client, 'pid');
    await expect(client.callTool({ name: 'crash', arguments: {} })).rejects.toThrow(/exited \(code 3\)/);
    const after = await callText(client, 'pid');
    expect(after).not.toBe(before);
    await client.close();
  });

  it('a child that exits while a process it started holds its stdout open fails the waiting call all the same', async () => {
    onTestFinished(() => {
      const orphan = Number(/fixture: orphan (\d+)/.exec(proxy.logText())?.[1]);
      if (orphan > 0 && alive(orphan)) process.kill(orphan);
    });
    const { client } = await connectLegacy(proxy.mcp, joe);
    await expect(client.callTool({ name: 'crash-orphan', arguments: {} })).rejects.toThrow(
      /stdio MCP server exited \(code 3\)/,
    );
    await client.close();
  });

  it('logs a stderr line longer than 2000 characters cut, as soon as it is that long (never held whole)', async () => {
    const { client, transport } = await connectLegacy(proxy.mcp, joe);
    const pid = await callText(client, 'pid');
    expect(await callText(client, 'stderr-flood', { chars: 100_000 })).toBe('flooded');
    const cut = new RegExp(`\\[stdio ${pid}\\] x{2000} … \\[line cut at 2000 characters\\]`);
    await until(() => cut.test(proxy.logText()));
    expect(proxy.logText()).not.toMatch(/x{2001}/);
    await transport.terminateSession();
    await client.close();
  });

  it('[PX-02 PX-13] the child gets neither the client token nor the proxy environment; its stderr is logged', async () => {
    const { client, transport } = await connectLegacy(proxy.mcp, joe);
    const pid = await callText(client, 'pid');
    const env = JSON.parse(await callText(client, 'env')) as Record<string, string>;
    expect(env.FIXTURE_STDIN_LOG).toBe(stdinLog);
    expect(env.PORTCULLIS_TEST_SECRET).toBeUndefined();
    expect(JSON.stringify(env)).not.toContain(joe);
    const stdin = await readFile(stdinLog, 'utf8');
    expect(stdin).toContain('"tools/call"');
    expect(stdin).not.toContain(joe);
    expect(stdin.toLowerCase()).not.toContain('bearer');
    await transport.terminateSession();
    await client.close();
    expect(proxy.logText()).toContain(`[stdio ${pid}] fixture: ready as ${pid}`);
    expect(proxy.logText()).not.toContain(joe);
    expect(proxy.logText()).not.toContain(joe.split('.')[2] ?? joe);
  });
});
