import { parseBearerChallenge } from '@portcullis/metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legacyPost, modernCall, type RunningProxy } from './helpers/proxy.js';
import { type ReferenceStack, startRecordedStack, startReferenceStack } from './helpers/stacks.js';

let stack: ReferenceStack;
let proxy: RunningProxy;
let joe: string;
let joeAdmin: string;
let alice: string;

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'probe', version: '1' } },
};

beforeAll(async () => {
  stack = await startReferenceStack();
  proxy = stack.proxy;
  ({ joe, joeAdmin, alice } = stack.tokens);
});
afterAll(async () => {
  await stack?.close();
});

function legacy(token: string | undefined, init: RequestInit & { session?: string } = {}): Promise<Response> {
  return legacyPost(proxy.mcp, token, init);
}

describe('sessions through the proxy', () => {
  async function openSession(token: string): Promise<string> {
    const res = await legacy(token, { body: JSON.stringify(INIT) });
    expect(res.status).toBe(200);
    await res.body?.cancel();
    const session = res.headers.get('mcp-session-id');
    expect(session).toBeTruthy();
    return session ?? '';
  }

  it('[RS-21] authenticates every request of a session: POST, the SSE GET and DELETE', async () => {
    const session = await openSession(joe);
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' });
    expect((await legacy(undefined, { body: ping, session })).status).toBe(401);
    const sseHeaders = {
      accept: 'text/event-stream',
      'mcp-session-id': session,
      'mcp-protocol-version': '2025-11-25',
    };
    expect((await fetch(proxy.mcp, { headers: sseHeaders })).status).toBe(401);
    const fake = await fetch(proxy.mcp, {
      headers: { ...sseHeaders, authorization: 'Bearer not-a-valid-token' },
    });
    expect(fake.status).toBe(401);
    expect((await fetch(proxy.mcp, { method: 'DELETE', headers: sseHeaders })).status).toBe(401);

    const stream = await fetch(proxy.mcp, { headers: { ...sseHeaders, authorization: `Bearer ${joe}` } });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    await stream.body?.cancel();
    const deleted = await fetch(proxy.mcp, {
      method: 'DELETE',
      headers: { ...sseHeaders, authorization: `Bearer ${joe}` },
    });
    expect(deleted.status).toBe(200);
    expect((await legacy(joe, { body: ping, session })).status).toBe(404);
  });

  it("[PX-11 RS-22] a session id presented with another user's token is unknown (404, not forwarded)", async () => {
    const session = await openSession(joe);
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' });
    const hijack = await legacy(alice, { body: ping, session });
    expect(hijack.status).toBe(404);
    expect(((await hijack.json()) as { error: { code: number } }).error.code).toBe(-32001);
    const decision = proxy
      .logs()
      .findLast((l) => l.event === 'auth_decision' && l.reason === 'session_not_owned');
    expect(decision).toBeDefined();
    const own = await legacy(joe, { body: ping, session });
    expect(own.status).toBe(200);
    await own.body?.cancel();
  });

  it('[PX-11] a session id of no or more than 1024 characters is unknown: 404 -32001, not an error', async () => {
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' });
    for (const session of ['', 'x'.repeat(1025)]) {
      const res = await legacy(joe, { body: ping, session });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: -32001, message: 'Session not found' } });
    }
    expect(proxy.logs().filter((l) => Number(l.level) >= 50)).toEqual([]);
  });

  it('[RS-23 PX-11] a session id with characters outside visible ASCII is unknown: 404 -32001', async () => {
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' });
    const session = await openSession(joe);
    for (const forged of [`${session.slice(0, 8)} ${session.slice(8)}`, 'a b', 'a\tb']) {
      const res = await legacy(joe, { body: ping, session: forged });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: -32001, message: 'Session not found' } });
    }
  });
});

describe('session bindings kept by open streams', () => {
  it('[PX-11] a client that only listens on its GET stream keeps its session past sessions.idleMs', async () => {
    const recorded = await startRecordedStack({
      main: (url) => ({ upstream: { url }, sessions: { idleMs: 400 } }),
    });
    const listener = recorded.proxies.main as RunningProxy;
    const token = String(recorded.tokens.main);
    recorded.recorder.behaviour = (req, res) => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': open\n\n');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'S-1' })
        .end('{"jsonrpc":"2.0","id":1,"result":{}}');
    };
    try {
      const init = await legacyPost(listener.mcp, token, { body: JSON.stringify(INIT) });
      const session = String(init.headers.get('mcp-session-id'));
      await init.text();
      const get = await fetch(listener.mcp, {
        headers: {
          accept: 'text/event-stream',
          'mcp-protocol-version': '2025-11-25',
          'mcp-session-id': session,
          authorization: `Bearer ${token}`,
        },
      });
      expect(get.status).toBe(200);
      await new Promise((r) => setTimeout(r, 1_200)); // three idle times, no request
      const ping = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' });
      const res = await legacyPost(listener.mcp, token, { body: ping, session });
      expect(res.status).toBe(200);
      await res.text();
      await get.body?.cancel();
    } finally {
      await recorded.close();
    }
  });
});

describe('scopes and mirrored headers', () => {
  it('[RS-16 RS-17] a tool that needs more scope gets 403 insufficient_scope with every scope it needs', async () => {
    const res = await modernCall(proxy.mcp, joe, {
      method: 'tools/call',
      params: { name: 'admin-stats', arguments: {} },
    });
    expect(res.status).toBe(403);
    const challenge = parseBearerChallenge(res.headers.get('www-authenticate') ?? '');
    expect(challenge?.error).toBe('insufficient_scope');
    expect(challenge?.scope?.split(' ').sort()).toEqual(['mcp:admin', 'mcp:tools']);
    expect(challenge?.resource_metadata).toBe(`${proxy.url}/.well-known/oauth-protected-resource/mcp`);
    const stepped = await modernCall(proxy.mcp, joeAdmin, {
      method: 'tools/call',
      params: { name: 'admin-stats', arguments: {} },
    });
    expect(stepped.status).toBe(200);
    expect(JSON.stringify(await stepped.json())).toContain('uptimeSeconds');
  });

  it('[PX-10] Mcp-Method or Mcp-Name that disagree with the body get 400 -32020 before any policy', async () => {
    const call = { method: 'tools/call', params: { name: 'admin-stats', arguments: {} } };
    const wrongMethod = await modernCall(proxy.mcp, joe, call, { 'mcp-method': 'tools/list' });
    expect(wrongMethod.status).toBe(400);
    expect(((await wrongMethod.json()) as { error: { code: number } }).error.code).toBe(-32020);
    const wrongName = await modernCall(proxy.mcp, joe, call, { 'mcp-name': 'hello-world' });
    expect(wrongName.status).toBe(400);
    expect(((await wrongName.json()) as { error: { code: number } }).error.code).toBe(-32020);
    const legacyMismatch = await legacy(joe, {
      body: JSON.stringify(INIT),
      headers: { 'mcp-method': 'ping' },
    });
    expect(legacyMismatch.status).toBe(400);
    const ok = await modernCall(proxy.mcp, joe, {
      method: 'tools/call',
      params: { name: 'hello-world', arguments: { name: 'joe' } },
    });
    expect(ok.status).toBe(200);
    expect(JSON.stringify(await ok.json())).toContain('Hello, joe!');
  });

  it('[PX-10 RS-28] a 2026-07-28 MCP-Protocol-Version over a body without _meta, or over a batch, gets 400 -32020', async () => {
    const call = {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'admin-stats', arguments: {} },
    };
    const headers = { 'mcp-protocol-version': '2026-07-28', 'mcp-name': 'hello-world' };
    for (const body of [call, [call]]) {
      const res = await legacy(joe, {
        body: JSON.stringify(body),
        headers: Array.isArray(body) ? headers : { ...headers, 'mcp-method': 'tools/call' },
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32020);
    }
  });

  it('refuses a body that repeats a key, which an upstream keeping the first key would run as another tool', async () => {
    const params = '{"name":"admin-stats","arguments":{},"name":"hello-world"}';
    const res = await legacy(joe, {
      body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":${params}}`,
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: number; message: string } };
    expect(error.code).toBe(-32600);
    expect(error.message).toBe('a JSON object in the body repeats the key "name"; each key may appear once');
  });
});

describe('status-code order', () => {
  it('[RS-25 RS-01] checks Origin, then the token, then body and mirrored headers, then scopes, then the session', async () => {
    const evil = { origin: 'http://evil.example.com' };
    expect((await legacy(undefined, { body: '{', headers: evil })).status).toBe(403);
    expect((await legacy(undefined, { body: '{' })).status).toBe(401);
    expect((await legacy(joe, { body: '{' })).status).toBe(400);
    const admin = { method: 'tools/call', params: { name: 'admin-stats', arguments: {} } };
    expect((await modernCall(proxy.mcp, joe, admin, { 'mcp-method': 'ping' })).status).toBe(400);
    expect((await modernCall(proxy.mcp, joe, admin, { 'mcp-session-id': 'not-yours' })).status).toBe(403);
  });

  it('[RS-19 RS-20] a malformed Authorization header gets 400; a token only in the query string is ignored', async () => {
    const empty = await legacy(undefined, {
      body: JSON.stringify(INIT),
      headers: { authorization: 'Bearer ' },
    });
    expect(empty.status).toBe(400);
    expect(parseBearerChallenge(empty.headers.get('www-authenticate') ?? '')?.error).toBe('invalid_request');
    const query = await fetch(`${proxy.mcp}?access_token=${joe}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(INIT),
    });
    expect(query.status).toBe(401);
    expect(proxy.logText()).not.toContain(joe);
  });
});

describe('Origin, Host and CORS', () => {
  it('[PX-09 RS-25] refuses a foreign Origin or Host with 403 even with a valid token', async () => {
    const evil = await legacy(joe, {
      body: JSON.stringify(INIT),
      headers: { origin: 'http://evil.example.com' },
    });
    expect(evil.status).toBe(403);
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(proxy.mcp.replace('localhost', '127.0.0.1'), {
        method: 'POST',
        headers: {
          host: 'evil.example.com',
          authorization: `Bearer ${joe}`,
          'content-type': 'application/json',
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(JSON.stringify(INIT));
    });
    expect(status).toBe(403);
  });

  it('[PX-09 RS-11] serves browser clients from allowed origins with CORS', async () => {
    const preflight = await fetch(proxy.mcp, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:6274',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, mcp-protocol-version, mcp-method',
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:6274');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const res = await legacy(joe, {
      body: JSON.stringify(INIT),
      headers: { origin: 'http://localhost:6274' },
    });
    expect(res.status).toBe(200);
    await res.body?.cancel();
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:6274');
    expect(res.headers.get('access-control-expose-headers')).toContain('mcp-session-id');
    expect(res.headers.get('access-control-expose-headers')).toContain('www-authenticate');
  });
});
