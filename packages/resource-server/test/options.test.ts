import { describe, expect, it } from 'vitest';
import {
  createMcpResourceServer,
  createTokenVerifier,
  InvalidOptionsError,
  MIN_JWKS_COOLDOWN_MS,
  resolveOptions,
} from '../src/index.js';

const base = {
  resource: 'https://mcp.example.com/mcp',
  authorizationServers: ['https://id.example.com'],
  jwt: { jwksUri: 'https://id.example.com/jwks' },
  server: () => {
    throw new Error('not called');
  },
};

function issues(input: unknown): readonly string[] {
  try {
    resolveOptions(input);
  } catch (error) {
    if (error instanceof InvalidOptionsError) return error.issues;
    throw error;
  }
  return [];
}

describe('resolveOptions', () => {
  it('[RS-31] refuses an http resource that is not loopback', () => {
    expect(issues({ ...base, resource: 'http://mcp.example.com/mcp' })).toContain(
      'resource must be an https URL (http is allowed only for loopback)',
    );
  });

  it('[RS-31] accepts http on loopback and https elsewhere', () => {
    expect(issues({ ...base, resource: 'http://127.0.0.1:3030/mcp' })).toEqual([]);
    expect(issues({ ...base, resource: 'http://localhost:3030/mcp' })).toEqual([]);
    expect(issues(base)).toEqual([]);
  });

  it('[RS-31] refuses http authorization servers and JWKS URIs off loopback', () => {
    const found = issues({
      ...base,
      authorizationServers: ['http://id.example.com'],
      jwt: { jwksUri: 'http://id.example.com/jwks' },
    });
    expect(found).toContain('jwt.jwksUri must be an https URL (http is allowed only for loopback)');
    expect(found.some((m) => m.startsWith('authorizationServers.0'))).toBe(true);
  });

  it('reports unparsable URLs as invalid options, never as a TypeError', () => {
    const found = issues({ ...base, resource: 'not a url', authorizationServers: ['garbage'] });
    expect(found).toContain('resource must be an absolute URL');
    expect(found.some((m) => m.startsWith('authorizationServers.0') && m.includes('absolute URL'))).toBe(
      true,
    );
  });

  it('[RS-12] refuses none and symmetric algorithms', () => {
    expect(issues({ ...base, jwt: { jwksUri: base.jwt.jwksUri, algorithms: ['none'] } })).toContain(
      'jwt.algorithms must not contain "none"',
    );
    expect(issues({ ...base, jwt: { jwksUri: base.jwt.jwksUri, algorithms: ['HS256'] } })).toContain(
      'jwt.algorithms must list asymmetric algorithms only',
    );
  });

  it('[RS-05] refuses offline_access in scopes_supported', () => {
    expect(issues({ ...base, scopesSupported: ['mcp:tools', 'offline_access'] })).toContain(
      'scopesSupported must not contain offline_access (MCP 2026-07-28)',
    );
  });

  it('[RS-05] refuses offline_access in the scopes that reach challenges and the default scopes_supported', () => {
    const message =
      'must not contain offline_access: it would be sent in the WWW-Authenticate challenge scope and PRM scopes_supported (MCP 2026-07-28)';
    expect(issues({ ...base, scopes: { default: ['mcp:tools', 'offline_access'] } })).toEqual([
      `scopes.default ${message}`,
    ]);
    expect(issues({ ...base, scopes: { tools: { sync: ['offline_access'] } } })).toEqual([
      `scopes.tools.sync ${message}`,
    ]);
    expect(issues({ ...base, scopes: { methods: { 'tools/list': ['offline_access'] } } })).toEqual([
      `scopes.methods.tools/list ${message}`,
    ]);
  });

  it('[RS-08] refuses a resource with a fragment or a non-canonical form', () => {
    expect(issues({ ...base, resource: 'https://mcp.example.com/mcp#x' }).length).toBeGreaterThan(0);
    expect(issues({ ...base, resource: 'HTTPS://MCP.example.com:443/mcp' }).length).toBeGreaterThan(0);
  });

  it('refuses unknown keys, and a configuration without a way to verify tokens', () => {
    expect(issues({ ...base, jwks: 'x' }).length).toBeGreaterThan(0);
    const { jwt: _, ...withoutJwt } = base;
    expect(issues(withoutJwt)).toContain(
      'jwt or introspection must be configured so that access tokens can be verified',
    );
  });

  it('[RS-12] refuses introspection.jwts without jwt (it would mean nothing), in both entry points', () => {
    const { jwt: _, ...withoutJwt } = base;
    const introspection = {
      endpoint: 'https://id.example.com/introspect',
      clientId: 'rs',
      clientSecret: 's',
    };
    const message =
      'introspection.jwts needs jwt: it introspects JWT access tokens after their local JWKS checks, and without jwt every token is introspected anyway; configure jwt or remove introspection.jwts';
    expect(issues({ ...withoutJwt, introspection: { ...introspection, jwts: true } })).toEqual([message]);
    expect(() =>
      createTokenVerifier({
        resource: base.resource,
        authorizationServers: base.authorizationServers,
        introspection: { ...introspection, jwts: true },
      }),
    ).toThrow(message);
    expect(issues({ ...withoutJwt, introspection })).toEqual([]);
    expect(issues({ ...base, introspection: { ...introspection, jwts: true } })).toEqual([]);
  });

  it('[RS-12] refuses a JWKS cooldown under 1000 ms (a JWKS request per bad token or while it is down)', () => {
    expect(MIN_JWKS_COOLDOWN_MS).toBe(1_000);
    for (const cooldownMs of [0, 999]) {
      expect(issues({ ...base, jwt: { jwksUri: base.jwt.jwksUri, cooldownMs } })).toEqual([
        'jwt.cooldownMs must be at least 1000 ms, or a bad kid or a down JWKS endpoint would cause a JWKS request per token',
      ]);
    }
    expect(issues({ ...base, jwt: { jwksUri: base.jwt.jwksUri, cooldownMs: 1_000 } })).toEqual([]);
  });

  it('[RS-12] accepts JWT-typed tokens by default and only at+jwt with jwt.requireAtJwt', () => {
    expect(resolveOptions(base).jwt?.requireAtJwt).toBe(false);
    expect(resolveOptions({ ...base, jwt: { ...base.jwt, requireAtJwt: true } }).jwt?.requireAtJwt).toBe(
      true,
    );
    expect(issues({ ...base, jwt: { ...base.jwt, requireAtJwt: 'yes' } }).length).toBe(1);
  });

  it('refuses dangerouslyDisableAuth off loopback', () => {
    expect(issues({ ...base, dangerouslyDisableAuth: true })).toContain(
      'dangerouslyDisableAuth is allowed only for a loopback resource',
    );
  });

  it('[RS-06] derives the path-aware metadata URL without adding a slash, and defaults', () => {
    const resolved = resolveOptions(base);
    expect(resolved.resourceMetadataUrl).toBe(
      'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
    );
    expect(resolved.mcpPath).toBe('/mcp');
    expect(resolved.allowedHosts).toEqual(['mcp.example.com']);
    expect(resolved.scopesSupported).toEqual(['mcp:tools']);
    expect(resolved.jwt?.algorithms).not.toContain('HS256');
    expect(Object.isFrozen(resolved)).toBe(true);
    const loopback = resolveOptions({ ...base, resource: 'http://127.0.0.1:3030/mcp' });
    expect(loopback.allowedHosts).toEqual(['localhost', '127.0.0.1', '[::1]']);
  });
});

describe('server factory', () => {
  it('is optional for gateways but required to serve the MCP endpoint', async () => {
    const { server: _server, ...withoutServer } = base;
    expect(resolveOptions(withoutServer).server).toBeUndefined();
    expect(() => createMcpResourceServer(withoutServer)).toThrow(
      /server is required: a function returning an McpServer/,
    );
  });
});
