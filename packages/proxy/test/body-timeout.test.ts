import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from './helpers/proxy.js';
import { jsonResult } from './helpers/recording-upstream.js';
import { type RecordedStack, startRecordedStack } from './helpers/stacks.js';

// A client that stops in the middle of its request body: Node.js sets no limit once the headers are in.
let stack: RecordedStack;
let proxy: RunningProxy;
let token: string;

beforeAll(async () => {
  stack = await startRecordedStack({
    main: (url) => ({ upstream: { url }, limits: { bodyTimeoutMs: 300 } }),
    closing: (url) => ({
      upstream: { url },
      limits: { bodyTimeoutMs: 500 },
      shutdown: { drainTimeoutMs: 100 },
    }),
  });
  proxy = stack.proxies.main as RunningProxy;
  token = String(stack.tokens.main);
});
afterAll(async () => {
  await stack?.close();
});

/** Send a POST's head and the first bytes of a 100-byte body, then nothing more; what comes back, and when it closed. */
function stalledUpload(url: string, bearer: string) {
  const { port } = new URL(url);
  const socket: Socket = connect(Number(port), '127.0.0.1');
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString();
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(
    `POST /mcp HTTP/1.1\r\nHost: localhost:${port}\r\nAuthorization: Bearer ${bearer}\r\n` +
      'Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n' +
      'Content-Length: 100\r\n\r\n{"jsonrpc"',
  );
  return { received: () => received, closed };
}

/** `promise`, or a rejection naming `what` if it has not settled within 10 s (a hang, not a timing check). */
function settles<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    promise,
    sleep(10_000).then(() => Promise.reject(new Error(`${what} did not happen within 10 s`))),
  ]);
}

describe('limits.bodyTimeoutMs', () => {
  it('answers 408 with a JSON-RPC error and Connection: close to a body that stalls, and closes the connection', async () => {
    const upload = stalledUpload(proxy.mcp, token);
    await settles(upload.closed, 'the connection close');
    const [head = '', body = ''] = upload.received().split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 408 /);
    expect(head.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(body)).toMatchObject({
      jsonrpc: '2.0',
      error: { code: -32000, message: expect.stringContaining('did not arrive whole within 300 ms') },
    });
    expect(proxy.logs()).toContainEqual(
      expect.objectContaining({ msg: 'request body not received whole within 300 ms; answered 408' }),
    );
  });

  it('leaves alone a request whose whole message arrived, though nothing read its body (a GET)', async () => {
    stack.recorder.behaviour = (_req, res) => {
      setTimeout(() => res.writeHead(200, { 'content-type': 'text/event-stream' }).end('data: {}\n\n'), 600);
    };
    try {
      const { port } = new URL(proxy.mcp);
      const socket = connect(Number(port), '127.0.0.1');
      let received = '';
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString();
      });
      socket.write(
        `GET /mcp HTTP/1.1\r\nHost: localhost:${port}\r\nAuthorization: Bearer ${token}\r\n` +
          'Accept: text/event-stream\r\nMCP-Protocol-Version: 2025-11-25\r\nContent-Length: 2\r\n\r\n{}',
      );
      await settles(
        (async () => {
          while (!received.includes('data: {}')) await sleep(20);
        })(),
        'the upstream answer',
      );
      socket.destroy();
      expect(received).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      stack.recorder.behaviour = jsonResult;
    }
  });

  it('lets close() finish while a client holds a stalled upload', async () => {
    const closing = stack.proxies.closing as RunningProxy;
    const upload = stalledUpload(closing.mcp, String(stack.tokens.closing));
    await sleep(100);
    await settles(closing.close(), 'close()');
    await settles(upload.closed, 'the connection close');
  });

  it('refuses a limit under 100 ms or over 10 minutes', async () => {
    const { InvalidProxyOptionsError, resolveOptions } = await import('../src/index.js');
    const base = { idp: { issuer: 'http://127.0.0.1:1', jwksUri: 'http://127.0.0.1:1/jwks' } };
    for (const bodyTimeoutMs of [99, 600_001]) {
      expect(() =>
        resolveOptions({ ...base, upstream: { url: 'http://127.0.0.1:2/mcp' }, limits: { bodyTimeoutMs } }),
      ).toThrow(InvalidProxyOptionsError);
    }
  });
});
