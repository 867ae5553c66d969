import { rawHttpExchange } from '@portcullis/test-support';
import { describe, expect, it } from 'vitest';
import { useRecordedProxy } from './helpers/stacks.js';

// Requests Node.js refuses before Fastify routes them: written byte by byte over a raw socket, since fetch
// would refuse to send most of them.
const env = useRecordedProxy();

const exchange = (bytes: string) => rawHttpExchange(env.proxy.url, bytes);

const post = (headers: string) =>
  `POST /mcp HTTP/1.1\r\nHost: localhost:${new URL(env.proxy.url).port}\r\n${headers}` +
  'Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}';

describe('requests Node.js refuses before routing', () => {
  it('[PX-13] answers headers over the limit with 431, a JSON-RPC error naming the limit, and Connection: close, echoing and logging no token', async () => {
    const big = `${env.token}.${'x'.repeat(20_000)}`;
    const { head, body } = await exchange(post(`Authorization: Bearer ${big}\r\n`));
    expect(head).toMatch(/^http\/1\.1 431 /);
    expect(head).toContain('content-type: application/json');
    expect(head).toContain('connection: close');
    expect(JSON.parse(body)).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: {
        code: -32000,
        message:
          'the request headers exceed the limit of 16384 bytes in all; send fewer or shorter headers (a large access token or cookie is the usual cause)',
      },
    });
    expect(body).not.toContain(env.token);
    expect(env.proxy.logText()).toContain('client error before routing; answered 431');
    expect(env.proxy.logText()).not.toContain(env.token);
  });

  it('answers a request that is not valid HTTP/1.1 with 400 and a JSON-RPC error naming the broken rule', async () => {
    for (const [bytes, reason] of [
      [post(`Authorization: Bearer ${env.token}\r\nBad Header\r\n`), 'Invalid header token'],
      [`G@T /mcp HTTP/1.1\r\nAuthorization: Bearer ${env.token}\r\n\r\n`, 'Invalid method encountered'],
      [
        post(`Authorization: Bearer ${env.token}\r\nTransfer-Encoding: chunked\r\n`),
        "Content-Length can't be present with Transfer-Encoding",
      ],
    ] as const) {
      const { head, body } = await exchange(bytes);
      expect(head, reason).toMatch(/^http\/1\.1 400 /);
      expect(head, reason).toContain('connection: close');
      expect(JSON.parse(body), reason).toEqual({
        jsonrpc: '2.0',
        id: null,
        error: {
          code: -32000,
          message: `the request is not valid HTTP/1.1 (${reason}); send a well-formed request`,
        },
      });
      expect(body, reason).not.toContain(env.token);
    }
    expect(env.proxy.logText()).not.toContain(env.token);
  });
});
