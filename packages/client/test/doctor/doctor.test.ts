import { afterEach, describe, expect, it } from 'vitest';
import { type DoctorCheck, formatDoctorTable, runDoctor } from '../../src/index.js';
import { type Answer, type DocumentHost, startDocumentHost } from '../helpers/document-host.js';
import { idpBrowser, useStack } from '../helpers/stack.js';

const stack = useStack();
const hosts: DocumentHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

/** A server whose MCP endpoint, PRM and AS metadata all live on one origin; `tweak` breaks one of them. */
async function misconfigured(
  tweak: (origin: string, routes: Record<string, Answer>) => void,
): Promise<string> {
  const host = await startDocumentHost((origin) => {
    const routes: Record<string, Answer> = {
      'POST /mcp': {
        status: 401,
        headers: {
          'www-authenticate': `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`,
        },
      },
      '/.well-known/oauth-protected-resource/mcp': {
        json: { resource: `${origin}/mcp`, authorization_servers: [origin] },
      },
      '/.well-known/oauth-authorization-server': {
        json: {
          issuer: origin,
          authorization_endpoint: `${origin}/authorize`,
          token_endpoint: `${origin}/token`,
          registration_endpoint: `${origin}/register`,
          response_types_supported: ['code'],
          code_challenge_methods_supported: ['S256'],
        },
      },
    };
    tweak(origin, routes);
    return routes;
  });
  hosts.push(host);
  return `${host.origin}/mcp`;
}

const byId = (checks: DoctorCheck[], id: string) => checks.find((c) => c.id === id);

describe('portcullis doctor', () => {
  it('[CL-03] diagnoses a PRM resource that differs from the server URL only by a trailing slash', async () => {
    const url = await misconfigured((origin, routes) => {
      routes['/.well-known/oauth-protected-resource/mcp'] = {
        json: { resource: `${origin}/mcp/`, authorization_servers: [origin] },
      };
    });
    const checks = await runDoctor({ serverUrl: url, allowLoopbackHttp: true });
    expect(byId(checks, 'prm-resource')).toMatchObject({ status: 'fail' });
    expect(byId(checks, 'prm-resource')?.hint).toContain('only a trailing slash differs');
    expect(byId(checks, 'as-issuer')).toBeUndefined();
    expect(formatDoctorTable(url, checks)).toContain('1 check failed.');
  });

  it('[CL-05] diagnoses an AS metadata issuer with a trailing slash (the Keycloak-behind-a-proxy case)', async () => {
    const url = await misconfigured((origin, routes) => {
      const as = routes['/.well-known/oauth-authorization-server'] as { json: Record<string, unknown> };
      as.json.issuer = `${origin}/`;
    });
    const checks = await runDoctor({ serverUrl: url, allowLoopbackHttp: true });
    expect(byId(checks, 'prm-resource')?.status).toBe('pass');
    expect(byId(checks, 'as-issuer')).toMatchObject({ status: 'fail' });
    expect(byId(checks, 'as-issuer')?.hint).toContain('only a trailing slash differs');
  });

  it('[CL-04 CL-07] diagnoses missing PKCE support and reports which AS metadata forms answer', async () => {
    const url = await misconfigured((_origin, routes) => {
      const as = routes['/.well-known/oauth-authorization-server'] as { json: Record<string, unknown> };
      delete as.json.code_challenge_methods_supported;
      delete as.json.registration_endpoint;
    });
    const checks = await runDoctor({ serverUrl: url, allowLoopbackHttp: true });
    expect(byId(checks, 'as-metadata-1')?.status).toBe('pass');
    expect(byId(checks, 'as-metadata-2')?.status).toBe('info');
    expect(byId(checks, 'as-pkce')).toMatchObject({ status: 'fail' });
    expect(byId(checks, 'as-pkce')?.hint).toContain('S256');
    expect(byId(checks, 'registration')?.status).toBe('fail');
  });

  it('[CL-02] fails when no PRM form answers, listing each URL tried', async () => {
    const url = await misconfigured((_origin, routes) => {
      routes['POST /mcp'] = { status: 401, headers: { 'www-authenticate': 'Bearer' } };
      delete routes['/.well-known/oauth-protected-resource/mcp'];
    });
    const checks = await runDoctor({ serverUrl: url, allowLoopbackHttp: true });
    expect(byId(checks, 'mcp-401')?.status).toBe('warn');
    expect(byId(checks, 'prm-path-aware')).toMatchObject({ status: 'fail', detail: '404' });
    expect(byId(checks, 'prm-root')).toMatchObject({ status: 'fail', detail: '404' });
  });

  it('[CL-09] passes every check on the reference stack, including the token aud before and after refresh', async () => {
    const checks = await runDoctor(
      {
        serverUrl: stack.resource,
        allowLoopbackHttp: true,
        storeDir: await stack.storeDir(),
        openBrowser: idpBrowser(),
      },
      { login: true },
    );
    expect(checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(byId(checks, 'token-aud')?.status).toBe('pass');
    expect(byId(checks, 'refresh-aud')?.status).toBe('pass');
  });
});
