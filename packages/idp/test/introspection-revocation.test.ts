import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningIdp } from '../src/index.js';
import { OTHER_RS, RS, startTestIdp } from './helpers/idp.js';
import { obtainTokens } from './helpers/oauth.js';

const INTROSPECTOR = { clientId: 'mcp-proxy', clientSecret: 'introspection-secret-0123456789' };

let idp: RunningIdp;
beforeAll(async () => {
  idp = await startTestIdp({
    resources: [
      { uri: RS, scopes: ['mcp:tools'], accessTokenFormat: 'opaque' },
      { uri: OTHER_RS, scopes: ['other:read'] },
    ],
    introspectors: [INTROSPECTOR],
  });
});
afterAll(() => idp.close());

function basic(clientId: string, secret: string): string {
  const enc = (v: string) => encodeURIComponent(v);
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`;
}

async function introspect(
  token: string,
  authorization = basic(INTROSPECTOR.clientId, INTROSPECTOR.clientSecret),
) {
  const res = await fetch(`${idp.issuer}/token/introspection`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
    body: new URLSearchParams({ token }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('opaque access tokens: RFC 7662 introspection and RFC 7009 revocation', () => {
  it('publishes both endpoints in the authorization server metadata', async () => {
    const metadata = (await (
      await fetch(`${idp.issuer}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(metadata.introspection_endpoint).toBe(`${idp.issuer}/token/introspection`);
    expect(metadata.revocation_endpoint).toBe(`${idp.issuer}/token/revocation`);
  });

  it('[PX-08] a configured introspector sees the token active for its resource, then inactive once its client revoked it', async () => {
    const { clientId, token } = await obtainTokens(idp.url, idp.issuer);
    const accessToken = String(token.body.access_token);
    expect(accessToken.split('.')).toHaveLength(1);
    const before = await introspect(accessToken);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ active: true, aud: RS, client_id: clientId, scope: 'mcp:tools' });
    expect(before.body.sub).toBeTypeOf('string');

    const revoked = await fetch(`${idp.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: accessToken, client_id: clientId }),
    });
    expect(revoked.status).toBe(200);
    expect((await introspect(accessToken)).body).toEqual({ active: false });
  });

  it('answers active: false to a client that is neither the introspector nor the token holder', async () => {
    const { token } = await obtainTokens(idp.url, idp.issuer);
    const wrongSecret = await introspect(
      String(token.body.access_token),
      basic(INTROSPECTOR.clientId, 'x'.repeat(20)),
    );
    expect(wrongSecret.status).toBe(401);
    const other = await obtainTokens(idp.url, idp.issuer);
    const theirs = await fetch(`${idp.issuer}/token/introspection`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: String(token.body.access_token), client_id: other.clientId }),
    });
    expect(((await theirs.json()) as Record<string, unknown>).active).toBe(false);
  });

  it('keeps issuing JWTs for a resource without accessTokenFormat', async () => {
    const { token } = await obtainTokens(idp.url, idp.issuer, { resource: OTHER_RS, scope: 'other:read' });
    expect(String(token.body.access_token).split('.')).toHaveLength(3);
  });
});
