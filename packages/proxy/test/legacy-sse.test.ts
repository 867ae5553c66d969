import type { ServerResponse } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { parseBearerChallenge } from '@portcullis/metadata';
import { createLocalJWKSet, decodeJwt, type JSONWebKeySet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxyServer } from '../src/index.js';
import type { RunningProxy } from './helpers/proxy.js';
import { startRecordedStack } from './helpers/stacks.js';
import { type LegacySseStack, sseEvents, startLegacySseStack } from './legacy-sse/stack.js';

let stack: LegacySseStack;

beforeAll(async () => {
  stack = await startLegacySseStack();
});
afterAll(async () => {
  await stack?.close();
});

function openSse(token: string | undefined, headers: Record<string, string> = {}) {
  return fetch(`${stack.proxy.url}/sse`, {
    headers: {
      accept: 'text/event-stream',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...headers,
    },
  });
}

function postMessage(url: string, token: string | undefined, body: string) {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body,
  });
}

const PING = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });

describe('legacy HTTP+SSE transport (2024-11-05)', () => {
  it('serves a v1 SDK SSE client calling hello-world through the proxy', async () => {
    const transport = new SSEClientTransport(new URL(`${stack.proxy.url}/sse`), {
      requestInit: { headers: { authorization: `Bearer ${stack.tokens.joe}` } },
    });
    const client = new Client({ name: 'legacy-sse-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toContain('hello-world');
      const result = await client.callTool({ name: 'hello-world', arguments: {} });
      const sub = decodeJwt(stack.tokens.joe).sub;
      expect(result.content).toEqual([{ type: 'text', text: `Hello, ${sub}!` }]);
    } finally {
      await client.close();
    }
  });

  it('PX-02: never forwards the client token; the upstream gets a proxy-signed identity JWT', async () => {
    const transport = new SSEClientTransport(new URL(`${stack.proxy.url}/sse`), {
      requestInit: { headers: { authorization: `Bearer ${stack.tokens.alice}` } },
    });
    const client = new Client({ name: 'legacy-sse-test', version: '1.0.0' });
    const before = stack.upstream.seen.length;
    await client.connect(transport);
    await client.callTool({ name: 'hello-world', arguments: {} });
    await client.close();
    const seen = stack.upstream.seen.slice(before);
    expect(seen.map((r) => r.method)).toEqual(expect.arrayContaining(['GET', 'POST']));
    const keys = await fetch(`${stack.proxy.url}/.well-known/jwks.json`);
    const jwks = createLocalJWKSet((await keys.json()) as JSONWebKeySet);
    for (const request of seen) {
      for (const value of request.rawHeaders) {
        expect(Buffer.from(value).includes(Buffer.from(stack.tokens.alice))).toBe(false);
      }
      const jwt = String(request.authorization).replace(/^Bearer /, '');
      const { payload, protectedHeader } = await jwtVerify(jwt, jwks, {
        issuer: stack.proxy.url,
        audience: stack.upstream.url,
      });
      expect(protectedHeader.typ).toBe('at+jwt');
      expect(payload.sub).toBe(decodeJwt(stack.tokens.alice).sub);
    }
  });

  it('RS-21: refuses the SSE GET without a token with the Bearer challenge, before the upstream', async () => {
    const before = stack.upstream.seen.length;
    const res = await openSse(undefined);
    expect(res.status).toBe(401);
    const challenge = String(res.headers.get('www-authenticate'));
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain(
      `resource_metadata="${stack.proxy.url}/.well-known/oauth-protected-resource/mcp"`,
    );
    expect(stack.upstream.seen.length).toBe(before);
  });

  it('validates the token on the SSE GET, not just the Bearer prefix', async () => {
    const res = await openSse('not-a-real-token');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('rewrites the endpoint event to the proxy origin, hiding the upstream session', async () => {
    const res = await openSse(stack.tokens.joe);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = sseEvents(res);
    const endpoint = await events.next();
    expect(endpoint?.event).toBe('endpoint');
    const url = new URL(String(endpoint?.data));
    expect(url.origin).toBe(stack.proxy.url);
    expect(url.pathname).toBe('/messages');
    expect(url.searchParams.get('sessionId')).toMatch(/^[0-9a-f-]{36}$/);
    for (const upstreamId of stack.upstream.open) expect(endpoint?.data).not.toContain(upstreamId);
    await events.cancel();
  });

  it('PX-11: a POST with another caller’s sessionId gets 404 and is not forwarded', async () => {
    const res = await openSse(stack.tokens.joe);
    const events = sseEvents(res);
    const messages = String((await events.next())?.data);
    const before = stack.upstream.seen.length;
    const stolen = await postMessage(messages, stack.tokens.alice, PING);
    expect(stolen.status).toBe(404);
    expect(((await stolen.json()) as { error: { code: number } }).error.code).toBe(-32001);
    expect(
      (await postMessage(`${stack.proxy.url}/messages?sessionId=nope`, stack.tokens.joe, PING)).status,
    ).toBe(404);
    expect(stack.upstream.seen.length).toBe(before);
    const own = await postMessage(messages, stack.tokens.joe, PING);
    expect(own.status).toBe(202);
    expect(await events.next()).toMatchObject({
      event: 'message',
      data: '{"result":{},"jsonrpc":"2.0","id":1}',
    });
    await events.cancel();
  });

  it('RS-21: refuses a message POST without a token with 401', async () => {
    const res = await openSse(stack.tokens.joe);
    const events = sseEvents(res);
    const messages = String((await events.next())?.data);
    const post = await postMessage(messages, undefined, PING);
    expect(post.status).toBe(401);
    expect(post.headers.get('www-authenticate')).toMatch(/^Bearer /);
    await events.cancel();
  });

  it('serves nothing at the legacy paths when upstream.legacySse is off (the default)', async () => {
    const app = createProxyServer({
      idp: { issuer: 'http://127.0.0.1:1', jwksUri: 'http://127.0.0.1:1/jwks' },
      upstream: { url: 'http://127.0.0.1:2/mcp' },
    });
    try {
      expect(
        (await app.inject({ method: 'GET', url: '/sse', headers: { host: 'localhost' } })).statusCode,
      ).toBe(404);
    } finally {
      await app.close();
    }
  });
});

/**
 * A recorded stack with the legacy transport on, whose upstream opens its SSE stream with an `endpoint` event
 * and answers each message with `answerMessage`.
 */
async function startLegacyStack(answerMessage: (res: ServerResponse) => void) {
  const recorded = await startRecordedStack({
    main: (url) => ({ upstream: { url, legacySse: { enabled: true } } }),
  });
  recorded.recorder.behaviour = (req, res) => {
    if (req.method !== 'GET') return answerMessage(res);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('event: endpoint\ndata: /messages?sessionId=up-1\n\n');
  };
  return { recorded, proxy: recorded.proxies.main as RunningProxy, token: String(recorded.tokens.main) };
}

describe('legacy HTTP+SSE step-up', () => {
  it("RS-16: turns an upstream insufficient_scope on a message into the proxy's own step-up challenge", async () => {
    const { recorded, proxy, token } = await startLegacyStack((res) => {
      const challenge = 'Bearer error="insufficient_scope", scope="mcp:tools mcp:admin"';
      res.writeHead(403, { 'content-type': 'application/json', 'www-authenticate': challenge }).end('{}');
    });
    const events = sseEvents(
      await fetch(`${proxy.url}/sse`, {
        headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
      }),
    );
    try {
      const messages = String((await events.next())?.data);
      const seen = proxy.logs().length;
      const res = await postMessage(messages, token, PING);
      expect(res.status).toBe(403);
      expect(parseBearerChallenge(res.headers.get('www-authenticate') ?? '')).toMatchObject({
        error: 'insufficient_scope',
        scope: 'mcp:tools mcp:admin',
        resource_metadata: `${proxy.url}/.well-known/oauth-protected-resource/mcp`,
      });
      await res.text();
      const decisions = () =>
        proxy
          .logs()
          .slice(seen)
          .filter((l) => l.event === 'auth_decision');
      for (let tries = 0; decisions().length === 0 && tries < 100; tries++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(decisions()).toEqual([
        expect.objectContaining({ decision: 'deny', reason: 'insufficient_scope', status: 403 }),
      ]);
    } finally {
      await events.cancel();
      await recorded.close();
    }
  });
});

describe('legacy HTTP+SSE request headers', () => {
  it('[PX-11] never forwards a client Mcp-Session-Id or Last-Event-ID on the legacy routes', async () => {
    const { recorded, proxy, token } = await startLegacyStack((res) => res.writeHead(202).end());
    const foreign = { 'mcp-session-id': 'someone-elses-session', 'last-event-id': 'someone-elses-event' };
    const events = sseEvents(
      await fetch(`${proxy.url}/sse`, {
        headers: { accept: 'text/event-stream', authorization: `Bearer ${token}`, ...foreign },
      }),
    );
    try {
      const messages = String((await events.next())?.data);
      const res = await fetch(messages, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...foreign },
        body: PING,
      });
      expect(res.status).toBe(202);
      expect(recorded.recorder.requests.map((r) => r.method)).toEqual(['GET', 'POST']);
      for (const r of recorded.recorder.requests) {
        expect(r.headers['mcp-session-id']).toBeUndefined();
        expect(r.headers['last-event-id']).toBeUndefined();
      }
    } finally {
      await events.cancel();
      await recorded.close();
    }
  });
});
