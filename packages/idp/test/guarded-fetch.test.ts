import { createServer, get, type Server } from 'node:http';
import type { AddressInfo, LookupFunction, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedFetch, IdpError } from '../src/index.js';
import { type RawAnswer, RawHost } from './helpers/raw-host.js';

const DEV = { allowHttpLoopback: true, allowedHosts: [] as string[], timeoutMs: 300, maxBytes: 5_120 };
const DOC = '{"ok":true}';

/** How `promise` stands after `ms`: settled either way, or still pending (a hang). */
async function within(ms: number, promise: Promise<unknown>) {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<{ state: 'pending' }>((resolve) => {
    timer = setTimeout(() => resolve({ state: 'pending' }), ms);
  });
  const settled = promise.then(
    (value) => ({ state: 'fulfilled' as const, value }),
    (error: unknown) => ({ state: 'rejected' as const, error }),
  );
  const outcome = await Promise.race([settled, pending]);
  clearTimeout(timer);
  return outcome;
}

function answer(statusLine: string, body = DOC): string {
  return `${statusLine}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
}

/** A host that answers `102 Processing` every 50 ms and never a final status. */
function endlessProcessing(socket: Socket): void {
  const timer = setInterval(() => socket.write('HTTP/1.1 102 Processing\r\n\r\n'), 50);
  socket.on('close', () => clearInterval(timer));
}

describe('createGuardedFetch: hostile answers of a document host (CIMD draft §6.5)', () => {
  const host = new RawHost();
  beforeAll(() => host.start());
  afterAll(() => host.stop());

  it.each([
    ['HTTP/1.1 600 X', 600],
    ['HTTP/1.1 999 Nope', 999],
    ['HTTP/1.1 000 Zero', 0],
    ['HTTP/1.1 101 Switching Protocols', 101],
  ])(
    '[AS-18] a status line "%s" fails with the typed fetch error, never a crash',
    async (statusLine, status) => {
      const url = host.answer(`/status-${status}`, { bytes: answer(statusLine) });
      const outcome = await within(2_000, createGuardedFetch(DEV)(url));
      expect(outcome).toMatchObject({
        state: 'rejected',
        error: {
          code: 'ERR_PORTCULLIS_IDP_FETCH_INVALID_RESPONSE',
          message: `the server answered status ${status}; only final statuses 200–599 are accepted`,
        },
      });
    },
  );

  it.each([
    ['a control character', 'O\x01K'],
    ['DEL', 'O\x7fK'],
  ])('[AS-18] a reason phrase with %s is dropped, the document is still read', async (_what, reason) => {
    const url = host.answer(`/reason-${reason.charCodeAt(1)}`, { bytes: answer(`HTTP/1.1 200 ${reason}`) });
    const outcome = await within(2_000, createGuardedFetch(DEV)(url));
    expect(outcome).toMatchObject({ state: 'fulfilled', value: { status: 200, statusText: '' } });
    expect(await (outcome as { value: Response }).value.json()).toEqual({ ok: true });
  });

  it('[AS-18] a 101 Switching Protocols upgrade fails at once and the connection is dropped', async () => {
    const url = host.answer('/upgrade', {
      bytes: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      keepOpen: true,
    });
    const closedBefore = host.closed;
    // Settled long before its 60 s time budget: refused on the upgrade itself, not by the timeout.
    const outcome = await within(5_000, createGuardedFetch({ ...DEV, timeoutMs: 60_000 })(url));
    expect(outcome).toMatchObject({
      state: 'rejected',
      error: {
        code: 'ERR_PORTCULLIS_IDP_FETCH_INVALID_RESPONSE',
        message: 'the server answered 101 Switching Protocols; protocol upgrades are refused',
      },
    });
    await expect.poll(() => host.closed).toBeGreaterThan(closedBefore);
  });

  it('[AS-18] bytes that are not HTTP/1.1 fail as an invalid response', async () => {
    const url = host.answer('/not-http', { bytes: 'SSH-2.0-OpenSSH_9.6\r\n' });
    const outcome = await within(2_000, createGuardedFetch(DEV)(url));
    expect(outcome).toMatchObject({
      state: 'rejected',
      error: {
        code: 'ERR_PORTCULLIS_IDP_FETCH_INVALID_RESPONSE',
        message: 'the server did not answer with valid HTTP/1.1',
      },
    });
  });

  it('[AS-16] 1xx informational answers are skipped and the final 200 is returned', async () => {
    const url = host.answer('/early-hints', {
      bytes: `HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n${answer('HTTP/1.1 200 OK')}`,
    });
    const res = await createGuardedFetch(DEV)(url);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it.each<[string, string, RawAnswer['bytes']]>([
    ['a body that never ends', '/stalled-body', 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"ok":'],
    ['endless 1xx answers', '/endless-1xx', endlessProcessing],
  ])('[AS-18] %s fail with the timeout error after timeoutMs', async (_what, path, bytes) => {
    const url = host.answer(path, { bytes, keepOpen: true });
    const closedBefore = host.closed;
    const outcome = await within(2_000, createGuardedFetch(DEV)(url));
    expect(outcome).toMatchObject({ state: 'rejected', error: { code: 'ERR_PORTCULLIS_IDP_FETCH_TIMEOUT' } });
    await expect.poll(() => host.closed).toBeGreaterThan(closedBefore);
  });

  it('[AS-18] an abort by the caller is a typed fetch error that says so', async () => {
    const url = host.answer('/held', {
      bytes: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n',
      keepOpen: true,
    });
    const controller = new AbortController();
    const pending = createGuardedFetch({ ...DEV, timeoutMs: 5_000 })(url, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdpError);
    expect(error).toMatchObject({
      code: 'ERR_PORTCULLIS_IDP_FETCH_FAILED',
      message: `fetch of ${url} was aborted by the caller`,
    });
  });
});

describe('createGuardedFetch: the time budget covers name resolution', () => {
  it('[AS-18] a resolver that never answers fails with the timeout error', async () => {
    const resolver = () => new Promise<{ address: string; family: 4 }[]>(() => {});
    const refused: string[] = [];
    const guarded = createGuardedFetch({
      ...DEV,
      allowHttpLoopback: false,
      timeoutMs: 200,
      resolver,
      onRefused: (_url, error) => refused.push(error.code),
    });
    const outcome = await within(5_000, guarded('https://slow-dns.test/c.json'));
    expect(outcome).toMatchObject({
      state: 'rejected',
      error: {
        code: 'ERR_PORTCULLIS_IDP_FETCH_TIMEOUT',
        message: 'no complete answer within 200 ms (name resolution, connection, headers and body)',
      },
    });
    expect(refused).toEqual(['ERR_PORTCULLIS_IDP_FETCH_TIMEOUT']);
  });
});

describe('createGuardedFetch: the connection goes to the checked address only', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  async function listen(address: string, port: number, body: string): Promise<number> {
    const server = createServer((_req, res) =>
      res.writeHead(200, { 'content-length': body.length }).end(body),
    );
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(port, address, resolve));
    return (server.address() as AddressInfo).port;
  }

  it('[AS-18] never reuses a pooled socket of the shared agent that another lookup opened', async () => {
    const port = await listen('127.0.0.1', 0, '"checked"');
    await listen('127.0.0.2', port, '"elsewhere"');
    // Other code of the process keeps a socket to 127.0.0.2 in http.globalAgent under the key "localhost:<port>:".
    await new Promise<void>((resolve, reject) => {
      const lookup: LookupFunction = (_host, opts, callback) =>
        opts.all ? callback(null, [{ address: '127.0.0.2', family: 4 }]) : callback(null, '127.0.0.2', 4);
      get({ hostname: 'localhost', port, lookup }, (res) => res.resume().on('end', resolve)).on(
        'error',
        reject,
      );
    });
    const guarded = createGuardedFetch({
      ...DEV,
      resolver: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    const res = await guarded(`https://localhost:${port}/c.json`);
    expect(await res.json()).toBe('checked');
  });
});
