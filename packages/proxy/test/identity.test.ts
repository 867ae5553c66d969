import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@portcullis/test-support';
import { createLocalJWKSet, decodeJwt, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  createIdentityForwarder,
  MemoryStore,
  ProxyError,
  resolveOptions,
  SessionBindings,
} from '../src/index.js';
import { startProxy } from './helpers/proxy.js';

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
