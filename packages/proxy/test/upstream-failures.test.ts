import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PING, post, type RunningProxy } from './helpers/proxy.js';
import { jsonResult, type RecordingUpstream } from './helpers/recording-upstream.js';
import { type RecordedStack, startRecordedStack } from './helpers/stacks.js';

// An upstream that fails in the middle of its answer, and requests the proxy itself ends: what the client gets,
// what the decision log says, and what is counted as the upstream's failure.
let stack: RecordedStack;
let recorder: RecordingUpstream;
let proxy: RunningProxy;
let closing: RunningProxy;
let token: string;

beforeAll(async () => {
  stack = await startRecordedStack({
    main: (url) => ({ upstream: { url, timeoutMs: 1_000 } }),
    closing: (url) => ({ upstream: { url, timeoutMs: 10_000 }, shutdown: { drainTimeoutMs: 200 } }),
  });
  ({ recorder } = stack);
  proxy = stack.proxies.main as RunningProxy;
  closing = stack.proxies.closing as RunningProxy;
  token = String(stack.tokens.main);
});
afterEach(() => {
  recorder.behaviour = jsonResult;
});
afterAll(async () => {
  await stack?.close();
});

async function upstreamErrors(kind: string): Promise<number> {
  const text = await (await fetch(`${proxy.url}/metrics`)).text();
  return Number(
    new RegExp(`^portcullis_proxy_upstream_errors_total\\{kind="${kind}"\\} (\\d+)`, 'm').exec(text)?.[1] ??
      0,
  );
}

/** The status of the decision event logged for the last MCP request. */
function lastDecisionStatus(of: RunningProxy): unknown {
  return of
    .logs()
    .filter((line) => line.msg === 'authorization decision')
    .at(-1)?.status;
}

describe('an upstream that breaks off its answer', () => {
  it('answers 502 with a JSON-RPC error when a JSON answer ends short of its Content-Length, before any byte left', async () => {
    recorder.behaviour = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"a":1}');
      setTimeout(() => req.socket.destroy(), 20);
    };
    const before = await upstreamErrors('reset');
    const res = await post(proxy.mcp, token, PING);
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({
      error: { code: -32000, message: 'the upstream MCP server broke off its answer before its end' },
    });
    expect(lastDecisionStatus(proxy)).toBe(502);
    expect(await upstreamErrors('reset')).toBe(before + 1);
  });

  it('answers 502 when a chunked JSON answer is cut in the middle of a chunk', async () => {
    recorder.behaviour = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"jsonrpc":"2.0",');
      setTimeout(() => req.socket.destroy(), 20);
    };
    const res = await post(proxy.mcp, token, PING);
    expect(res.status).toBe(502);
    expect(lastDecisionStatus(proxy)).toBe(502);
  });

  it('logs the 504 the client gets, not the 200 of the upstream head, when the body stalls', async () => {
    recorder.behaviour = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
    };
    const res = await post(proxy.mcp, token, PING);
    expect(res.status).toBe(504);
    expect(lastDecisionStatus(proxy)).toBe(504);
  });

  it('[PX-11] answers 502, passing neither on, when the upstream issues two session ids', async () => {
    recorder.behaviour = (_req, res) => {
      res.setHeader('mcp-session-id', ['s1', 's2']);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":7,"result":{}}');
    };
    const res = await post(proxy.mcp, token, PING);
    expect(res.status).toBe(502);
    expect(res.headers.get('mcp-session-id')).toBeNull();
  });
});

describe('requests the proxy ends itself', () => {
  it('does not count a client that left before the upstream answered as an upstream failure', async () => {
    let answer: (() => void) | undefined;
    recorder.behaviour = (_req, res) => {
      answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    };
    const before = await upstreamErrors('aborted');
    const controller = new AbortController();
    const pending = post(proxy.mcp, token, PING, {}, controller.signal).catch(() => undefined);
    while (answer === undefined) await sleep(10);
    controller.abort();
    await pending;
    await sleep(100);
    answer();
    expect(await upstreamErrors('aborted')).toBe(before);
    expect(proxy.logs().filter((line) => line.msg === 'upstream request failed')).toEqual([]);
  });

  it('answers 503 with Retry-After to a request still waiting for the upstream when shutdown ends it', async () => {
    recorder.behaviour = () => {};
    const closingToken = String(stack.tokens.closing);
    const seen = recorder.requests.length;
    const pending = post(closing.mcp, closingToken, PING);
    while (recorder.requests.length === seen) await sleep(10);
    await sleep(50);
    const closed = closing.close();
    const res = await pending;
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({ error: { message: 'the proxy is shutting down; retry later' } });
    await closed;
  });
});
