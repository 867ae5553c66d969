import { parseBearerChallenge } from '@portcullis/metadata';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ISSUER, makeKey, signToken } from './helpers/keys.js';
import { modernRequest, useResourceServer } from './helpers/server.js';

// The SDK's own v1 example (`simpleStreamableHttp --oauth`, 1.32.2) answers every invalid token with a bare 500,
// never checks Origin, and sends a 401 without `scope`. These tests pin that the kit does not.

const env = useResourceServer();

async function send(extra: Record<string, string>) {
  const { body, headers } = modernRequest('tools/list');
  const response = await fetch(`${env.rs.origin}/mcp`, {
    method: 'POST',
    headers: { ...headers, ...extra },
    body: JSON.stringify(body),
  });
  await response.text();
  const header = response.headers.get('www-authenticate');
  return { status: response.status, challenge: header === null ? undefined : parseBearerChallenge(header) };
}

describe('what the SDK v1 example server gets wrong', () => {
  it('[RS-12 RS-15] answers every kind of invalid token with 401 and a challenge, never 500', async () => {
    const other = await makeKey();
    const now = Math.floor(Date.now() / 1000);
    const invalid = [
      'not-a-jwt',
      'a.b.c',
      `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${Buffer.from('[]').toString('base64url')}.AAAA`,
      await signToken(env.rs.resource, { key: env.key, expiresIn: -3600 }),
      await signToken(env.rs.resource, { key: other }),
      await signToken(env.rs.resource, { key: env.key, claims: { iss: 'https://evil.example' } }),
      await signToken('https://evil.example/mcp', { key: env.key }),
      await signToken(env.rs.resource, { key: env.key, claims: { scope: 42 } }),
      await new SignJWT({ iss: ISSUER, aud: env.rs.resource, exp: now + 60 })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode('secret')),
    ];
    for (const token of invalid) {
      const r = await send({ authorization: `Bearer ${token}` });
      expect(r.status, token).toBe(401);
      expect(r.challenge?.error).toBe('invalid_token');
      expect(r.challenge?.resource_metadata).toBeDefined();
    }
  });

  it('[RS-25] checks Origin', async () => {
    const token = await signToken(env.rs.resource, { key: env.key });
    expect((await send({ authorization: `Bearer ${token}`, origin: 'https://evil.example' })).status).toBe(
      403,
    );
  });

  it('[RS-04] puts scope in the 401 challenge', async () => {
    expect((await send({})).challenge?.scope).toBe('mcp:tools');
  });
});
