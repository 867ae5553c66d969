import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StoreUnavailableError } from '../src/errors.js';
import { MemoryStore } from '../src/index.js';
import { modernCall } from './helpers/proxy.js';
import {
  alive,
  callText,
  connectLegacy,
  connectModern,
  errorOf,
  INIT,
  type LocalIssuer,
  modernPost,
  post,
  startLocalIssuer,
  startStdioProxy,
  stdinLogFile,
  stdinReceived,
  until,
} from './stdio/stack.js';

let issuer: LocalIssuer;

beforeAll(async () => {
  issuer = await startLocalIssuer();
});
afterAll(async () => {
  await issuer?.close();
});

describe('stdio upstream: child processes follow their sessions', () => {
  it('DELETE ends the session and its child: the process is gone when the answer arrives', async () => {
    const proxy = await startStdioProxy(issuer);
    try {
      const { client, transport } = await connectLegacy(proxy.mcp, await issuer.token(proxy.mcp, 'joe'));
      const pid = Number(await callText(client, 'pid'));
      expect(alive(pid)).toBe(true);
      const session = transport.sessionId;
      await transport.terminateSession();
      expect(alive(pid)).toBe(false);
      const after = await post(proxy.mcp, await issuer.token(proxy.mcp, 'joe'), INIT, session);
      expect(after.status).toBe(404);
      await client.close();
    } finally {
      await proxy.close();
    }
  });

  it('closing the proxy stops every child', async () => {
    const proxy = await startStdioProxy(issuer);
    const pids: number[] = [];
    for (const sub of ['joe', 'alice', 'bob']) {
      const { client } = await connectLegacy(proxy.mcp, await issuer.token(proxy.mcp, sub));
      pids.push(Number(await callText(client, 'pid')));
    }
    expect(pids.every(alive)).toBe(true);
    await proxy.close();
    expect(pids.some(alive)).toBe(false);
  });

  it('a child that crashes mid-call fails the call with a JSON-RPC error, then 502, then 404', async () => {
    const proxy = await startStdioProxy(issuer);
    try {
      const joe = await issuer.token(proxy.mcp, 'joe');
      const { client, transport } = await connectLegacy(proxy.mcp, joe);
      const pid = Number(await callText(client, 'pid'));
      await expect(client.callTool({ name: 'crash', arguments: {} })).rejects.toThrow(
        /stdio MCP server exited \(code 3\)/,
      );
      expect(alive(pid)).toBe(false);
      const ping = { jsonrpc: '2.0', id: 7, method: 'ping' };
      const next = await post(proxy.mcp, joe, ping, transport.sessionId);
      expect(next.status).toBe(502);
      expect((await errorOf(next)).message).toMatch(/exited \(code 3\); start a new session/);
      expect((await post(proxy.mcp, joe, ping, transport.sessionId)).status).toBe(404);
      await client.close();
    } finally {
      await proxy.close();
    }
  });

  it('ends an idle session and its child after sessions.idleMs', async () => {
    const proxy = await startStdioProxy(issuer, {}, { idleMs: 300 });
    try {
      const joe = await issuer.token(proxy.mcp, 'joe');
      const { client, transport } = await connectLegacy(proxy.mcp, joe);
      const pid = Number(await callText(client, 'pid'));
      await until(() => !alive(pid));
      const ping = { jsonrpc: '2.0', id: 8, method: 'ping' };
      expect((await post(proxy.mcp, joe, ping, transport.sessionId)).status).toBe(404);
      await client.close();
    } finally {
      await proxy.close();
    }
  });
});

describe('stdio upstream: a state store that cannot delete bindings', () => {
  /** The proxy's memory store refuses deletes, as Redis does when it is down. */
  function storeDown() {
    const error = new StoreUnavailableError('the state store is down (test)');
    return vi.spyOn(MemoryStore.prototype, 'delete').mockRejectedValue(error);
  }

  it('DELETE and idle expiry still end the session and its child, logging the binding left to expire', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => void rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    const down = storeDown();
    const proxy = await startStdioProxy(issuer, {}, { idleMs: 400 });
    try {
      const joe = await issuer.token(proxy.mcp, 'joe');
      const deleted = await connectLegacy(proxy.mcp, joe);
      const pid = Number(await callText(deleted.client, 'pid'));
      await deleted.transport.terminateSession();
      expect(alive(pid)).toBe(false);
      const idle = await connectLegacy(proxy.mcp, joe);
      const idlePid = Number(await callText(idle.client, 'pid'));
      await until(() => !alive(idlePid));
      const released = () => proxy.logText().split('its binding could not be released').length - 1;
      await until(() => released() === 2);
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
      down.mockRestore();
      await proxy.close();
    }
  });

  it('closing the proxy still stops every child, then closes the store', async () => {
    const down = storeDown();
    const closed = vi.spyOn(MemoryStore.prototype, 'close');
    try {
      const proxy = await startStdioProxy(issuer);
      const { client } = await connectLegacy(proxy.mcp, await issuer.token(proxy.mcp, 'joe'));
      const pid = Number(await callText(client, 'pid'));
      await proxy.close();
      expect(alive(pid)).toBe(false);
      expect(closed).toHaveBeenCalled();
    } finally {
      down.mockRestore();
      closed.mockRestore();
    }
  });
});

describe('stdio upstream: shutdown does not wait for a child beyond shutdown.drainTimeoutMs', () => {
  it('ends a 2026-07-28 call still at work with 503 and Retry-After, and an initialize not answered yet', async () => {
    const log = await stdinLogFile();
    const proxy = await startStdioProxy(issuer, { env: { FIXTURE_STDIN_LOG: log } });
    const token = await issuer.token(proxy.mcp, 'joe');
    const sleep = { name: 'sleep', arguments: { ms: 60_000 } };
    const call = modernCall(proxy.mcp, token, { method: 'tools/call', params: sleep });
    await stdinReceived(log, '"sleep"');
    await proxy.close();
    const ended = await call;
    expect(ended.status).toBe(503);
    expect(ended.headers.get('retry-after')).toBe('5');
    expect(ended.headers.get('connection')).toBe('close');
    expect((await errorOf(ended)).message).toBe('the proxy is shutting down; retry later');

    const silentLog = await stdinLogFile();
    const env = { FIXTURE_MODE: 'silent', FIXTURE_STDIN_LOG: silentLog };
    const silent = await startStdioProxy(issuer, { env, timeoutMs: 60_000 });
    const initialize = post(silent.mcp, await issuer.token(silent.mcp, 'joe'), INIT);
    await stdinReceived(silentLog, '"initialize"');
    await silent.close();
    expect((await initialize).status).toBe(503);
  });
});

describe('stdio upstream: the children of 2026-07-28 callers', () => {
  it("stops a caller's child after sessions.idleMs without a request, and starts a new one on the next", async () => {
    const proxy = await startStdioProxy(issuer, {}, { idleMs: 300 });
    try {
      const client = await connectModern(proxy.mcp, await issuer.token(proxy.mcp, 'joe'));
      const pid = Number(await callText(client, 'pid'));
      expect(alive(pid)).toBe(true);
      await until(() => !alive(pid));
      const next = Number(await callText(client, 'pid'));
      expect(next).not.toBe(pid);
      expect(alive(next)).toBe(true);
      await client.close();
    } finally {
      await proxy.close();
    }
  });

  it('closing the proxy stops them', async () => {
    const proxy = await startStdioProxy(issuer);
    const pids: number[] = [];
    for (const sub of ['joe', 'alice']) {
      const client = await connectModern(proxy.mcp, await issuer.token(proxy.mcp, sub));
      pids.push(Number(await callText(client, 'pid')));
    }
    expect(pids.every(alive)).toBe(true);
    await proxy.close();
    expect(pids.some(alive)).toBe(false);
  });

  it('they count against upstream.maxProcesses with the sessions: 503 with Retry-After past it', async () => {
    const proxy = await startStdioProxy(issuer, { maxProcesses: 1 });
    try {
      const legacy = await connectLegacy(proxy.mcp, await issuer.token(proxy.mcp, 'joe'));
      const refused = await modernPost(proxy.mcp, await issuer.token(proxy.mcp, 'alice'));
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      await legacy.transport.terminateSession();
      const accepted = await modernPost(proxy.mcp, await issuer.token(proxy.mcp, 'alice'));
      expect(accepted.status).toBe(200);
      expect(await accepted.text()).toMatch(/"text":"\d+"/);
    } finally {
      await proxy.close();
    }
  });

  it('answers 502 when the command cannot start, and 504 when the child does not answer initialize', async () => {
    const missing = await startStdioProxy(issuer, { command: 'portcullis-no-such-mcp-server', args: [] });
    try {
      const res = await modernPost(missing.mcp, await issuer.token(missing.mcp, 'joe'));
      expect(res.status).toBe(502);
      expect((await errorOf(res)).message).toBe('the proxy could not start its stdio MCP server');
    } finally {
      await missing.close();
    }
    const silent = await startStdioProxy(issuer, { env: { FIXTURE_MODE: 'silent' }, timeoutMs: 300 });
    try {
      const res = await modernPost(silent.mcp, await issuer.token(silent.mcp, 'joe'));
      expect(res.status).toBe(504);
    } finally {
      await silent.close();
    }
  });
});

describe('stdio upstream: tools/list lists only what the caller may call (upstream.filterToolsList)', () => {
  it('hides the tools that need a scope the token lacks, in both eras, and lists them for a token that has it', async () => {
    const proxy = await startStdioProxy(issuer, {}, { adminTools: ['env', 'crash'] });
    try {
      const joe = await issuer.token(proxy.mcp, 'joe');
      const admin = await issuer.token(proxy.mcp, 'root', 'mcp:tools mcp:admin');
      const names = async (client: Client) =>
        (await client.listTools()).tools.map((tool) => tool.name).sort();
      const legacy = await connectLegacy(proxy.mcp, joe);
      const modern = await connectModern(proxy.mcp, joe);
      for (const client of [legacy.client, modern]) {
        const listed = await names(client);
        expect(listed).toContain('hello-world');
        expect(listed).not.toContain('env');
        expect(listed).not.toContain('crash');
      }
      await expect(modern.callTool({ name: 'env', arguments: {} })).rejects.toThrow(/Insufficient scope/i);
      const legacyAdmin = await connectLegacy(proxy.mcp, admin);
      const modernAdmin = await connectModern(proxy.mcp, admin);
      for (const client of [legacyAdmin.client, modernAdmin]) {
        expect(await names(client)).toEqual(expect.arrayContaining(['crash', 'env', 'hello-world']));
      }
      await Promise.all([
        legacy.client.close(),
        modern.close(),
        legacyAdmin.client.close(),
        modernAdmin.close(),
      ]);
    } finally {
      await proxy.close();
    }
  });

  it('lists every tool with upstream.filterToolsList false', async () => {
    const proxy = await startStdioProxy(issuer, { filterToolsList: false }, { adminTools: ['env'] });
    try {
      const modern = await connectModern(proxy.mcp, await issuer.token(proxy.mcp, 'joe'));
      expect((await modern.listTools()).tools.map((tool) => tool.name)).toContain('env');
      await modern.close();
    } finally {
      await proxy.close();
    }
  });
});
