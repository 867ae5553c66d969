import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedFetch, IdpError, isPublicAddress, resolveGuardedTarget } from '../src/index.js';

const STRICT = { allowHttpLoopback: false, allowedHosts: [] as string[] };

describe('isPublicAddress (RFC 6890 special-purpose ranges)', () => {
  it.each([
    '10.0.0.5',
    '172.16.3.4',
    '192.168.1.1',
    '127.0.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:a9fe:a9fe',
    '64:ff9b::a00:5',
    '[::1]',
    'not-an-ip',
  ])('[AS-18] %s is not public', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([
    ['::7f00:1', 'IPv4-compatible 127.0.0.1'],
    ['::127.0.0.1', 'IPv4-compatible 127.0.0.1, dotted'],
    ['::a9fe:a9fe', 'IPv4-compatible 169.254.169.254'],
    ['::808:808', 'IPv4-compatible 8.8.8.8 (the range is deprecated, refused whole)'],
    ['::ffff:0:7f00:1', 'IPv4-translated 127.0.0.1'],
    ['::ffff:0:a00:5', 'IPv4-translated 10.0.0.5'],
    ['64:ff9b::7f00:1', 'NAT64 127.0.0.1'],
    ['64:ff9b:1::a00:5', 'local-use NAT64 10.0.0.5'],
    ['2002:7f00:1::1', '6to4 of 127.0.0.1'],
    ['2002:808:808::1', '6to4 of 8.8.8.8 (refused whole)'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    ['3fff::1', 'documentation (RFC 9637)'],
    ['5f00::1', 'SRv6 SIDs (RFC 9602)'],
  ])('[AS-18] %s (%s) embeds or is a non-public address and is not public', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['93.184.215.14', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'])(
    '[AS-18] %s is public',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );
});

describe('resolveGuardedTarget (MCP Security Best Practices §SSRF)', () => {
  it('[AS-18] refuses https://10.0.0.5/c.json before any DNS or connection', async () => {
    let resolved = 0;
    const resolver = async () => {
      resolved++;
      return [];
    };
    const error = await resolveGuardedTarget('https://10.0.0.5/c.json', { ...STRICT, resolver }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(IdpError);
    expect(error.code).toBe('ERR_PORTCULLIS_IDP_SSRF_BLOCKED');
    expect(resolved).toBe(0);
  });

  it.each(['https://[::127.0.0.1]/c.json', 'https://[::ffff:0:7f00:1]/c.json'])(
    '[AS-18] refuses the IPv6 literal %s that embeds a loopback IPv4 address',
    async (url) => {
      await expect(resolveGuardedTarget(url, STRICT)).rejects.toMatchObject({
        code: 'ERR_PORTCULLIS_IDP_SSRF_BLOCKED',
      });
    },
  );

  it('[AS-18] refuses a name resolving to 169.254.169.254', async () => {
    const resolver = async () => [{ address: '169.254.169.254', family: 4 as const }];
    await expect(
      resolveGuardedTarget('https://metadata.test/c.json', { ...STRICT, resolver }),
    ).rejects.toMatchObject({
      code: 'ERR_PORTCULLIS_IDP_SSRF_BLOCKED',
      message:
        'refusing to fetch https://metadata.test: metadata.test resolves to the non-public address 169.254.169.254',
    });
  });

  it('[AS-18] refuses when any one of several addresses is private', async () => {
    const resolver = async () => [
      { address: '93.184.215.14', family: 4 as const },
      { address: 'fd00::1', family: 6 as const },
    ];
    await expect(
      resolveGuardedTarget('https://mixed.test/c.json', { ...STRICT, resolver }),
    ).rejects.toMatchObject({
      code: 'ERR_PORTCULLIS_IDP_SSRF_BLOCKED',
    });
  });

  it('[AS-18] refuses http URLs and userinfo in production mode', async () => {
    await expect(resolveGuardedTarget('http://93.184.215.14/c.json', STRICT)).rejects.toMatchObject({
      code: 'ERR_PORTCULLIS_IDP_SSRF_SCHEME',
    });
    await expect(resolveGuardedTarget('https://u:p@93.184.215.14/c.json', STRICT)).rejects.toMatchObject({
      code: 'ERR_PORTCULLIS_IDP_SSRF_SCHEME',
    });
  });

  it('[AS-18] returns the checked address to connect to (DNS pinning)', async () => {
    const resolver = async () => [{ address: '93.184.215.14', family: 4 as const }];
    const target = await resolveGuardedTarget('https://client.test/c.json', { ...STRICT, resolver });
    expect(target).toMatchObject({ address: '93.184.215.14', family: 4, plainHttp: false });
  });

  it('[AS-18] the dev allow-list exempts a host; allowHttpLoopback allows loopback over http', async () => {
    const resolver = async () => [{ address: '10.1.2.3', family: 4 as const }];
    const allowed = await resolveGuardedTarget('https://clients.internal/c.json', {
      ...STRICT,
      allowedHosts: ['clients.internal'],
      resolver,
    });
    expect(allowed.address).toBe('10.1.2.3');
    const loopback = await resolveGuardedTarget('https://127.0.0.1:8443/c.json', {
      ...STRICT,
      allowHttpLoopback: true,
    });
    expect(loopback.plainHttp).toBe(true);
    await expect(
      resolveGuardedTarget('https://10.0.0.5/c.json', { ...STRICT, allowHttpLoopback: true }),
    ).rejects.toMatchObject({ code: 'ERR_PORTCULLIS_IDP_SSRF_BLOCKED' });
  });
});

describe('createGuardedFetch', () => {
  let server: Server;
  let port = 0;
  let connections = 0;
  /** Told whether the server had answered when a `/slow` request's connection closed. */
  let onSlowClosed: ((answered: boolean) => void) | undefined;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/big') res.end('x'.repeat(6 * 1024));
      else if (req.url === '/redirect') res.writeHead(302, { location: '/ok' }).end();
      // Never answers: only the client can end this exchange, by dropping the connection.
      else if (req.url === '/slow') res.on('close', () => onSlowClosed?.(res.writableEnded));
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    server.on('connection', () => {
      connections++;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const dev = { allowHttpLoopback: true, allowedHosts: [], timeoutMs: 500, maxBytes: 5_120 };

  it('[AS-18] a name pointing at a listening loopback sinkhole is refused with no connection', async () => {
    const before = connections;
    const guarded = createGuardedFetch({
      ...STRICT,
      timeoutMs: 500,
      maxBytes: 5_120,
      resolver: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    await expect(guarded(`https://sinkhole.test:${port}/ok`)).rejects.toMatchObject({
      code: 'ERR_PORTCULLIS_IDP_SSRF_BLOCKED',
    });
    expect(connections).toBe(before);
  });

  it('[AS-17] returns 3xx as is and never follows it', async () => {
    const res = await createGuardedFetch(dev)(`https://127.0.0.1:${port}/redirect`, { redirect: 'manual' });
    expect(res.status).toBe(302);
  });

  it('[AS-18] fails a body larger than maxBytes', async () => {
    await expect(createGuardedFetch(dev)(`https://127.0.0.1:${port}/big`)).rejects.toMatchObject({
      code: 'ERR_PORTCULLIS_IDP_FETCH_TOO_LARGE',
    });
  });

  it('[AS-18] aborts a request that gets no answer within timeoutMs with the typed timeout error', async () => {
    const closed = new Promise<boolean>((resolve) => {
      onSlowClosed = resolve;
    });
    const error = await createGuardedFetch(dev)(`https://127.0.0.1:${port}/slow`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdpError);
    expect(error).toMatchObject({ code: 'ERR_PORTCULLIS_IDP_FETCH_TIMEOUT' });
    // The server never answered and saw the client abandon the connection.
    expect(await closed).toBe(false);
  });

  it('[AS-16] returns a 200 JSON document', async () => {
    const res = await createGuardedFetch(dev)(`https://127.0.0.1:${port}/ok`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });
});
