import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningIdp } from '../src/index.js';
import { RS, startTestIdp } from './helpers/idp.js';
import { obtainTokens, tokenRequest } from './helpers/oauth.js';

let idp: RunningIdp;
beforeAll(async () => {
  idp = await startTestIdp();
});
afterAll(() => idp.close());

describe('OAuth 2.1 §4.1 authorization code flow, end to end over HTTP', () => {
  it('[AS-04 AS-09 AS-10 AS-12 AS-13 AS-14 AS-20] DCR → PKCE authorize → login → consent → code → JWT → rotation', async () => {
    const { clientId, flow, token } = await obtainTokens(idp.url, idp.issuer, {
      scope: 'mcp:tools',
      state: 's-1',
    });

    // Redirect back to the registered loopback URI with code, state and iss, once each.
    expect(`${flow.location.origin}${flow.location.pathname}`).toBe('http://127.0.0.1:3000/cb');
    expect(flow.location.searchParams.getAll('code')).toHaveLength(1);
    expect(flow.location.searchParams.getAll('state')).toEqual(['s-1']);
    expect(flow.location.searchParams.getAll('iss')).toEqual([idp.issuer]);

    // Token response per OAuth 2.1 §3.2.3.
    expect(token.res.status).toBe(200);
    expect(token.res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(token.res.headers.get('cache-control')).toBe('no-store');
    expect(token.body.token_type).toBe('Bearer');
    expect(token.body.expires_in).toBeLessThanOrEqual(900);
    expect(typeof token.body.refresh_token).toBe('string');

    // The access token is a JWT for the resource, verified against the published JWKS.
    const jwks = createRemoteJWKSet(new URL(`${idp.issuer}/jwks`));
    const { payload, protectedHeader } = await jwtVerify(String(token.body.access_token), jwks, {
      issuer: idp.issuer,
      audience: RS,
      typ: 'at+jwt',
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({ sub: 'alice', client_id: clientId, scope: 'mcp:tools', aud: RS });
    expect(payload.jti).toEqual(expect.any(String));
    expect(payload.iat).toEqual(expect.any(Number));
    expect(payload.exp).toEqual(expect.any(Number));

    // Refresh rotates: R1 → R2; R1 again → invalid_grant, and R2 is revoked with it.
    const r1 = String(token.body.refresh_token);
    const refreshed = await tokenRequest(idp.issuer, {
      grant_type: 'refresh_token',
      refresh_token: r1,
      client_id: clientId,
      resource: RS,
    });
    expect(refreshed.res.status).toBe(200);
    const r2 = String(refreshed.body.refresh_token);
    expect(r2).not.toBe(r1);
    const second = await jwtVerify(String(refreshed.body.access_token), jwks, {
      issuer: idp.issuer,
      audience: RS,
    });
    expect(second.payload.scope).toBe('mcp:tools');

    const replay = await tokenRequest(idp.issuer, {
      grant_type: 'refresh_token',
      refresh_token: r1,
      client_id: clientId,
    });
    expect(replay.res.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    const afterReplay = await tokenRequest(idp.issuer, {
      grant_type: 'refresh_token',
      refresh_token: r2,
      client_id: clientId,
    });
    expect(afterReplay.body.error).toBe('invalid_grant');
  });
});
