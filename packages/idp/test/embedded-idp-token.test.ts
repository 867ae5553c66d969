import { embeddedIdpToken } from '@portcullis/test-support';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIdp, startIdp } from '../src/index.js';

const RESOURCE = 'https://rs.test/mcp';
const joe = { username: 'joe', password: 'joe-pass' };
let idp: RunningIdp;

beforeAll(async () => {
  idp = await startIdp(
    {
      resources: [{ uri: RESOURCE, scopes: ['mcp:tools', 'mcp:admin'], name: 'Test MCP server' }],
      users: [{ ...joe, name: 'Joe' }],
    },
    { logger: { warn: () => {}, error: () => {} } },
  );
});
afterAll(async () => {
  await idp.close();
});

describe('embeddedIdpToken against the real embedded IdP', () => {
  it('returns an access token for the resource and scope, a refresh token and the registered client', async () => {
    const tokens = await embeddedIdpToken(idp.issuer, {
      ...joe,
      resource: RESOURCE,
      scope: 'mcp:tools mcp:admin',
    });
    const { payload } = await jwtVerify(
      tokens.accessToken,
      createRemoteJWKSet(new URL(`${idp.issuer}/jwks`)),
      {
        issuer: idp.issuer,
        audience: RESOURCE,
      },
    );
    expect(payload.client_id).toBe(tokens.clientId);
    expect(String(payload.scope).split(' ').sort()).toEqual(['mcp:admin', 'mcp:tools']);
    expect(typeof tokens.refreshToken).toBe('string');
    const registered = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: tokens.refreshToken ?? '',
        client_id: tokens.clientId,
        resource: RESOURCE,
      }),
    });
    expect(registered.status).toBe(200);
  });

  it('registers a new client per call, with the given redirect URI', async () => {
    const flow = { ...joe, resource: RESOURCE, scope: 'mcp:tools' };
    const [a, b] = await Promise.all([
      embeddedIdpToken(idp.issuer, flow),
      embeddedIdpToken(idp.issuer, {
        ...flow,
        redirectUri: 'http://127.0.0.1:4000/done',
        clientName: 'Other',
      }),
    ]);
    expect(a.clientId).not.toBe(b.clientId);
    expect(a.accessToken).not.toBe(b.accessToken);
  });

  it('fails when the IdP refuses the resource', async () => {
    await expect(
      embeddedIdpToken(idp.issuer, { ...joe, resource: 'https://unknown.test/mcp', scope: 'mcp:tools' }),
    ).rejects.toThrow(/authorization failed: .*error=/);
  });

  it('fails when the user cannot log in (the login form comes back until the step limit)', async () => {
    await expect(
      embeddedIdpToken(idp.issuer, {
        username: 'joe',
        password: 'wrong',
        resource: RESOURCE,
        scope: 'mcp:tools',
      }),
    ).rejects.toThrow('the IdP flow did not finish');
  });

  it('fails when registration is refused', async () => {
    await expect(
      embeddedIdpToken(idp.issuer, {
        ...joe,
        resource: RESOURCE,
        scope: 'mcp:tools',
        redirectUri: 'not a url',
      }),
    ).rejects.toThrow(/registration failed \(400\)/);
  });
});
