import { once } from 'node:events';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { freePort, type LocalIssuer, startLocalIssuer } from '@portcullis/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PING, post, type RunningProxy, startProxy } from './helpers/proxy.js';

// An upstream that answers, but not with an HTTP response undici takes: a raw socket server writes the bytes,
// so the answer can break HTTP/1.1 or the header size limit as no HTTP server library would.
let issuer: LocalIssuer;
let upstream: Server;
let proxy: RunningProxy;
let answer = (socket: Socket) => socket.end();

beforeAll(async () => {
  issuer = await startLocalIssuer();
  upstream = createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => answer(socket));
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const { port } = upstream.address() as AddressInfo;
  proxy = await startProxy(await freePort(), {
    idp: { issuer: issuer.issuer, jwksUri: issuer.jwksUri },
    upstream: { url: `http://127.0.0.1:${port}/mcp` },
    scopes: { default: ['mcp:tools'] },
  });
});
afterAll(async () => {
  await proxy?.close();
  upstream?.close();
  await issuer?.close();
});

async function upstreamErrors(kind: string): Promise<number> {
  const text = await (await fetch(`${proxy.url}/metrics`)).text();
  const line = new RegExp(`^portcullis_proxy_upstream_errors_total\\{kind="${kind}"\\} (\\d+)`, 'm');
  return Number(line.exec(text)?.[1] ?? 0);
}

/** POST a ping through the proxy; the status, the JSON-RPC error message, and the failure logged for it. */
async function forwardPing() {
  const seen = proxy.logs().length;
  const res = await post(proxy.mcp, await issuer.sign(proxy.mcp), PING);
  const body = (await res.json()) as { error: { code: number; message: string } };
  const logged = proxy
    .logs()
    .slice(seen)
    .find((line) => line.msg === 'upstream request failed');
  return { status: res.status, error: body.error, logged };
}

describe('an upstream answer undici refuses', () => {
  it('answers 502 "sent an invalid answer", counted as invalid_response, when the response headers are too large', async () => {
    answer = (socket) =>
      socket.end(
        `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: ${'a'.repeat(20_000)}\r\n` +
          'Content-Length: 2\r\n\r\n{}',
      );
    const before = await upstreamErrors('invalid_response');
    const { status, error, logged } = await forwardPing();
    expect(status).toBe(502);
    expect(error).toEqual({
      code: -32000,
      message:
        'the upstream MCP server sent an invalid answer: its response headers exceed the limit of 16384 bytes',
    });
    expect(logged).toMatchObject({
      kind: 'invalid_response',
      err: { code: 'ERR_PORTCULLIS_PROXY_UPSTREAM_INVALID_RESPONSE' },
    });
    expect(await upstreamErrors('invalid_response')).toBe(before + 1);
    expect(await upstreamErrors('other')).toBe(0);
  });

  it('answers 502 "sent an invalid answer" when the upstream answers bytes that are not HTTP/1.1', async () => {
    for (const bytes of [
      'SSH-2.0-OpenSSH_9.6\r\n\r\n',
      'HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\n{}',
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nBad Header\r\n\r\n{}',
      'HTTP/1.1 100 Continue\r\n\r\n',
    ]) {
      answer = (socket) => socket.end(bytes);
      const before = await upstreamErrors('invalid_response');
      const { status, error, logged } = await forwardPing();
      expect(status, bytes).toBe(502);
      expect(error.message, bytes).toMatch(
        /^the upstream MCP server sent an invalid answer: it is not a valid HTTP\/1\.1 response/,
      );
      expect(logged, bytes).toMatchObject({ kind: 'invalid_response' });
      expect(await upstreamErrors('invalid_response'), bytes).toBe(before + 1);
    }
  });
});
