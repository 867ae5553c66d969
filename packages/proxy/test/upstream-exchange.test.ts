import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../src/index.js';
import { PING, post, type RunningProxy } from './helpers/proxy.js';
import { jsonResult, type RecordingUpstream } from './helpers/recording-upstream.js';
import { type RecordedStack, startRecordedStack } from './helpers/stacks.js';

// The forwarded body goes from undici's dispatcher straight into the client's response (UpstreamExchange):
// these checks cover its flow control and how each side going away reaches the other.
/** A store whose lookups wait while it is held: time for a client to leave during the session check. */
class HeldStore extends MemoryStore {
  waiting = 0;
  #gate: Promise<void> | undefined;
  #open = () => {};

  hold(): void {
    this.#gate = new Promise((resolve) => {
      this.#open = resolve;
    });
  }

  release(): void {
    this.#gate = undefined;
    this.#open();
  }

  override async get(namespace: string, key: string) {
    const gate = this.#gate;
    if (gate !== undefined) {
      this.waiting++;
      await gate;
      this.waiting--;
    }
    return super.get(namespace, key);
  }
}

let stack: RecordedStack;
let recorder: RecordingUpstream;
let proxy: RunningProxy;
let token: string;
const heldStore = new HeldStore();

beforeAll(async () => {
  stack = await startRecordedStack({
    main: (url) => ({ upstream: { url, timeoutMs: 2_000 } }),
    held: (url) => ({ upstream: { url, timeoutMs: 2_000 }, store: heldStore }),
  });
  ({ recorder } = stack);
  proxy = stack.proxies.main as RunningProxy;
  token = String(stack.tokens.main);
});
afterEach(() => {
  recorder.behaviour = jsonResult;
});
afterAll(async () => {
  await stack?.close();
  await heldStore.close();
});

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

async function openStreams(of = proxy): Promise<number> {
  const text = await (await fetch(`${of.url}/metrics`)).text();
  return Number(/^portcullis_proxy_open_streams (\d+)/m.exec(text)?.[1]);
}

async function until(check: () => boolean | Promise<boolean>, ms = 3_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(20);
  }
  return check();
}

/**
 * Have the upstream answer `payload` without content-length, in 64 KB pieces, each written only when its socket
 * takes more; `written()` is how much it has written so far.
 */
function serveChunked(payload: Buffer): { written: () => number } {
  let written = 0;
  recorder.behaviour = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const next = () => {
      while (written < payload.length) {
        const piece = payload.subarray(written, written + 64 * 1024);
        written += piece.length;
        if (!res.write(piece)) return void res.once('drain', next);
      }
      res.end();
    };
    next();
  };
  return { written: () => written };
}

describe('forwarded bodies', () => {
  it('passes a 48 MB answer byte for byte, holding the upstream back while the client does not read', async () => {
    const payload = randomBytes(48 * 1024 * 1024);
    const upstream = serveChunked(payload);
    const res = await post(proxy.mcp, token, PING);
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    await sleep(300);
    // Without flow control the proxy would buffer the rest and the upstream would be done by now; socket
    // buffers on loopback hold a few MB, far less than 48 MB.
    expect(upstream.written()).toBeLessThan(payload.length);
    const chunks: Uint8Array[] = [first.value as Uint8Array];
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) chunks.push(chunk.value);
    const received = Buffer.concat(chunks);
    expect(received.length).toBe(payload.length);
    expect(sha256(received)).toBe(sha256(payload));
  });

  it('aborts the upstream request when the client goes away in the middle of a stream', async () => {
    let upstreamClosed = false;
    recorder.behaviour = (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: message\ndata: {"n":1}\n\n');
      const timer = setInterval(() => res.write(': keep-alive\n\n'), 50);
      req.socket.once('close', () => {
        upstreamClosed = true;
        clearInterval(timer);
      });
    };
    const controller = new AbortController();
    const res = await post(proxy.mcp, token, PING, {}, controller.signal);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('"n":1');
    expect(await openStreams()).toBe(1);
    controller.abort();
    expect(await until(() => upstreamClosed)).toBe(true);
    expect(await until(async () => (await openStreams()) === 0)).toBe(true);
  });

  it('sends nothing upstream for a client that left while its request was being checked', async () => {
    const held = stack.proxies.held as RunningProxy;
    const heldToken = String(stack.tokens.held);
    recorder.behaviour = (req, res) => {
      if (req.method === 'POST') {
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'held-1' }).end('{}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
    };
    const opened = await post(held.mcp, heldToken, PING);
    expect(opened.headers.get('mcp-session-id')).toBe('held-1');
    await opened.text();
    recorder.requests.length = 0;
    const sockets: Socket[] = [];
    const track = (socket: Socket) => sockets.push(socket);
    held.app.server.on('connection', track);
    heldStore.hold();
    const { host } = new URL(held.url);
    const client = connect(Number(new URL(held.url).port), '127.0.0.1');
    client.write(
      `GET /mcp HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${heldToken}\r\nMcp-Session-Id: held-1\r\nAccept: text/event-stream\r\n\r\n`,
    );
    expect(await until(() => heldStore.waiting === 1)).toBe(true);
    client.destroy();
    expect(await until(() => sockets.length === 1 && sockets.every((s) => s.destroyed))).toBe(true);
    held.app.server.off('connection', track);
    heldStore.release();
    const dropped = () =>
      held.logs().some((l) => l.event === 'auth_decision' && l.method === 'GET' && l.status === undefined);
    expect(await until(dropped)).toBe(true);
    // Forwarded, it would reach the upstream within milliseconds and hold a stream open for good.
    expect(await until(() => recorder.requests.length > 0, 1_000)).toBe(false);
    expect(await openStreams(held)).toBe(0);
  });

  it('cuts the client response, rather than leave it hanging, when the upstream fails mid-body', async () => {
    recorder.behaviour = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: message\ndata: {"n":1}\n\n');
      setTimeout(() => res.socket?.destroy(), 50);
    };
    const res = await post(proxy.mcp, token, PING);
    expect(res.status).toBe(200);
    const failed = await res.text().then(
      () => false,
      () => true,
    );
    expect(failed).toBe(true);
    expect(await until(async () => (await openStreams()) === 0)).toBe(true);
  });

  it('answers 504 with a JSON-RPC error, within upstream.timeoutMs, when a JSON answer stalls after its headers', async () => {
    let upstreamClosed = false;
    recorder.behaviour = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      req.socket.once('close', () => {
        upstreamClosed = true;
      });
    };
    const started = Date.now();
    const res = await post(proxy.mcp, token, PING);
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({
      jsonrpc: '2.0',
      error: { code: -32000, message: expect.stringContaining('no answer body within 2000 ms') },
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await until(() => upstreamClosed)).toBe(true);
    expect(proxy.logs()).toContainEqual(expect.objectContaining({ kind: 'timeout', status: 200 }));
  });

  it('cuts a JSON answer that stalls in the middle of its body, so the client is not left waiting', async () => {
    recorder.behaviour = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"jsonrpc":"2.0",');
      setTimeout(() => res.write('"id":7,'), 20);
    };
    const res = await post(proxy.mcp, token, PING);
    expect(res.status).toBe(200);
    const failed = await res.text().then(
      () => false,
      () => true,
    );
    expect(failed).toBe(true);
  });

  it('does not count against the idle limit the time the client itself is not reading', async () => {
    const payload = randomBytes(16 * 1024 * 1024);
    serveChunked(payload);
    const res = await post(proxy.mcp, token, PING);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const chunks: Uint8Array[] = [(await reader.read()).value as Uint8Array];
    await sleep(3_000); // longer than upstream.timeoutMs (2 s): the proxy holds the upstream back meanwhile
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) chunks.push(chunk.value);
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(payload));
  });

  it('keeps a JSON answer whole: head, body and end reach the client together', async () => {
    recorder.behaviour = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"jsonrpc":"2.0",');
      setTimeout(() => res.end('"id":7,"result":{}}'), 20);
    };
    const res = await post(proxy.mcp, token, PING);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ jsonrpc: '2.0', id: 7, result: {} });
  });
});
