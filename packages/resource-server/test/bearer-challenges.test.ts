import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { parseBearerChallenge } from '@portcullis/metadata';
import { beforeEach, describe, expect, it } from 'vitest';
import { ISSUER, makeKey, signToken } from './helpers/keys.js';
import {
  LEGACY_HEADERS,
  modernRequest,
  sideEffects,
  toolsCall,
  useResourceServer,
} from './helpers/server.js';

const env = useResourceServer();
beforeEach(() => {
  sideEffects.calls = 0;
});

async function callEcho(token: string) {
  const { body, headers } = modernRequest('tools/call', { name: 'echo', arguments: { text: 'hi' } });
  return post({ ...headers, authorization: `Bearer ${token}` }, body);
}

async function post(
  headers: Record<string, string>,
  body: unknown = toolsCall('echo', { text: 'hi' }),
  path = '/mcp',
) {
  const response = await fetch(`${env.rs.origin}${path}`, {
    method: 'POST',
    headers: { ...LEGACY_HEADERS, ...headers },
    body: JSON.stringify(body),
  });
  const challenge = response.headers.get('www-authenticate');
  return {
    status: response.status,
    challenge: challenge === null ? undefined : parseBearerChallenge(challenge),
    raw: challenge,
    body: await response.text(),
  };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('RFC 6750 §3 challenges on the MCP endpoint', () => {
  it('[RS-01 RS-02 RS-03 RS-04] answers 401 with scope and resource_metadata but no error, in the challenge or the body, when no token is sent', async () => {
    const r = await post({});
    expect(r.status).toBe(401);
    expect(r.raw).toMatch(/^Bearer /);
    expect(r.challenge?.error).toBeUndefined();
    expect(JSON.parse(r.body)).toEqual({
      error_description: 'this endpoint needs a Bearer access token in the Authorization header',
    });
    expect(r.challenge?.scope).toBe('mcp:tools');
    expect(r.challenge?.resource_metadata).toBe(`${env.rs.origin}/.well-known/oauth-protected-resource/mcp`);
    const prm = await fetch(r.challenge?.resource_metadata ?? '');
    expect(prm.status).toBe(200);
  });

  it('[RS-05] never puts offline_access in the challenge scope', async () => {
    const r = await post({});
    expect(r.challenge?.scope?.split(' ')).not.toContain('offline_access');
  });

  it('[RS-12 RS-15] rejects an expired token with invalid_token and never runs the handler', async () => {
    const token = await signToken(env.rs.resource, { key: env.key, expiresIn: -60 });
    const r = await post(bearer(token));
    expect(r.status).toBe(401);
    expect(r.challenge?.error).toBe('invalid_token');
    expect(r.challenge?.error_description).toBe('the access token has expired');
    expect(r.challenge?.resource_metadata).toBeDefined();
    expect(sideEffects.calls).toBe(0);
  });

  it('[RS-12 RS-15] rejects a token that is not valid yet (nbf beyond the clock skew)', async () => {
    const nbf = Math.floor(Date.now() / 1000) + 120;
    const r = await post(bearer(await signToken(env.rs.resource, { key: env.key, claims: { nbf } })));
    expect(r.status).toBe(401);
    expect(r.challenge?.error_description).toBe('the access token is not valid yet');
  });

  it('[RS-12] accepts a token whose nbf is inside the clock skew', async () => {
    const nbf = Math.floor(Date.now() / 1000) + 2;
    const r = await callEcho(await signToken(env.rs.resource, { key: env.key, claims: { nbf } }));
    expect(r.status).toBe(200);
    expect(sideEffects.calls).toBe(1);
  });

  it('[RS-12] rejects a token without exp', async () => {
    const r = await post(bearer(await signToken(env.rs.resource, { key: env.key, omit: ['exp'] })));
    expect(r.status).toBe(401);
    expect(r.challenge?.error).toBe('invalid_token');
  });

  it('[RS-13] rejects a token issued for another audience', async () => {
    const r = await post(bearer(await signToken('https://other.test/mcp', { key: env.key })));
    expect(r.status).toBe(401);
    expect(r.challenge?.error_description).toBe('the access token was not issued for this resource');
    expect(sideEffects.calls).toBe(0);
  });

  it('[RS-13] rejects a token without aud, and one whose aud is only the origin', async () => {
    expect(
      (await post(bearer(await signToken(env.rs.resource, { key: env.key, omit: ['aud'] })))).status,
    ).toBe(401);
    expect((await post(bearer(await signToken(env.rs.origin, { key: env.key })))).status).toBe(401);
    expect((await post(bearer(await signToken(`${env.rs.resource}/`, { key: env.key })))).status).toBe(401);
  });

  it('[RS-13] accepts an aud array that contains the resource', async () => {
    const token = await signToken(env.rs.resource, {
      key: env.key,
      claims: { aud: ['https://other.test/mcp', env.rs.resource] },
    });
    expect((await callEcho(token)).status).toBe(200);
  });

  it('[RS-14] rejects a token from another issuer', async () => {
    const r = await post(
      bearer(await signToken(env.rs.resource, { key: env.key, claims: { iss: 'http://127.0.0.1:9/evil' } })),
    );
    expect(r.status).toBe(401);
    expect(r.challenge?.error_description).toBe(
      'the access token was not issued by a trusted authorization server',
    );
  });

  it('[RS-14] rejects a token signed by a key the issuer does not publish', async () => {
    const stranger = await makeKey();
    const token = await signToken(env.rs.resource, { key: { ...stranger, kid: env.key.kid } });
    const r = await post(bearer(token));
    expect(r.status).toBe(401);
    expect(r.challenge?.error_description).toBe('the access token signature is invalid');
  });

  it('[RS-12] rejects alg none', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const payload = Buffer.from(
      JSON.stringify({ iss: ISSUER, aud: env.rs.resource, sub: 'x', scope: 'mcp:tools', exp: now + 60 }),
    ).toString('base64url');
    const r = await post(bearer(`${header}.${payload}.`));
    expect(r.status).toBe(401);
    expect(r.challenge?.error).toBe('invalid_token');
  });

  it('[RS-12] rejects an HS256 token signed with the public key as the HMAC secret', async () => {
    const { SignJWT } = await import('jose');
    const secret = new TextEncoder().encode(JSON.stringify(env.key.publicJwk));
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({
      iss: ISSUER,
      aud: env.rs.resource,
      sub: 'x',
      scope: 'mcp:tools',
      exp: now + 60,
    })
      .setProtectedHeader({ alg: 'HS256', kid: env.key.kid })
      .sign(secret);
    const r = await post(bearer(token));
    expect(r.status).toBe(401);
    expect(r.challenge?.error_description).toBe(
      'the access token uses a signing algorithm that is not accepted',
    );
  });

  it('[RS-12] answers 401, never 500, for garbage that looks like a JWT', async () => {
    for (const token of ['a.b.c', 'eyJhbGciOiJFUzI1NiJ9.e30.AAAA', 'x']) {
      const r = await post(bearer(token));
      expect(r.status).toBe(401);
      expect(r.challenge?.error).toBe('invalid_token');
    }
  });

  it('[RS-19] answers 400 invalid_request for an empty token, a token with spaces and a bad scheme syntax', async () => {
    for (const authorization of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearertoken', 'Bearer a,b']) {
      const r = await post({ authorization });
      expect(r.status, authorization).toBe(400);
      expect(JSON.parse(r.body).error).toBe('invalid_request');
    }
  });

  it('[RS-19] answers 400 invalid_request when a tab separates Bearer from the token (RFC 6750 §2.1, RFC 9110 §11.4: 1*SP)', async () => {
    const token = await signToken(env.rs.resource, { key: env.key });
    for (const authorization of [
      `Bearer\t${token}`,
      `bearer\t${token}`,
      `Bearer\t\t${token}`,
      `Bearer\t ${token}`,
    ]) {
      const r = await post({ authorization });
      expect(r.status, JSON.stringify(authorization)).toBe(400);
      expect(JSON.parse(r.body).error, JSON.stringify(authorization)).toBe('invalid_request');
    }
    expect(sideEffects.calls).toBe(0);
    // Another scheme is still answered like a missing token, whatever whitespace follows it.
    const basic = await post({ authorization: 'Basic\tdXNlcjpwYXNz' });
    expect(basic.status).toBe(401);
    expect(basic.challenge?.error).toBeUndefined();
  });

  it('[RS-19] answers 400 invalid_request for two Authorization headers', async () => {
    const token = await signToken(env.rs.resource, { key: env.key });
    const { body, headers } = modernRequest('tools/call', { name: 'echo', arguments: { text: 'x' } });
    const sendWith = (authorization: string | string[]) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          `${env.rs.origin}/mcp`,
          { method: 'POST', headers: { ...headers, authorization } as unknown as OutgoingHttpHeaders },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify(body));
      });
    expect(await sendWith(`Bearer ${token}`)).toBe(200);
    expect(await sendWith([`Bearer ${token}`, `Bearer ${token}`])).toBe(400);
    expect(sideEffects.calls).toBe(1);
  });

  it('[RS-20] never accepts a token in the query string', async () => {
    const token = await signToken(env.rs.resource, { key: env.key });
    const r = await post({}, toolsCall('echo', { text: 'x' }), `/mcp?access_token=${token}`);
    expect(r.status).toBe(401);
    expect(sideEffects.calls).toBe(0);
    const both = await post(bearer(token), toolsCall('echo', { text: 'x' }), `/mcp?access_token=${token}`);
    expect(both.status).toBe(400);
  });

  it('[RS-20] ignores a token in the JSON body', async () => {
    const token = await signToken(env.rs.resource, { key: env.key });
    const body = {
      ...toolsCall('echo', { text: 'x' }),
      access_token: token,
      params: { name: 'echo', arguments: { text: 'x' }, _meta: { access_token: token } },
    };
    const r = await post({}, body);
    expect(r.status).toBe(401);
  });

  it('[RS-01 RS-02 RS-03 RS-04] answers another authentication scheme like a missing token: 401 with scope and resource_metadata but no error', async () => {
    for (const authorization of ['Basic dXNlcjpwYXNz', 'DPoP eyJhbGciOiJFUzI1NiJ9.e30.AAAA', 'Digest x']) {
      const r = await post({ authorization });
      expect(r.status, authorization).toBe(401);
      expect(r.raw, authorization).toMatch(/^Bearer /);
      expect(r.challenge?.error, authorization).toBeUndefined();
      expect(r.challenge?.error_description, authorization).toBeUndefined();
      expect(r.challenge?.scope).toBe('mcp:tools');
      expect(r.challenge?.resource_metadata).toBe(
        `${env.rs.origin}/.well-known/oauth-protected-resource/mcp`,
      );
      expect(JSON.parse(r.body)).toEqual({
        error_description:
          'only the Bearer authentication scheme is accepted; send the access token as Authorization: Bearer <token>',
      });
    }
    expect(sideEffects.calls).toBe(0);
  });
});
