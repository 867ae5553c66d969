import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxyMetrics, MemoryStore, resolveOptions, SessionBindings } from '../src/index.js';
import type { StdioUpstreamOptions } from '../src/options.js';
import { StdioSession } from '../src/stdio-session.js';
import { StdioSessions } from '../src/stdio-sessions.js';
import {
  callText,
  connectLegacy,
  errorOf,
  FIXTURE,
  INIT,
  type LocalIssuer,
  modernPost,
  post,
  startLocalIssuer,
  startStdioProxy,
} from './stdio/stack.js';

let issuer: LocalIssuer;

beforeAll(async () => {
  issuer = await startLocalIssuer();
});
afterAll(async () => {
  await issuer?.close();
});

describe('stdio upstream: limits and start-up failures', () => {
  it('answers 503 beyond upstream.maxProcesses and accepts again once a session ends', async () => {
    const proxy = await startStdioProxy(issuer, { maxProcesses: 2 });
    try {
      const joe = await issuer.token(proxy.mcp, 'joe');
      const first = await connectLegacy(proxy.mcp, joe);
      await connectLegacy(proxy.mcp, joe);
      const refused = await post(proxy.mcp, joe, INIT);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect((await errorOf(refused)).message).toMatch(/as many stdio MCP server processes as it may/);
      expect(proxy.logText()).toContain('ERR_PORTCULLIS_PROXY_STDIO_LIMIT');
      await first.transport.terminateSession();
      const third = await connectLegacy(proxy.mcp, joe);
      expect(await callText(third.client, 'hello-world', { name: 'again' })).toBe('Hello, again!');
    } finally {
      await proxy.close();
    }
  });

  it("answers 503 beyond upstream.maxProcessesPerCaller, counting a caller's sessions and 2026-07-28 child together", async () => {
    const proxy = await startStdioProxy(issuer, { maxProcessesPerCaller: 2 });
    try {
      const joe = await issuer.token(proxy.mcp, 'joe');
      const first = await connectLegacy(proxy.mcp, joe);
      expect((await modernPost(proxy.mcp, joe)).status).toBe(200);
      const refused = await post(proxy.mcp, joe, INIT);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect((await errorOf(refused)).message).toMatch(
        /^the caller has reached its limit of stdio MCP server/,
      );
      expect(proxy.logText()).toContain('limit of 2 stdio processes (upstream.maxProcessesPerCaller)');
      const bob = await issuer.token(proxy.mcp, 'bob');
      await connectLegacy(proxy.mcp, bob);
      await connectLegacy(proxy.mcp, bob);
      expect((await modernPost(proxy.mcp, bob)).status).toBe(503);
      await first.transport.terminateSession();
      const again = await connectLegacy(proxy.mcp, joe);
      expect(await callText(again.client, 'hello-world', { name: 'again' })).toBe('Hello, again!');
    } finally {
      await proxy.close();
    }
  });

  it('keeps no tools/list filter for a request the transport refuses (406, 400): nothing reached the child', async () => {
    const idp = { issuer: 'http://127.0.0.1:1', jwksUri: 'http://127.0.0.1:1/jwks' };
    const options = resolveOptions({
      idp,
      upstream: { kind: 'stdio', command: process.execPath, args: [FIXTURE] },
    });
    const bindings = new SessionBindings(new MemoryStore(), 60_000);
    const log = pino({ level: 'silent' });
    const upstream = options.upstream as StdioUpstreamOptions;
    const sessions = new StdioSessions(upstream, bindings, 60_000, createProxyMetrics(), log);
    try {
      const init = { ...INIT, jsonrpc: '2.0' as const };
      const session = await sessions.open(init, undefined);
      if (!(session instanceof StdioSession)) throw new Error('no session');
      const request = (accept: string, version = '2025-11-25') =>
        new Request('http://stdio.invalid/mcp', {
          method: 'POST',
          headers: {
            accept,
            'content-type': 'application/json',
            'mcp-session-id': session.id,
            'mcp-protocol-version': version,
          },
        });
      const both = 'application/json, text/event-stream';
      expect((await session.handle(request(both), init, [init], undefined)).status).toBe(200);
      const filter = { granted: ['mcp:tools'], gate: () => true };
      const list = (id: string) => ({ jsonrpc: '2.0' as const, id, method: 'tools/list' });
      const refused = await session.handle(request('application/json'), list('a'), [list('a')], filter);
      expect(refused.status).toBe(406);
      const badVersion = await session.handle(request(both, '1999-01-01'), list('b'), [list('b')], filter);
      expect(badVersion.status).toBe(400);
      expect(session.filteredToolLists).toBe(0);
      const accepted = await session.handle(request(both), list('c'), [list('c')], filter);
      expect(accepted.status).toBe(200);
      expect(await accepted.text()).toContain('"hello-world"');
      expect(session.filteredToolLists).toBe(0);
    } finally {
      await sessions.close();
    }
  });

  it('answers 502 when the command cannot start, naming the command in the log only', async () => {
    const proxy = await startStdioProxy(issuer, { command: 'portcullis-no-such-mcp-server', args: [] });
    try {
      const res = await post(proxy.mcp, await issuer.token(proxy.mcp, 'joe'), INIT);
      expect(res.status).toBe(502);
      const error = await errorOf(res);
      expect(error).toMatchObject({
        code: -32000,
        message: 'the proxy could not start its stdio MCP server',
      });
      expect(proxy.logText()).toContain('ERR_PORTCULLIS_PROXY_STDIO_SPAWN_FAILED');
      expect(proxy.logText()).toContain(
        'could not start the stdio MCP server \\"portcullis-no-such-mcp-server\\": spawn portcullis-no-such-mcp-server ENOENT',
      );
    } finally {
      await proxy.close();
    }
  });

  it('answers 502 when the child exits before answering initialize, and logs its stderr', async () => {
    const proxy = await startStdioProxy(issuer, { env: { FIXTURE_MODE: 'exit-at-start' } });
    try {
      const res = await post(proxy.mcp, await issuer.token(proxy.mcp, 'joe'), INIT);
      expect(res.status).toBe(502);
      expect((await errorOf(res)).message).toBe('the stdio MCP server exited before answering initialize');
      expect(proxy.logText()).toMatch(/exited \(code 2\) before answering initialize/);
      expect(proxy.logText()).toMatch(/\[stdio \d+\] fixture: exiting at start/);
    } finally {
      await proxy.close();
    }
  });

  it('answers 504 and stops the child when it does not answer initialize within upstream.timeoutMs', async () => {
    const proxy = await startStdioProxy(issuer, { env: { FIXTURE_MODE: 'silent' }, timeoutMs: 300 });
    try {
      const res = await post(proxy.mcp, await issuer.token(proxy.mcp, 'joe'), INIT);
      expect(res.status).toBe(504);
      expect((await errorOf(res)).message).toBe('the stdio MCP server did not answer initialize in time');
      expect(proxy.logText()).toMatch(/did not answer initialize within 300 ms/);
      const metrics = await (await fetch(proxy.mcp.replace('/mcp', '/metrics'))).text();
      expect(metrics).toMatch(/^portcullis_proxy_stdio_processes 0$/m);
    } finally {
      await proxy.close();
    }
  });

  it('passes an initialize error of the child to the client, without a session or a process left', async () => {
    const proxy = await startStdioProxy(issuer, { env: { FIXTURE_MODE: 'refuse-initialize' } });
    try {
      const res = await post(proxy.mcp, await issuer.token(proxy.mcp, 'joe'), INIT);
      expect(res.status).toBe(200);
      expect(res.headers.get('mcp-session-id')).toBeNull();
      expect(await res.json()).toEqual({
        jsonrpc: '2.0',
        id: 1,
        error: { code: -32602, message: 'fixture refuses to initialize' },
      });
      const metrics = await (await fetch(proxy.mcp.replace('/mcp', '/metrics'))).text();
      expect(metrics).toMatch(/^portcullis_proxy_stdio_processes 0$/m);
    } finally {
      await proxy.close();
    }
  });

  it('answers 400 to a request without a session that is not initialize', async () => {
    const proxy = await startStdioProxy(issuer);
    try {
      const res = await post(proxy.mcp, await issuer.token(proxy.mcp, 'joe'), {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/list',
      });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toMatch(/Mcp-Session-Id header is required/);
    } finally {
      await proxy.close();
    }
  });
});
