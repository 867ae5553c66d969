import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

function openSse(base: string, token: string) {
  return fetch(`${base}/sse`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` } });
}

function post(url: string, token: string, body: string, type = 'application/json') {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': type, authorization: `Bearer ${token}` },
    body,
  });
}

async function rpcCode(res: Response): Promise<number | undefined> {
  return ((await res.json()) as { error?: { code: number } }).error?.code;
}

async function until(check: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ping = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' });

describe('legacy HTTP+SSE streaming and failures', () => {
  it('streams each event while the stream stays open, and an idle stream outlives upstream.timeoutMs', async () => {
    const events = sseEvents(await openSse(stack.proxy.url, stack.tokens.joe));
    const messages = String((await events.next())?.data);
    // The upstream stream never ends: a buffering proxy would deliver nothing.
    expect((await post(messages, stack.tokens.joe, ping(1))).status).toBe(202);
    expect(JSON.parse(String((await events.next())?.data))).toMatchObject({ id: 1, result: {} });
    await new Promise((r) => setTimeout(r, 800)); // idle, longer than upstream.timeoutMs (500)
    expect((await post(messages, stack.tokens.joe, ping(2))).status).toBe(202);
    expect(JSON.parse(String((await events.next())?.data))).toMatchObject({ id: 2, result: {} });
    await events.cancel();
  });

  it('closes the upstream stream and forgets the session when the client leaves', async () => {
    const events = sseEvents(await openSse(stack.proxy.url, stack.tokens.joe));
    const messages = String((await events.next())?.data);
    await until(() => stack.upstream.open.size === 1);
    await events.cancel();
    await until(() => stack.upstream.open.size === 0);
    const res = await post(messages, stack.tokens.joe, ping(3));
    expect(res.status).toBe(404);
  });

  it('ends the client stream when the upstream ends it', async () => {
    const events = sseEvents(await openSse(stack.proxy.url, stack.tokens.joe));
    const messages = String((await events.next())?.data);
    await until(() => stack.upstream.open.size === 1);
    await stack.upstream.endStreams();
    expect(await events.next()).toBeUndefined();
    await until(() => stack.upstream.open.size === 0);
    expect((await post(messages, stack.tokens.joe, ping(4))).status).toBe(404);
  });

  it('answers 502 when the upstream is down and 504 when its SSE answer is too slow', async () => {
    const down = await openSse(stack.deadProxy.url, stack.tokens.deadJoe);
    expect(down.status).toBe(502);
    expect(await rpcCode(down)).toBe(-32000);
    stack.upstream.sseDelayMs = 1_500;
    try {
      const started = Date.now();
      const slow = await openSse(stack.proxy.url, stack.tokens.joe);
      expect(slow.status).toBe(504);
      expect(await rpcCode(slow)).toBe(-32000);
      expect(Date.now() - started).toBeLessThan(1_400);
    } finally {
      stack.upstream.sseDelayMs = 0;
    }
  });

  it('checks message bodies like the MCP endpoint: 413, 415, 400 -32700, 400 -32600', async () => {
    const events = sseEvents(await openSse(stack.proxy.url, stack.tokens.joe));
    const messages = String((await events.next())?.data);
    const before = stack.upstream.seen.length;
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'ping',
      params: { pad: 'x'.repeat(20_000) },
    });
    const tooBig = await post(messages, stack.tokens.joe, big);
    expect(tooBig.status).toBe(413);
    expect(await rpcCode(tooBig)).toBe(-32600);
    expect((await post(messages, stack.tokens.joe, ping(5), 'text/plain')).status).toBe(415);
    const broken = await post(messages, stack.tokens.joe, '{"jsonrpc":');
    expect(broken.status).toBe(400);
    expect(await rpcCode(broken)).toBe(-32700);
    const notRpc = await post(messages, stack.tokens.joe, '{"hello":"world"}');
    expect(notRpc.status).toBe(400);
    expect(await rpcCode(notRpc)).toBe(-32600);
    expect(stack.upstream.seen.length).toBe(before);
    await events.cancel();
  });
});

describe('legacy HTTP+SSE answers of a recording upstream', () => {
  it('a message answer whose body stalls: 504 after upstream.timeoutMs, and shutdown ends one in flight', async () => {
    const recorded = await startRecordedStack({
      quick: (url) => ({ upstream: { url, timeoutMs: 500, legacySse: { enabled: true } } }),
      patient: (url) => ({
        upstream: { url, timeoutMs: 60_000, legacySse: { enabled: true } },
        shutdown: { drainTimeoutMs: 200 },
      }),
    });
    recorded.recorder.behaviour = (req, res) => {
      res.writeHead(200, { 'content-type': req.method === 'GET' ? 'text/event-stream' : 'application/json' });
      if (req.method === 'GET') res.write('event: endpoint\ndata: /messages?sessionId=up-1\n\n');
      else res.write('{"jsonrpc":'); // and never more
    };
    const streams: { cancel(): Promise<void> }[] = [];
    const messagesOf = async (name: string) => {
      const proxy = recorded.proxies[name] as RunningProxy;
      const events = sseEvents(await openSse(proxy.url, String(recorded.tokens[name])));
      streams.push(events);
      return String((await events.next())?.data);
    };
    try {
      const stalled = await post(await messagesOf('quick'), String(recorded.tokens.quick), ping(1));
      expect(stalled.status).toBe(504);
      expect(await rpcCode(stalled)).toBe(-32000);

      const patient = recorded.proxies.patient as RunningProxy;
      const messages = await messagesOf('patient');
      const posts = recorded.recorder.requests.length;
      const pending = post(messages, String(recorded.tokens.patient), ping(2)).then(
        (res) => res.text(),
        () => 'cut',
      );
      await until(() => recorded.recorder.requests.length > posts);
      let closed = false;
      void patient.close().then(() => {
        closed = true;
      });
      await until(() => closed, 5_000);
      await pending;
    } finally {
      await Promise.all(streams.map((s) => s.cancel().catch(() => {})));
      await recorded.close();
    }
  });

  it('drops the Content-Length of an upstream SSE answer it rewrites', async () => {
    const recorded = await startRecordedStack({
      main: (url) => ({ upstream: { url, legacySse: { enabled: true } } }),
    });
    const body = 'event: endpoint\ndata: /m?sessionId=u\n\n';
    recorded.recorder.behaviour = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-length': String(body.length) });
      res.end(body);
    };
    try {
      const proxy = recorded.proxies.main as RunningProxy;
      const res = await openSse(proxy.url, String(recorded.tokens.main));
      expect(res.headers.get('content-length')).toBeNull();
      expect(await res.text()).toMatch(
        /^event: endpoint\ndata: http:\/\/localhost:\d+\/messages\?sessionId=[0-9a-f-]{36}\n\n$/,
      );
    } finally {
      await recorded.close();
    }
  });
});
