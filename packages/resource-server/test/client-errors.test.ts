import { Writable } from 'node:stream';
import { rawHttpExchange } from '@portcullis/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRedactingLogger } from '../src/index.js';
import { signToken } from './helpers/keys.js';
import { useResourceServer } from './helpers/server.js';

// Requests Node.js refuses before Fastify routes them (`clientError`), written over a raw socket, since fetch
// would refuse to send them. The server logs at `trace`, where Fastify's default handler logged the whole
// error, whose `rawPacket` holds the request's bytes.
const env = useResourceServer({ logLevel: 'trace' });
let token: string;

beforeAll(async () => {
  token = await signToken(env.rs.resource, { key: env.key });
});

const exchange = (bytes: string) => rawHttpExchange(env.rs.origin, bytes);

const post = (headers: string) =>
  `POST /mcp HTTP/1.1\r\nHost: ${new URL(env.rs.origin).host}\r\n${headers}` +
  'Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}';

describe('requests Node.js refuses before routing (clientErrorHandler)', () => {
  it('[RS-30] answers headers over the limit with 431 and a JSON-RPC error, and logs no token even at trace', async () => {
    const { head, body } = await exchange(post(`Authorization: Bearer ${token}.${'x'.repeat(20_000)}\r\n`));
    expect(head).toMatch(/^http\/1\.1 431 /);
    expect(head).toContain('connection: close');
    expect(JSON.parse(body)).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32000 } });
    expect(JSON.parse(body).error.message).toContain('request headers exceed the limit of');
    expect(body).not.toContain(token);
    const logs = env.rs.logs.join('');
    expect(logs).toContain('client error before routing; answered 431');
    // The bytes would be logged as a Buffer's JSON (numbers), so look for the field, not only the token.
    expect(logs).not.toContain('"rawPacket":{');
    expect(logs).not.toContain(token);
  });

  it('[RS-30] answers a request that is not valid HTTP/1.1 with 400 naming the broken rule, and logs no token', async () => {
    const { head, body } = await exchange(post(`Authorization: Bearer ${token}\r\nBad Header\r\n`));
    expect(head).toMatch(/^http\/1\.1 400 /);
    expect(head).toContain('connection: close');
    expect(JSON.parse(body).error.message).toMatch(/^the request is not valid HTTP\/1\.1 \(.+\); send/);
    expect(env.rs.logs.join('')).not.toContain(token);
  });
});

describe('createRedactingLogger', () => {
  it('[RS-30] redacts the raw request bytes a Node.js client error carries (err.rawPacket)', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createRedactingLogger({ level: 'trace', destination });
    const err = Object.assign(new Error('Parse Error: Header overflow'), {
      code: 'HPE_HEADER_OVERFLOW',
      rawPacket: Buffer.from('POST /mcp HTTP/1.1\r\nAuthorization: Bearer secret-token-value\r\n'),
    });
    logger.trace({ err }, 'client error');
    const line = JSON.parse(lines.join(''));
    expect(line.err.code).toBe('HPE_HEADER_OVERFLOW');
    expect(line.err.rawPacket).toBe('[REDACTED]');
  });
});
