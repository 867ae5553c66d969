import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalIssuer, startLocalIssuer } from '../src/index.js';

let issuer: LocalIssuer;

beforeAll(async () => {
  issuer = await startLocalIssuer();
});
afterAll(async () => {
  await issuer.close();
});

async function jwks() {
  const res = await fetch(issuer.jwksUri);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/json');
  return createLocalJWKSet((await res.json()) as Parameters<typeof createLocalJWKSet>[0]);
}

describe('startLocalIssuer', () => {
  it('serves its ES256 JWKS on loopback under its issuer URL', async () => {
    expect(issuer.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(issuer.jwksUri).toBe(`${issuer.issuer}/jwks`);
    const body = (await (await fetch(issuer.jwksUri)).json()) as { keys: Record<string, unknown>[] };
    expect(body.keys).toHaveLength(1);
    expect(body.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(body.keys[0]).not.toHaveProperty('d');
  });

  it('signs an at+jwt access token with the documented defaults', async () => {
    const token = await issuer.sign('https://rs.test/mcp');
    const { payload, protectedHeader } = await jwtVerify(token, await jwks(), {
      issuer: issuer.issuer,
      audience: 'https://rs.test/mcp',
      typ: 'at+jwt',
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({ sub: 'joe', client_id: 'test-client', scope: 'mcp:tools' });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(300);
  });

  it('lets claims and header override the defaults, and omits aud when no audience is given', async () => {
    const token = await issuer.sign(
      undefined,
      { sub: 'alice', exp: 1, iss: 'https://other.test' },
      { kid: 'x' },
    );
    const [, body = ''] = token.split('.');
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    expect(payload).toMatchObject({ sub: 'alice', exp: 1, iss: 'https://other.test' });
    expect(payload).not.toHaveProperty('aud');
    expect(decodeProtectedHeader(token)).toMatchObject({ kid: 'x', typ: 'at+jwt', alg: 'ES256' });
  });

  it('accepts several audiences', async () => {
    const token = await issuer.sign(['https://a.test/mcp', 'https://b.test/mcp']);
    const { payload } = await jwtVerify(token, await jwks(), { audience: 'https://b.test/mcp' });
    expect(payload.aud).toEqual(['https://a.test/mcp', 'https://b.test/mcp']);
  });

  it('stops answering once closed', async () => {
    const other = await startLocalIssuer();
    await other.close();
    await expect(fetch(other.jwksUri)).rejects.toThrow();
  });
});
