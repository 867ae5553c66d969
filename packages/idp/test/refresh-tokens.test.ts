import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningIdp } from '../src/index.js';
import { startTestIdp } from './helpers/idp.js';
import { obtainTokens, registerPublicClient, tokenRequest } from './helpers/oauth.js';

describe('OAuth 2.1 §4.3.1 refresh token rotation for public clients', () => {
  let idp: RunningIdp;
  beforeAll(async () => {
    idp = await startTestIdp();
  });
  afterAll(() => idp.close());

  it('[AS-12] every refresh returns a new refresh token and the previous one stops working', async () => {
    const { clientId, token } = await obtainTokens(idp.url, idp.issuer);
    let current = String(token.body.refresh_token);
    const seen = new Set([current]);
    for (let i = 0; i < 3; i++) {
      const next = await tokenRequest(idp.issuer, {
        grant_type: 'refresh_token',
        refresh_token: current,
        client_id: clientId,
      });
      expect(next.res.status).toBe(200);
      expect(next.res.headers.get('cache-control')).toBe('no-store');
      current = String(next.body.refresh_token);
      expect(seen.has(current)).toBe(false);
      seen.add(current);
    }
    const [first] = seen;
    const replay = await tokenRequest(idp.issuer, {
      grant_type: 'refresh_token',
      refresh_token: String(first),
      client_id: clientId,
    });
    expect(replay.res.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
  });

  it('[AS-12] a refresh token is bound to its client', async () => {
    const { token } = await obtainTokens(idp.url, idp.issuer);
    const other = await registerPublicClient(idp.issuer);
    const stolen = await tokenRequest(idp.issuer, {
      grant_type: 'refresh_token',
      refresh_token: String(token.body.refresh_token),
      client_id: other,
    });
    expect(stolen.body.error).toBe('invalid_grant');
  });

  it('[AS-23] without offlineAccess, no refresh token is issued to a client without the refresh_token grant', async () => {
    const clientId = await registerPublicClient(idp.issuer, { grant_types: ['authorization_code'] });
    const { token } = await obtainTokens(idp.url, idp.issuer, { clientId });
    expect(token.res.status).toBe(200);
    expect(token.body).not.toHaveProperty('refresh_token');
  });
});

describe('MCP §Refresh Tokens with offlineAccess: true', () => {
  let idp: RunningIdp;
  beforeAll(async () => {
    idp = await startTestIdp({ offlineAccess: true });
  });
  afterAll(() => idp.close());

  it('[AS-23] issues a refresh token only when offline_access is requested and granted', async () => {
    const without = await obtainTokens(idp.url, idp.issuer, { scope: 'mcp:tools' });
    expect(without.token.body).not.toHaveProperty('refresh_token');
    const withOffline = await obtainTokens(idp.url, idp.issuer, { scope: 'mcp:tools offline_access' });
    expect(withOffline.token.body.refresh_token).toEqual(expect.any(String));
  });
});
