import { type ProtectedResourceMetadata, validateProtectedResourceMetadata } from '@portcullis/metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISSUER, type JwksHost, makeKey, startJwksHost } from './helpers/keys.js';
import { type RunningServer, startResourceServer } from './helpers/server.js';

let jwks: JwksHost;
let rs: RunningServer;

beforeAll(async () => {
  jwks = await startJwksHost([(await makeKey()).publicJwk]);
  rs = await startResourceServer(jwks.url, { resourceName: 'Test MCP server' });
});
afterAll(async () => {
  await rs.close();
  await jwks.close();
});

describe('RFC 9728 protected resource metadata', () => {
  it('[RS-06 RS-08 RS-11] serves the path-aware document without a token, resource = the exact endpoint URL', async () => {
    const response = await fetch(`${rs.origin}/.well-known/oauth-protected-resource/mcp`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const document = (await response.json()) as ProtectedResourceMetadata;
    expect(document.resource).toBe(rs.resource);
    expect(document.resource.endsWith('/')).toBe(false);
    expect(() =>
      validateProtectedResourceMetadata(document, { expectedResource: rs.resource, allowLoopbackHttp: true }),
    ).not.toThrow();
  });

  it('[RS-07 RS-08] serves the same document at the root well-known URL', async () => {
    const root = await (await fetch(`${rs.origin}/.well-known/oauth-protected-resource`)).json();
    const pathAware = await (await fetch(`${rs.origin}/.well-known/oauth-protected-resource/mcp`)).json();
    expect(root).toEqual(pathAware);
  });

  it('[RS-09 RS-10 RS-05] lists the authorization server, minimal scopes without offline_access, header bearer method', async () => {
    const document = (await (
      await fetch(`${rs.origin}/.well-known/oauth-protected-resource/mcp`)
    ).json()) as ProtectedResourceMetadata;
    expect(document.authorization_servers).toEqual([ISSUER]);
    expect(document.scopes_supported).toEqual(['mcp:tools']);
    expect(document.scopes_supported).not.toContain('offline_access');
    expect(document.bearer_methods_supported).toEqual(['header']);
    expect(document.resource_name).toBe('Test MCP server');
  });

  it('[RS-11] allows CORS GET and answers the OPTIONS preflight', async () => {
    const url = `${rs.origin}/.well-known/oauth-protected-resource/mcp`;
    const get = await fetch(url, { headers: { origin: 'https://app.example' } });
    expect(get.headers.get('access-control-allow-origin')).toBe('*');
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'mcp-protocol-version',
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('GET');
  });

  it('[RS-06] does not serve metadata for other paths', async () => {
    expect((await fetch(`${rs.origin}/.well-known/oauth-protected-resource/other`)).status).toBe(404);
  });
});
