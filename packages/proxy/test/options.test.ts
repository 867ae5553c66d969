import { describe, expect, it } from 'vitest';
import { createProxyServer, InvalidProxyOptionsError, resolveOptions } from '../src/index.js';

const base = {
  idp: { issuer: 'http://localhost:8080', jwksUri: 'http://localhost:8080/jwks' },
  upstream: { url: 'http://127.0.0.1:3030/mcp' },
};

function issuesOf(input: unknown): readonly string[] {
  try {
    resolveOptions(input);
  } catch (error) {
    if (error instanceof InvalidProxyOptionsError) return error.issues;
    throw error;
  }
  throw new Error('expected the options to be refused');
}

describe('resolveOptions', () => {
  it('fills the documented defaults for the local stack', () => {
    const o = resolveOptions(base);
    expect(o).toMatchObject({
      mode: 'direct',
      publicUrl: 'http://localhost:9090',
      resource: 'http://localhost:9090/mcp',
      resourceMetadataUrl: 'http://localhost:9090/.well-known/oauth-protected-resource/mcp',
      identityIssuer: 'http://localhost:9090',
      jwksUrl: 'http://localhost:9090/.well-known/jwks.json',
      listen: { host: '127.0.0.1', port: 9090 },
      upstream: {
        url: 'http://127.0.0.1:3030/mcp',
        timeoutMs: 30_000,
        identity: { mode: 'jwt', ttlSeconds: 60 },
      },
      limits: { bodyBytes: 4 * 1024 * 1024, bodyTimeoutMs: 30_000 },
      scopesSupported: ['mcp:tools'],
      allowedHosts: ['localhost', '127.0.0.1', '[::1]'],
    });
    expect(Object.isFrozen(o)).toBe(true);
  });

  it('[RS-31] refuses plain http outside loopback with a precise message', () => {
    expect(issuesOf({ ...base, idp: { ...base.idp, issuer: 'http://idp.example.com' } })).toEqual([
      'idp.issuer must be an https URL (http is allowed only for loopback)',
    ]);
    expect(issuesOf({ ...base, publicUrl: 'http://mcp.example.com' })).toEqual([
      'publicUrl must be an https URL (http is allowed only for loopback)',
    ]);
    expect(issuesOf({ ...base, upstream: { url: 'http://10.0.0.5/mcp' } })).toEqual([
      'upstream.url must be an https URL (http is allowed only for loopback)',
    ]);
  });

  it('refuses an idp.cooldownMs under 1 s, naming the option', () => {
    expect(() => resolveOptions({ ...base, idp: { ...base.idp, cooldownMs: 0 } })).toThrow(/idp\.cooldownMs/);
    expect(resolveOptions({ ...base, idp: { ...base.idp, cooldownMs: 1_000 } }).idp.cooldownMs).toBe(1_000);
  });

  it('refuses unknown keys, a public URL with a path and forwarded credential headers', () => {
    expect(issuesOf({ ...base, upstreem: {} })[0]).toMatch(/upstreem/);
    expect(issuesOf({ ...base, publicUrl: 'https://mcp.example.com/base' })[0]).toMatch(/must be an origin/);
    expect(issuesOf({ ...base, upstream: { ...base.upstream, forwardHeaders: ['Cookie'] } })).toEqual([
      'upstream.forwardHeaders must not list cookie',
    ]);
    expect(
      issuesOf({
        ...base,
        upstream: {
          ...base.upstream,
          identity: { mode: 'headers' },
          forwardHeaders: ['x-portcullis-subject'],
        },
      })[0],
    ).toMatch(/header injection/);
  });

  it('facade mode: defaults to the RFC 7591 adapter and names the proxy as the authorization server', () => {
    const o = resolveOptions({ ...base, mode: 'facade' });
    expect(o.mode).toBe('facade');
    expect(o.authorizationServer).toBe(o.publicUrl);
    expect(o.facade).toMatchObject({
      adapter: 'rfc7591',
      consent: 'always',
      sendResource: true,
      callbackPath: '/oauth/callback',
    });
    expect(resolveOptions(base).authorizationServer).toBe(base.idp.issuer);
  });

  it('[AS-19] facade.consent: `always` (every client, once per browser) or `shared-only`; the old `auto` is refused', () => {
    const facade = (consent: 'always' | 'shared-only') =>
      resolveOptions({ ...base, mode: 'facade', facade: { consent } }).facade;
    expect(facade('always')?.consent).toBe('always');
    expect(facade('shared-only')?.consent).toBe('shared-only');
    expect(issuesOf({ ...base, mode: 'facade', facade: { consent: 'auto' } })[0]).toMatch(/consent/);
  });

  it('facade mode: previousStoreKeys need a storeKey, and each is 32+ characters', () => {
    const old = 'an old store key of at least 32 characters';
    expect(issuesOf({ ...base, mode: 'facade', facade: { previousStoreKeys: [old] } })).toEqual([
      'facade.previousStoreKeys needs facade.storeKey (the key new entries are sealed with)',
    ]);
    expect(
      issuesOf({
        ...base,
        mode: 'facade',
        facade: { storeKey: `new ${old}`, previousStoreKeys: ['short'] },
      })[0],
    ).toMatch(/^facade.previousStoreKeys.0/);
    const o = resolveOptions({
      ...base,
      mode: 'facade',
      facade: { storeKey: `new ${old}`, previousStoreKeys: [old] },
    });
    expect(o.facade?.previousStoreKeys).toEqual([old]);
    expect(resolveOptions({ ...base, mode: 'facade' }).facade?.previousStoreKeys).toEqual([]);
  });

  it('facade mode: a static adapter needs the pre-registered client, and only it takes one', () => {
    expect(issuesOf({ ...base, mode: 'facade', facade: { adapter: 'static' } })).toEqual([
      'facade.upstreamClient is required with facade.adapter "static" (the pre-registered IdP client)',
    ]);
    expect(
      issuesOf({
        ...base,
        mode: 'facade',
        facade: { adapter: 'keycloak', upstreamClient: { clientId: 'c' } },
      })[0],
    ).toMatch(/only used with facade.adapter "static"/);
    expect(
      issuesOf({
        ...base,
        mode: 'facade',
        facade: { adapter: 'static', upstreamClient: { clientId: 'c', authMethod: 'client_secret_post' } },
      })[0],
    ).toMatch(/clientSecret is required with authMethod "client_secret_post"/);
    expect(issuesOf({ ...base, mode: 'facade', facade: { adapter: 'okta' } })[0]).toMatch(/^facade.adapter/);
    expect(issuesOf({ ...base, mode: 'facade', facade: { cookieSecret: 'short' } })[0]).toMatch(
      /^facade.cookieSecret/,
    );
  });

  it('maps the CORS origins into the Origin allow-list and derives an https public resource', () => {
    const o = resolveOptions({
      ...base,
      publicUrl: 'https://MCP.example.com',
      cors: { origins: ['http://localhost:6274'] },
    });
    expect(o.resource).toBe('https://mcp.example.com/mcp');
    expect(o.allowedHosts).toEqual(['mcp.example.com']);
    expect(o.allowedOrigins).toEqual(['mcp.example.com', 'localhost']);
  });

  it('createProxyServer validates before building anything', () => {
    expect(() => createProxyServer({ ...base, limits: { bodyBytes: -1 } })).toThrow(InvalidProxyOptionsError);
  });
});
