import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningIdp } from '../src/index.js';
import { OTHER_RS, RS, startTestIdp } from './helpers/idp.js';
import {
  authorizeUrl,
  Browser,
  obtainTokens,
  registerPublicClient,
  runBrowserFlow,
  tokenRequest,
} from './helpers/oauth.js';

let idp: RunningIdp;
let clientId: string;
beforeAll(async () => {
  idp = await startTestIdp();
  clientId = await registerPublicClient(idp.issuer);
});
afterAll(() => idp.close());

async function authorizeError(resource: string): Promise<URL> {
  const res = await new Browser().get(authorizeUrl(idp.issuer, { clientId, resource, scope: 'mcp:tools' }));
  const location = res.headers.get('location');
  expect(location).not.toBeNull();
  return new URL(location ?? '');
}

function exchange(code: string, verifier: string, resource?: string) {
  return tokenRequest(idp.issuer, {
    grant_type: 'authorization_code',
    code,
    client_id: clientId,
    redirect_uri: 'http://127.0.0.1:3000/cb',
    code_verifier: verifier,
    ...(resource ? { resource } : {}),
  });
}

describe('RFC 8707 §2 resource indicators bind the token audience', () => {
  it('[AS-09] the access token is a signed JWT whose aud is exactly the requested resource', async () => {
    const { token } = await obtainTokens(idp.url, idp.issuer, { clientId });
    const jwks = createRemoteJWKSet(new URL(`${idp.issuer}/jwks`));
    const { payload } = await jwtVerify(String(token.body.access_token), jwks, { issuer: idp.issuer });
    expect(payload.aud).toBe(RS);
  });

  it('[AS-09] publishes only public keys at jwks_uri', async () => {
    const jwks = (await (await fetch(`${idp.issuer}/jwks`)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) {
      expect(key).not.toHaveProperty('d');
      expect(key.kid).toEqual(expect.any(String));
    }
  });

  it.each([
    ['an unknown resource', 'https://unknown.test/mcp'],
    ['a resource with a fragment', `${RS}#x`],
    ['a relative resource', '/mcp'],
  ])('[AS-09 AS-13] refuses %s at /authorize with invalid_target (and iss)', async (_label, resource) => {
    const location = await authorizeError(resource);
    expect(location.origin).toBe('http://127.0.0.1:3000');
    expect(location.searchParams.get('error')).toBe('invalid_target');
    expect(location.searchParams.get('iss')).toBe(idp.issuer);
  });

  it('[AS-09] refuses a token request for a resource not granted at /authorize (invalid_target)', async () => {
    const flow = await runBrowserFlow(idp.url, idp.issuer, { clientId, scope: 'mcp:tools' });
    const { res, body } = await exchange(
      flow.location.searchParams.get('code') ?? '',
      flow.verifier,
      OTHER_RS,
    );
    expect(res.status).toBe(400);
    expect(body.error).toBe('invalid_target');
  });

  it('[AS-09] an openid + resource code exchange yields a JWT for the resource (not a userinfo token)', async () => {
    const flow = await runBrowserFlow(idp.url, idp.issuer, { clientId, scope: 'openid mcp:tools' });
    const { body } = await exchange(flow.location.searchParams.get('code') ?? '', flow.verifier, RS);
    expect(body.id_token).toEqual(expect.any(String));
    expect(decodeJwt(String(body.access_token))).toMatchObject({ aud: RS, scope: 'mcp:tools', sub: 'alice' });
  });

  it('[AS-09] without resource at the token endpoint the single granted resource is used', async () => {
    const flow = await runBrowserFlow(idp.url, idp.issuer, { clientId, scope: 'openid mcp:tools' });
    const { body } = await exchange(flow.location.searchParams.get('code') ?? '', flow.verifier);
    expect(decodeJwt(String(body.access_token)).aud).toBe(RS);
  });

  it('[AS-09] with two resources granted, each token carries one audience and only its own scopes', async () => {
    const flow = await runBrowserFlow(idp.url, idp.issuer, {
      clientId,
      scope: 'mcp:tools other:read',
      resource: [RS, OTHER_RS],
    });
    const { body } = await exchange(flow.location.searchParams.get('code') ?? '', flow.verifier, OTHER_RS);
    expect(decodeJwt(String(body.access_token))).toMatchObject({ aud: OTHER_RS, scope: 'other:read' });
  });

  it('[AS-09 AS-12] a refresh request may keep the resource but not switch to an ungranted one', async () => {
    const { token } = await obtainTokens(idp.url, idp.issuer, { clientId });
    const other = await tokenRequest(idp.issuer, {
      grant_type: 'refresh_token',
      refresh_token: String(token.body.refresh_token),
      client_id: clientId,
      resource: OTHER_RS,
    });
    expect(other.body.error).toBe('invalid_target');
  });
});

describe('MCP Security Considerations §Token Theft: short-lived access tokens', () => {
  it('[AS-11] expires_in and exp - iat equal the configured TTL (default 900 s, at most 3600)', async () => {
    const { token } = await obtainTokens(idp.url, idp.issuer, { clientId });
    const claims = decodeJwt(String(token.body.access_token));
    expect(token.body.expires_in).toBe(900);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(900);
  });

  it('[AS-11] honours a per-resource accessTokenTtl', async () => {
    const short = await startTestIdp({
      resources: [{ uri: RS, scopes: ['mcp:tools'], accessTokenTtl: 120 }],
    });
    try {
      const { token } = await obtainTokens(short.url, short.issuer);
      expect(token.body.expires_in).toBe(120);
    } finally {
      await short.close();
    }
  });
});
