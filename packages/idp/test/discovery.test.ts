import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdp, type RunningIdp } from '../src/index.js';
import { RS, startTestIdp } from './helpers/idp.js';

const WELL_KNOWN = ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'];

async function metadata(url: string) {
  const res = await fetch(url);
  return { res, body: (await res.json()) as Record<string, unknown> };
}

describe('RFC 8414 / OIDC Discovery for an issuer without a path', () => {
  let idp: RunningIdp;
  beforeAll(async () => {
    idp = await startTestIdp();
  });
  afterAll(() => idp.close());

  it.each(WELL_KNOWN)('[AS-01] serves %s with the required members', async (path) => {
    const { res, body } = await metadata(`${idp.issuer}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(body.authorization_endpoint).toBe(`${idp.issuer}/authorize`);
    expect(body.token_endpoint).toBe(`${idp.issuer}/token`);
    expect(body.registration_endpoint).toBe(`${idp.issuer}/register`);
    expect(body.jwks_uri).toBe(`${idp.issuer}/jwks`);
    expect(body.response_types_supported).toEqual(['code']);
  });

  it.each(WELL_KNOWN)('[AS-02] %s has issuer identical to the configured string', async (path) => {
    const { body } = await metadata(`${idp.issuer}${path}`);
    expect(body.issuer).toBe(idp.issuer);
    expect(String(body.issuer).endsWith('/')).toBe(false);
  });

  it('[AS-02] a spoofed Host header changes neither issuer nor endpoints', async () => {
    const res = await fetch(`${idp.issuer}/.well-known/oauth-authorization-server`, {
      headers: { host: 'evil.test' },
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.issuer).toBe(idp.issuer);
    expect(body.token_endpoint).toBe(`${idp.issuer}/token`);
  });

  it.each(WELL_KNOWN)(
    '[AS-03 AS-04] %s advertises code_challenge_methods_supported ["S256"] only',
    async (path) => {
      const { body } = await metadata(`${idp.issuer}${path}`);
      expect(body.code_challenge_methods_supported).toEqual(['S256']);
    },
  );

  it.each(WELL_KNOWN)('[AS-13] %s sets authorization_response_iss_parameter_supported', async (path) => {
    const { body } = await metadata(`${idp.issuer}${path}`);
    expect(body.authorization_response_iss_parameter_supported).toBe(true);
  });

  it('[AS-15] advertises client_id_metadata_document_supported when CIMD is on', async () => {
    const { body } = await metadata(`${idp.issuer}/.well-known/oauth-authorization-server`);
    expect(body.client_id_metadata_document_supported).toBe(true);
  });

  it('[AS-23] scopes_supported lists OIDC and resource scopes but not offline_access by default', async () => {
    const { body } = await metadata(`${idp.issuer}/.well-known/oauth-authorization-server`);
    expect(body.scopes_supported).toEqual(
      expect.arrayContaining(['openid', 'profile', 'email', 'mcp:tools', 'mcp:admin', 'other:read']),
    );
    expect(body.scopes_supported).not.toContain('offline_access');
  });

  it('[AS-01] allows CORS GET of metadata for browser clients', async () => {
    const res = await fetch(`${idp.issuer}/.well-known/oauth-authorization-server`, {
      headers: { origin: 'https://app.test' },
    });
    expect(['*', 'https://app.test']).toContain(res.headers.get('access-control-allow-origin'));
  });
});

describe('RFC 8414 §3.1 discovery for an issuer with a path (path insertion)', () => {
  let idp: RunningIdp;
  beforeAll(async () => {
    idp = await startTestIdp({ issuerPath: '/tenant1' });
  });
  afterAll(() => idp.close());

  it.each([
    '/.well-known/oauth-authorization-server/tenant1',
    '/.well-known/openid-configuration/tenant1',
    '/tenant1/.well-known/openid-configuration',
  ])('[AS-01 AS-02] serves %s with issuer …/tenant1 and endpoints under it', async (path) => {
    const { res, body } = await metadata(`${idp.url}${path}`);
    expect(res.status).toBe(200);
    expect(body.issuer).toBe(`${idp.url}/tenant1`);
    expect(body.issuer).toBe(idp.issuer);
    expect(body.authorization_endpoint).toBe(`${idp.url}/tenant1/authorize`);
    expect(body.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('[AS-02] does not serve the root well-known URL, whose issuer could not match', async () => {
    const res = await fetch(`${idp.url}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(404);
  });

  it('[AS-02] runs the whole flow under the path (registration endpoint works)', async () => {
    const res = await fetch(`${idp.issuer}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:1/cb'], token_endpoint_auth_method: 'none' }),
    });
    expect(res.status).toBe(201);
  });
});

describe('RFC 8414 with offline_access configured', () => {
  it('[AS-23] lists offline_access in scopes_supported when offlineAccess is true', async () => {
    const idp = await startTestIdp({ offlineAccess: true });
    try {
      const { body } = await metadata(`${idp.issuer}/.well-known/oauth-authorization-server`);
      expect(body.scopes_supported).toContain('offline_access');
    } finally {
      await idp.close();
    }
  });
});

describe('production issuer (https behind TLS termination)', () => {
  it('[AS-08] every endpoint in the metadata is https under the issuer', async () => {
    const idp = await createIdp({
      issuer: 'https://as.example.test',
      resources: [{ uri: RS, scopes: ['mcp:tools'] }],
    });
    const server = createServer(idp.handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const { body } = await metadata(`http://127.0.0.1:${port}/.well-known/oauth-authorization-server`);
      expect(body.issuer).toBe('https://as.example.test');
      const urls = Object.entries(body).filter(([k]) => k.endsWith('_endpoint') || k === 'jwks_uri');
      expect(urls.length).toBeGreaterThan(3);
      for (const [, value] of urls) expect(String(value)).toMatch(/^https:\/\/as\.example\.test\//);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
