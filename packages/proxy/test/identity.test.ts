import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startLocalIssuer } from '@portcullis/test-support';
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  jwtVerify,
} from 'jose';
import { describe, expect, it } from 'vitest';
import {
  createIdentityForwarder,
  MemoryStore,
  ProxyError,
  resolveOptions,
  SessionBindings,
} from '../src/index.js';
import { modernCall, startProxy } from './helpers/proxy.js';
import { startTrustingUpstream } from './helpers/reference-upstream.js';

const base = {
  idp: { issuer: 'http://localhost:8080', jwksUri: 'http://localhost:8080/jwks' },
  upstream: { url: 'http://127.0.0.1:3030/mcp' },
};
const now = () => Math.floor(Date.now() / 1000);
const auth = (token: string, expiresAt = now() + 900) => ({
  token,
  clientId: 'client-1',
  scopes: ['mcp:tools', 'mcp:admin'],
  expiresAt,
  extra: { subject: 'joe', issuer: 'http://localhost:8080' },
});

describe('the forwarded identity', () => {
  it('[PX-02] signs an at+jwt with a configured key file, for the upstream audience, with the RFC 8693 actor', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-proxy-'));
    const keyFile = join(dir, 'identity.jwk.json');
    await writeFile(keyFile, JSON.stringify({ ...(await exportJWK(privateKey)), kid: 'proxy-key-1' }));
    const forwarder = await createIdentityForwarder(
      resolveOptions({
        ...base,
        upstream: { ...base.upstream, identity: { mode: 'jwt', keyFile, ttlSeconds: 30 } },
      }),
    );
    expect(forwarder.jwks.keys).toHaveLength(1);
    expect(forwarder.jwks.keys[0]).toMatchObject({ kid: 'proxy-key-1', alg: 'ES256', use: 'sig' });
    expect(forwarder.jwks.keys[0]?.d).toBeUndefined();
    const { authorization } = await forwarder.headersFor(auth('sha256:a'));
    const jwt = String(authorization).slice('Bearer '.length);
    const { payload, protectedHeader } = await jwtVerify(
      jwt,
      createLocalJWKSet({ keys: [...forwarder.jwks.keys] }),
      {
        issuer: 'http://localhost:9090',
        audience: 'http://127.0.0.1:3030/mcp',
        typ: 'at+jwt',
      },
    );
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: 'proxy-key-1' });
    expect(payload).toMatchObject({
      sub: 'joe',
      client_id: 'client-1',
      scope: 'mcp:tools mcp:admin',
      act: { sub: 'http://localhost:9090' },
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(30);
  });

  it('reuses an identity for the same token only, and never lets it outlive the client token', async () => {
    const forwarder = await createIdentityForwarder(resolveOptions(base));
    const first = await forwarder.headersFor(auth('sha256:a'));
    expect(await forwarder.headersFor(auth('sha256:a'))).toEqual(first);
    expect(await forwarder.headersFor(auth('sha256:b'))).not.toEqual(first);
    const short = await forwarder.headersFor(auth('sha256:c', now() + 10));
    expect(decodeJwt(String(short.authorization).slice(7)).exp).toBeLessThanOrEqual(now() + 10);
  });

  it('warns when replicas sharing a store would each sign with a key of their own', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    const cases = [
      { store: new MemoryStore(), identity: undefined, warned: true },
      { store: new MemoryStore(), identity: { mode: 'jwt' as const, privateJwk }, warned: false },
      { store: undefined, identity: undefined, warned: false },
    ];
    for (const { store, identity, warned } of cases) {
      const proxy = await startProxy(await freePort(), {
        ...base,
        upstream: { ...base.upstream, ...(identity === undefined ? {} : { identity }) },
        ...(store === undefined ? {} : { store }),
      });
      await proxy.close();
      const warning = proxy
        .logs()
        .some((l) => String(l.msg).includes('give every replica the same upstream.identity.keyFile'));
      expect(warning, JSON.stringify({ store: store !== undefined, identity: identity !== undefined })).toBe(
        warned,
      );
    }
  });

  it('refuses a key file that is not a private EC P-256 JWK with a coded error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-proxy-'));
    const keyFile = join(dir, 'bad.json');
    await writeFile(keyFile, JSON.stringify({ kty: 'oct', k: 'c2VjcmV0' }));
    const options = resolveOptions({
      ...base,
      upstream: { ...base.upstream, identity: { mode: 'jwt', keyFile } },
    });
    await expect(createIdentityForwarder(options)).rejects.toMatchObject({
      code: 'ERR_PORTCULLIS_PROXY_SIGNING_KEY',
    });
    const missing = resolveOptions({
      ...base,
      upstream: { ...base.upstream, identity: { mode: 'jwt', keyFile: join(dir, 'none.json') } },
    });
    await expect(createIdentityForwarder(missing)).rejects.toBeInstanceOf(ProxyError);
  });
});

/** A private EC P-256 JWK with `kid`. */
async function privateKeyJwk(kid?: string) {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return kid === undefined ? jwk : { ...jwk, kid };
}

describe('signing-key rotation: keys published but not used to sign', () => {
  it('publishes publishedKeyFiles and publishedJwks (public members only) next to the signing key, and signs with that key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-proxy-'));
    const next = join(dir, 'next.jwk.json');
    await writeFile(next, JSON.stringify(await privateKeyJwk('key-2')));
    const previous = await privateKeyJwk();
    const { d: _d, ...previousPublic } = previous;
    const forwarder = await createIdentityForwarder(
      resolveOptions({
        ...base,
        upstream: {
          ...base.upstream,
          identity: {
            mode: 'jwt',
            privateJwk: await privateKeyJwk('key-1'),
            publishedKeyFiles: [next],
            publishedJwks: [previousPublic],
          },
        },
      }),
    );
    const kids = forwarder.jwks.keys.map((key) => key.kid);
    expect(kids.slice(0, 2)).toEqual(['key-1', 'key-2']);
    expect(kids[2]).toMatch(/^[\w-]{43}$/);
    for (const key of forwarder.jwks.keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key.d).toBeUndefined();
    }
    const { authorization } = await forwarder.headersFor(auth('sha256:rotation'));
    const jwt = String(authorization).slice('Bearer '.length);
    const { protectedHeader } = await jwtVerify(jwt, createLocalJWKSet({ keys: [...forwarder.jwks.keys] }));
    expect(protectedHeader.kid).toBe('key-1');
  });

  it('refuses a published key that is not EC P-256, cannot be read, or repeats a kid, naming the option', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-proxy-'));
    const rsa = join(dir, 'rsa.json');
    await writeFile(rsa, JSON.stringify({ kty: 'RSA', n: 'AQAB', e: 'AQAB' }));
    const attempt = (identity: Record<string, unknown>) =>
      createIdentityForwarder(
        resolveOptions({
          ...base,
          upstream: { ...base.upstream, identity: { mode: 'jwt', ...identity } },
        }),
      );
    await expect(attempt({ publishedKeyFiles: [rsa] })).rejects.toMatchObject({
      code: 'ERR_PORTCULLIS_PROXY_SIGNING_KEY',
      message: expect.stringContaining('upstream.identity.publishedKeyFiles[0]'),
    });
    await expect(attempt({ publishedKeyFiles: [join(dir, 'missing.json')] })).rejects.toMatchObject({
      message: expect.stringMatching(/publishedKeyFiles\[0\] .*missing\.json could not be read/),
    });
    const signing = await privateKeyJwk('same');
    await expect(
      attempt({ privateJwk: signing, publishedJwks: [await privateKeyJwk('same')] }),
    ).rejects.toMatchObject({ message: expect.stringContaining('the kid "same"') });
  });

  it('[PX-02] rolls from one key to the next with no failed call: replicas on either key serve one upstream', async () => {
    const issuer = await startLocalIssuer();
    const [portA, portB, upstreamPort] = [await freePort(), await freePort(), await freePort()];
    const publicUrl = `http://localhost:${portA}`;
    const upstreamUrl = `http://127.0.0.1:${upstreamPort}/mcp`;
    const [key1, key2] = [await privateKeyJwk('key-1'), await privateKeyJwk('key-2')];
    const publicOf = ({ d: _d, ...rest }: Record<string, unknown>) => rest;
    // The upstream reads the JWKS of replica A only, as behind a load balancer it reads one of them.
    const upstream = await startTrustingUpstream(publicUrl, upstreamPort);
    const replica = (port: number, signing: Record<string, unknown>, published: Record<string, unknown>) =>
      startProxy(port, {
        publicUrl,
        idp: { issuer: issuer.issuer, jwksUri: issuer.jwksUri },
        upstream: {
          url: upstreamUrl,
          identity: { mode: 'jwt', privateJwk: signing, publishedJwks: [publicOf(published)] },
        },
        scopes: { default: ['mcp:tools'] },
      });
    // Mid-rotation: A still signs with key 1 and already publishes key 2; B signs with key 2 and still
    // publishes key 1.
    const a = await replica(portA, key1, key2);
    const b = await replica(portB, key2, key1);
    try {
      const token = await issuer.sign(`${publicUrl}/mcp`);
      const hello = { method: 'tools/call', params: { name: 'hello-world', arguments: { name: 'joe' } } };
      for (const proxy of [a, b, a, b]) {
        const call = await modernCall(proxy.mcp, token, hello);
        expect(call.status).toBe(200);
        expect(await call.text()).toContain('Hello, joe!');
      }
      const jwks = (await (await fetch(`${publicUrl}/.well-known/jwks.json`)).json()) as {
        keys: { kid: string }[];
      };
      expect(jwks.keys.map((key) => key.kid)).toEqual(['key-1', 'key-2']);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await upstream.close();
      await issuer.close();
    }
  });
});

describe('signing-key rotation without a restart: reloadKeys() (SIGHUP to the CLI)', () => {
  it('[PX-02] publishes, switches to and retires a key by editing two files, with no failed call', async () => {
    const issuer = await startLocalIssuer();
    const [port, upstreamPort] = [await freePort(), await freePort()];
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-proxy-'));
    const keyFile = join(dir, 'identity.jwk.json');
    const setFile = join(dir, 'published.jwks.json');
    const [key1, key2] = [await privateKeyJwk('key-1'), await privateKeyJwk('key-2')];
    const publicOf = ({ d: _d, ...rest }: Record<string, unknown>) => rest;
    await writeFile(keyFile, JSON.stringify(key1));
    await writeFile(setFile, JSON.stringify({ keys: [] }));
    const proxy = await startProxy(port, {
      idp: { issuer: issuer.issuer, jwksUri: issuer.jwksUri },
      upstream: {
        url: `http://127.0.0.1:${upstreamPort}/mcp`,
        identity: { mode: 'jwt', keyFile, publishedKeyFiles: [setFile] },
      },
      scopes: { default: ['mcp:tools'] },
    });
    const upstream = await startTrustingUpstream(proxy.url, upstreamPort);
    const published = async () =>
      (
        (await (await fetch(`${proxy.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }
      ).keys.map((key) => key.kid);
    const signedWith = async () =>
      decodeProtectedHeader(
        String((await proxy.app.identityForwarder.headersFor(auth('sha256:rotation'))).authorization).slice(
          7,
        ),
      ).kid;
    try {
      const token = await issuer.sign(`${proxy.mcp}`);
      const hello = { method: 'tools/call', params: { name: 'hello-world', arguments: { name: 'joe' } } };
      const call = async () => {
        const res = await modernCall(proxy.mcp, token, hello);
        expect(res.status).toBe(200);
        expect(await res.text()).toContain('Hello, joe!');
      };
      // 1. Publish the next key.
      await writeFile(setFile, JSON.stringify({ keys: [publicOf(key2)] }));
      expect(await proxy.app.reloadKeys()).toEqual({
        signingKid: 'key-1',
        publishedKids: ['key-1', 'key-2'],
      });
      expect(await published()).toEqual(['key-1', 'key-2']);
      expect(await signedWith()).toBe('key-1');
      await call();
      // 2. Sign with it; keep publishing the previous one.
      await writeFile(keyFile, JSON.stringify(key2));
      await writeFile(setFile, JSON.stringify({ keys: [publicOf(key1)] }));
      expect(await proxy.app.reloadKeys()).toEqual({
        signingKid: 'key-2',
        publishedKids: ['key-2', 'key-1'],
      });
      expect(await signedWith()).toBe('key-2');
      await call();
      // 3. Retire the previous key.
      await writeFile(setFile, JSON.stringify({ keys: [] }));
      expect(await proxy.app.reloadKeys()).toEqual({ signingKid: 'key-2', publishedKids: ['key-2'] });
      expect(await published()).toEqual(['key-2']);
      await call();
      expect(proxy.logText()).toContain('identity keys reloaded');
    } finally {
      await proxy.close();
      await upstream.close();
      await issuer.close();
    }
  });

  it('keeps the keys in use when a file cannot be used, and says so in the log', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-proxy-'));
    const keyFile = join(dir, 'identity.jwk.json');
    const setFile = join(dir, 'published.jwks.json');
    await writeFile(keyFile, JSON.stringify(await privateKeyJwk('key-1')));
    await writeFile(setFile, JSON.stringify({ keys: [] }));
    const proxy = await startProxy(await freePort(), {
      ...base,
      upstream: { ...base.upstream, identity: { mode: 'jwt', keyFile, publishedKeyFiles: [setFile] } },
    });
    try {
      // The new signing key is fine, the published set is not: nothing changes (all or nothing).
      await writeFile(keyFile, JSON.stringify(await privateKeyJwk('key-2')));
      await writeFile(setFile, '{"keys": [ {"kty": "RSA"');
      expect(await proxy.app.reloadKeys()).toBeUndefined();
      expect(proxy.app.identityForwarder.jwks.keys.map((key) => key.kid)).toEqual(['key-1']);
      const log = proxy
        .logs()
        .find((line) => line.msg === 'identity keys not reloaded: the keys in use stay');
      expect(log?.err).toMatchObject({ code: 'ERR_PORTCULLIS_PROXY_SIGNING_KEY' });
      expect(JSON.stringify(log)).toContain('upstream.identity.publishedKeyFiles[0]');
      await writeFile(setFile, JSON.stringify({ keys: [{ kty: 'RSA', n: 'AQAB', e: 'AQAB' }] }));
      expect(await proxy.app.reloadKeys()).toBeUndefined();
      expect(proxy.logText()).toContain('keys[0]');
      expect(proxy.app.identityForwarder.jwks.keys.map((key) => key.kid)).toEqual(['key-1']);
    } finally {
      await proxy.close();
    }
  });
});

describe('session bindings', () => {
  it('[PX-11 RS-22] bind a session id to issuer, subject and client; expire it when idle', async () => {
    const store = new MemoryStore();
    const sessions = new SessionBindings(store, 50);
    const joe = auth('sha256:a');
    const alice = { ...joe, extra: { ...joe.extra, subject: 'alice' } };
    expect(await sessions.bind('s1', joe)).toBe(true);
    expect(await sessions.owns('s1', joe)).toBe(true);
    expect(await sessions.owns('s1', alice)).toBe(false);
    expect(await sessions.owns('s1', { ...joe, clientId: 'other-client' })).toBe(false);
    expect(await sessions.bind('s1', alice)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await sessions.owns('s1', joe)).toBe(false);
    await store.close();
  });
});
