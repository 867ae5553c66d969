import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@portcullis/test-support';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxyServer, type ReadinessCheck } from '../src/index.js';
import { PING, post, type RunningProxy, rpcError, startProxy } from './helpers/proxy.js';
import { jsonResult, type RecordingUpstream } from './helpers/recording-upstream.js';
import { type RecordedStack, startRecordedStack } from './helpers/stacks.js';

let stack: RecordedStack;
let recorder: RecordingUpstream;
let proxy: RunningProxy;
let deadProxy: RunningProxy;
let token: string;
let deadToken: string;

beforeAll(async () => {
  stack = await startRecordedStack({
    main: (url) => ({
      upstream: { url, timeoutMs: 500 },
      limits: { bodyBytes: 64 * 1024 },
      shutdown: { drainTimeoutMs: 800 },
    }),
    dead: (_url, dead) => ({ upstream: { url: dead, timeoutMs: 500 } }),
    late: (url) => ({ upstream: { url }, shutdown: { drainTimeoutMs: 300 } }),
  });
  ({ recorder } = stack);
  proxy = stack.proxies.main as RunningProxy;
  deadProxy = stack.proxies.dead as RunningProxy;
  token = String(stack.tokens.main);
  deadToken = String(stack.tokens.dead);
});
afterAll(async () => {
  await stack?.close();
});

/** Everything `reader` still delivers, as text. */
async function readToEnd(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  let text = '';
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    text += new TextDecoder().decode(chunk.value);
  }
  return text;
}

describe('streaming and limits', () => {
  it('streams SSE events as the upstream produces them, without buffering', async () => {
    let release: () => void = () => {};
    const clientGotFirst = new Promise<void>((resolve) => {
      release = resolve;
    });
    recorder.behaviour = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('event: message\ndata: {"n":1}\n\n');
      // The second event is produced only once the client has the first: a buffering proxy never delivers it.
      void clientGotFirst.then(() => res.end('event: message\ndata: {"n":2}\n\n'));
      setTimeout(() => res.end(), 3_000).unref();
    };
    const res = await post(proxy.mcp, token, PING);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('"n":1');
    release();
    const rest = await readToEnd(reader);
    expect(rest).toContain('"n":2');
    recorder.behaviour = jsonResult;
  });

  it('streams an SSE answer whose media type differs in case (Text/Event-Stream; charset=utf-8)', async () => {
    let release: () => void = () => {};
    const clientGotFirst = new Promise<void>((resolve) => {
      release = resolve;
    });
    recorder.behaviour = (_req, res) => {
      res.writeHead(200, { 'content-type': 'Text/Event-Stream; charset=utf-8' });
      res.write('event: message\ndata: {"n":1}\n\n');
      void clientGotFirst.then(() => res.end('event: message\ndata: {"n":2}\n\n'));
      setTimeout(() => res.end(), 3_000).unref();
    };
    const res = await post(proxy.mcp, token, PING);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('"n":1');
    release();
    const rest = await readToEnd(reader);
    expect(rest).toContain('"n":2');
    recorder.behaviour = jsonResult;
  });

  it('does not cut an open, idle SSE stream at the upstream timeout', async () => {
    recorder.behaviour = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      setTimeout(() => res.end('data: {"late":true}\n\n'), 900);
    };
    const res = await post(proxy.mcp, token, PING);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('"late":true');
    recorder.behaviour = jsonResult;
  });

  it('answers 504 when the upstream sends no headers within upstream.timeoutMs', async () => {
    recorder.behaviour = (_req, res) => {
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), 2_000).unref();
    };
    const started = Date.now();
    const res = await post(proxy.mcp, token, PING);
    expect(res.status).toBe(504);
    expect(await rpcError(res)).toBe(-32000);
    expect(Date.now() - started).toBeLessThan(1_500);
    recorder.behaviour = jsonResult;
  });

  it('answers 502 with a JSON-RPC error when the upstream is down', async () => {
    const res = await post(deadProxy.mcp, deadToken, PING);
    expect(res.status).toBe(502);
    expect(await rpcError(res)).toBe(-32000);
  });

  it('refuses a body over limits.bodyBytes with 413, after authentication', async () => {
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'ping',
      params: { pad: 'x'.repeat(100 * 1024) },
    });
    const res = await post(proxy.mcp, token, big);
    expect(res.status).toBe(413);
    expect(await rpcError(res)).toBe(-32600);
    expect((await post(proxy.mcp, undefined, big)).status).toBe(401);
  });

  it('refuses malformed JSON (-32700) and non-JSON-RPC bodies (-32600) with 400', async () => {
    const bad = await post(proxy.mcp, token, '{"jsonrpc":');
    expect(bad.status).toBe(400);
    expect(await rpcError(bad)).toBe(-32700);
    for (const body of ['{"hello":1}', '[]', '{"jsonrpc":"1.0","method":"ping","id":1}']) {
      const res = await post(proxy.mcp, token, body);
      expect(res.status).toBe(400);
      expect(await rpcError(res)).toBe(-32600);
    }
  });
});

describe('operations', () => {
  it('reports readiness of the IdP JWKS and the upstream', async () => {
    const ready = await fetch(`${proxy.url}/readyz`);
    expect(ready.status).toBe(200);
    const down = await fetch(`${deadProxy.url}/readyz`);
    expect(down.status).toBe(503);
    const body = (await down.json()) as { checks: { idpJwks: { ok: boolean }; upstream: { ok: boolean } } };
    expect(body.checks.idpJwks.ok).toBe(true);
    expect(body.checks.upstream.ok).toBe(false);
    expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);
  });

  it('reports a stdio upstream ready only when its command is an executable file, found as the spawn finds it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-readyz-'));
    const script = join(dir, 'server.sh');
    await writeFile(script, '#!/bin/sh\n', { mode: 0o644 });
    const check = async (upstream: { command: string; cwd?: string; env?: Record<string, string> }) => {
      const app = createProxyServer({
        idp: { issuer: 'http://127.0.0.1:1', jwksUri: 'http://127.0.0.1:1/jwks' },
        upstream: { kind: 'stdio', ...upstream },
        logger: pino({ level: 'silent' }),
      });
      try {
        const res = await app.inject({ url: '/readyz', headers: { host: 'localhost:9090' } });
        return (res.json() as { checks: { upstream: ReadinessCheck } }).checks.upstream;
      } finally {
        await app.close();
      }
    };
    expect(await check({ command: process.execPath })).toMatchObject({ ok: true });
    expect(await check({ command: 'sh' })).toMatchObject({ ok: true, url: 'stdio:sh' });
    expect(await check({ command: 'portcullis-no-such-mcp-server' })).toMatchObject({
      ok: false,
      url: 'stdio:portcullis-no-such-mcp-server',
      error: `upstream.command "portcullis-no-such-mcp-server" is not an executable file in any directory of the child's PATH`,
    });
    // The PATH of the child's environment (upstream.env), not the proxy's.
    expect(await check({ command: 'sh', env: { PATH: dir } })).toMatchObject({ ok: false });
    expect((await check({ command: script })).error).toBe(`upstream.command "${script}" is not executable`);
    const relative = { command: './server.sh', cwd: dir };
    expect((await check(relative)).error).toBe('upstream.command "./server.sh" is not executable');
    await chmod(script, 0o755);
    expect(await check(relative)).toMatchObject({ ok: true });
    expect(await check({ command: 'server.sh', env: { PATH: dir } })).toMatchObject({ ok: true });
    expect((await check({ command: dir })).error).toBe(`upstream.command "${dir}" is not a file`);
    expect((await check({ command: './gone.sh', cwd: dir })).error).toMatch(/"\.\/gone\.sh" does not exist$/);
    const missing = join(dir, 'missing');
    expect((await check({ command: 'sh', cwd: missing })).error).toBe(
      `upstream.cwd "${missing}" is not a directory`,
    );
  });

  it('exports Prometheus metrics for requests, auth decisions and upstream errors', async () => {
    const text = await (await fetch(`${proxy.url}/metrics`)).text();
    expect(text).toMatch(
      /portcullis_proxy_http_requests_total\{route="\/mcp",method="POST",status="200"\} \d+/,
    );
    expect(text).toMatch(
      /portcullis_proxy_auth_decisions_total\{decision="allow",reason="scopes_satisfied"\}/,
    );
    expect(text).toMatch(/portcullis_proxy_auth_decisions_total\{decision="deny",reason="body_too_large"\}/);
    expect(text).toMatch(/portcullis_proxy_upstream_errors_total\{kind="timeout"\} 1/);
    expect(text).toContain('portcullis_proxy_http_request_duration_seconds_bucket');
  });

  it('drains on shutdown: refuses new connections, lets requests finish, then ends open streams', async () => {
    recorder.behaviour = (_req, res, body) => {
      if (body.includes('slow')) {
        setTimeout(
          () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"done":true}'),
          100,
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"open":true}\n\n');
    };
    const stream = await post(proxy.mcp, token, PING);
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const slow = post(proxy.mcp, token, JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'slow' }));
    while (!recorder.requests.some((r) => r.body.includes('slow'))) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const started = Date.now();
    const closing = proxy.close();
    let ended = false;
    for (let chunk = await reader.read().catch(() => ({ done: true })); !chunk.done; ) {
      chunk = await reader.read().catch(() => ({ done: true }));
    }
    ended = true;
    await closing;
    expect(ended).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect(Date.now() - started).toBeLessThan(4_000);
    const finished = await slow;
    expect(finished.status).toBe(200);
    expect(await finished.text()).toBe('{"done":true}');
    await expect(fetch(`${proxy.url}/healthz`)).rejects.toThrow();
    recorder.behaviour = jsonResult;
  });

  it('ends a request that reaches its handler after the drain: 503, and close() does not wait for it', async () => {
    const late = stack.proxies.late as RunningProxy;
    recorder.behaviour = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"open":true}\n\n');
    };
    const { port } = new URL(late.url);
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (d: Buffer) => {
      answer += d.toString();
    });
    try {
      await new Promise((resolve) => socket.once('connect', resolve));
      // The token is checked before the body has arrived; the rest of the body comes after close() began.
      socket.write(
        `POST /mcp HTTP/1.1\r\nhost: localhost:${port}\r\ncontent-type: application/json\r\n` +
          `accept: application/json, text/event-stream\r\nauthorization: Bearer ${String(stack.tokens.late)}\r\n` +
          `content-length: ${PING.length}\r\n\r\n${PING.slice(0, 10)}`,
      );
      await new Promise((r) => setTimeout(r, 200));
      let closed = false;
      void late.close().then(() => {
        closed = true;
      });
      await new Promise((r) => setTimeout(r, 50));
      socket.write(PING.slice(10));
      for (let i = 0; i < 100 && !closed; i++) await new Promise((r) => setTimeout(r, 50));
      expect(closed).toBe(true);
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 503 Service Unavailable');
      expect(answer).toMatch(/retry-after: 5/i);
    } finally {
      socket.destroy();
      recorder.behaviour = jsonResult;
    }
  });

  it('a request sent just after close() began on a connection accepted just before still gets its 503', async () => {
    const port = await freePort();
    const racing = await startProxy(port, {
      idp: { issuer: stack.idp.issuer, jwksUri: `${stack.idp.issuer}/jwks` },
      upstream: { url: recorder.url },
      shutdown: { drainTimeoutMs: 100 },
    });
    const accepted = new Promise<void>((resolve) => racing.app.server.once('connection', () => resolve()));
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d: Buffer) => {
      answer += d.toString();
    });
    const gone = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    try {
      await accepted;
      const closed = racing.close();
      // Nothing is in flight, so the drain is over at once; the request comes 30 ms later.
      await new Promise((r) => setTimeout(r, 30));
      socket.write(`GET /healthz HTTP/1.1\r\nhost: localhost:${port}\r\n\r\n`);
      await gone;
      await closed;
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 503 Service Unavailable');
    } finally {
      socket.destroy();
    }
  });

  it('close() is not held by a connection that never sent a request (a preconnect)', async () => {
    const port = await freePort();
    const idle = await startProxy(port, {
      idp: { issuer: stack.idp.issuer, jwksUri: `${stack.idp.issuer}/jwks` },
      upstream: { url: recorder.url },
      shutdown: { drainTimeoutMs: 100 },
    });
    const socket = connect(port, '127.0.0.1');
    const gone = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    try {
      await new Promise((resolve) => socket.once('connect', resolve));
      let closed = false;
      void idle.close().then(() => {
        closed = true;
      });
      // Node.js ends such a connection only at its headers timeout (60 s); the proxy ends it after the drain.
      await gone;
      for (let i = 0; i < 100 && !closed; i++) await new Promise((r) => setTimeout(r, 50));
      expect(closed).toBe(true);
    } finally {
      socket.destroy();
    }
  });
});
