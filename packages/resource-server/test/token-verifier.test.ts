import { InvalidTokenError } from '@portcullis/metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CallerIdentity,
  createTokenVerifier,
  InvalidOptionsError,
  type TokenVerifier,
  tokenFingerprint,
} from '../src/index.js';
import { ISSUER, type JwksHost, makeKey, signToken, startJwksHost, type TestKey } from './helpers/keys.js';

const RESOURCE = 'https://mcp.example.com/mcp';
let key: TestKey;
let jwks: JwksHost;
let verifier: TokenVerifier;

beforeAll(async () => {
  key = await makeKey();
  jwks = await startJwksHost([key.publicJwk]);
  verifier = createTokenVerifier({
    resource: RESOURCE,
    authorizationServers: [ISSUER],
    jwt: { jwksUri: jwks.url },
  });
});
afterAll(async () => {
  await jwks.close();
});

describe('createTokenVerifier on its own', () => {
  it('[RS-12 RS-13] returns the caller as AuthInfo, with a fingerprint in place of the token', async () => {
    const token = await signToken(RESOURCE, { key, claims: { scope: 'mcp:tools files:read', sub: 'alice' } });
    const auth = await verifier.verify(token);
    expect(auth).toMatchObject({
      token: tokenFingerprint(token),
      clientId: 'client-1',
      scopes: ['mcp:tools', 'files:read'],
      resourceMetadataUrl: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
    });
    expect(auth.resource?.href).toBe(RESOURCE);
    expect(auth.extra).toMatchObject({ subject: 'alice', issuer: ISSUER, clientId: 'client-1' });
  });

  it('[RS-12] reads scp arrays as scopes', async () => {
    const token = await signToken(RESOURCE, { key, claims: { scope: undefined, scp: ['mcp:tools', 'x'] } });
    expect((await verifier.verify(token)).scopes).toEqual(['mcp:tools', 'x']);
  });

  it('[RS-12] reads an scp string (Entra ID) like scope', async () => {
    const token = await signToken(RESOURCE, {
      key,
      claims: { scope: undefined, scp: 'mcp:tools  files:read mcp:tools' },
    });
    expect((await verifier.verify(token)).scopes).toEqual(['mcp:tools', 'files:read']);
  });

  it('[RS-12 RS-15] refuses an scp array whose item is not one scope-token, instead of splitting it', async () => {
    const cases: [unknown, string][] = [
      [
        ['mcp:tools mcp:admin'],
        'the access token has a malformed scp claim: an item is not a single scope-token (RFC 6749 section 3.3)',
      ],
      [
        ['mcp:tools', 42],
        'the access token has a malformed scp claim: an item is not a single scope-token (RFC 6749 section 3.3)',
      ],
      [
        { 0: 'mcp:tools' },
        'the access token has a malformed scp claim: neither a string nor an array of scopes',
      ],
    ];
    for (const [scp, description] of cases) {
      const token = await signToken(RESOURCE, { key, claims: { scope: undefined, scp } });
      const error = await verifier.verify(token).catch((e: unknown) => e);
      expect(error, JSON.stringify(scp)).toBeInstanceOf(InvalidTokenError);
      expect((error as InvalidTokenError).error_description).toBe(description);
    }
  });

  it('[RS-15] throws a typed InvalidTokenError (status 401) for every failure', async () => {
    for (const token of ['nope', await signToken('https://other.example/mcp', { key })]) {
      const error = await verifier.verify(token).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidTokenError);
      expect((error as InvalidTokenError).status).toBe(401);
    }
  });

  it('[RS-31] validates its options', () => {
    expect(() =>
      createTokenVerifier({ resource: 'http://mcp.example.com/mcp', authorizationServers: [ISSUER] }),
    ).toThrow(InvalidOptionsError);
  });
});

describe('JWT type (typ header, RFC 9068 §4, RFC 8725 §3.11)', () => {
  it('[RS-12] accepts at+jwt, application/at+jwt and JWT (Keycloak) in any case, and a JWT without typ', async () => {
    const typs = [
      'at+jwt',
      'AT+JWT',
      'application/at+jwt',
      'Application/At+JWT',
      'JWT',
      'jwt',
      'application/jwt',
    ];
    for (const typ of [...typs, undefined]) {
      const token = await signToken(RESOURCE, { key, header: { typ } });
      expect((await verifier.verify(token)).scopes, String(typ)).toEqual(['mcp:tools']);
    }
  });

  it('[RS-12 RS-15] refuses a JWT typed as another kind of token with a precise invalid_token', async () => {
    const typs: [unknown, string][] = [
      ['dpop+jwt', 'dpop+jwt'],
      ['logout+jwt', 'logout+jwt'],
      ['application/secevent+jwt', 'application/secevent+jwt'],
      ['JOSE', 'JOSE'],
      ['application/x/at+jwt', 'application/x/at+jwt'],
      ['at+jwt; x="y"', 'an unexpected value'],
      [42, 'an unexpected value'],
    ];
    for (const [typ, shown] of typs) {
      const error = await verifier
        .verify(await signToken(RESOURCE, { key, header: { typ } }))
        .catch((e) => e);
      expect(error, String(typ)).toBeInstanceOf(InvalidTokenError);
      expect((error as InvalidTokenError).error_description).toBe(
        `the token has typ ${shown}, which is not an access token type; only at+jwt (RFC 9068) or JWT is accepted`,
      );
    }
  });

  it('[RS-12] with jwt.requireAtJwt accepts only at+jwt and application/at+jwt', async () => {
    const strict = createTokenVerifier({
      resource: RESOURCE,
      authorizationServers: [ISSUER],
      jwt: { jwksUri: jwks.url, requireAtJwt: true },
    });
    for (const typ of ['at+jwt', 'application/AT+JWT']) {
      expect((await strict.verify(await signToken(RESOURCE, { key, header: { typ } }))).clientId).toBe(
        'client-1',
      );
    }
    const refused: [string | undefined, string][] = [
      ['JWT', 'the access token has typ JWT; only at+jwt access tokens (RFC 9068) are accepted'],
      ['dpop+jwt', 'the access token has typ dpop+jwt; only at+jwt access tokens (RFC 9068) are accepted'],
      [undefined, 'the access token has no typ header; only at+jwt access tokens (RFC 9068) are accepted'],
    ];
    for (const [typ, description] of refused) {
      const error = await strict.verify(await signToken(RESOURCE, { key, header: { typ } })).catch((e) => e);
      expect(error, String(typ)).toBeInstanceOf(InvalidTokenError);
      expect((error as InvalidTokenError).error_description).toBe(description);
    }
  });
});

describe('iat (issued-at) in the future', () => {
  it('[RS-12 RS-15] refuses a token issued later than now plus the clock tolerance, accepts one inside it', async () => {
    const at = Date.UTC(2030, 0, 1);
    const clocked = createTokenVerifier({
      resource: RESOURCE,
      authorizationServers: [ISSUER],
      jwt: { jwksUri: jwks.url, clockToleranceSec: 5 },
      now: () => at,
    });
    const sign = (iat: number) => signToken(RESOURCE, { key, claims: { iat, exp: at / 1000 + 300 } });
    expect((await clocked.verify(await sign(at / 1000 + 5))).scopes).toEqual(['mcp:tools']);
    for (const iat of [at / 1000 + 6, at / 1000 + 86_400]) {
      const error = await clocked.verify(await sign(iat)).catch((e: unknown) => e);
      expect(error, String(iat)).toBeInstanceOf(InvalidTokenError);
      expect((error as InvalidTokenError).error_description).toBe(
        'the access token was issued in the future (iat is later than now plus the clock tolerance)',
      );
    }
  });
});

describe('AuthInfo handed to handlers', () => {
  it('[RS-12] is deeply frozen, so a handler cannot raise what later requests with the same token may do', async () => {
    const token = await signToken(RESOURCE, { key, claims: { realm_access: { roles: ['user'] } } });
    const first = await verifier.verify(token);
    expect(() => (first.scopes as string[]).push('mcp:admin')).toThrow(TypeError);
    expect(() => {
      (first as { scopes: string[] }).scopes = ['mcp:admin'];
    }).toThrow(TypeError);
    const extra = first.extra as Record<string, unknown>;
    expect(() => {
      extra.subject = 'root';
    }).toThrow(TypeError);
    const claims = extra.claims as { realm_access: { roles: string[] }; scope: string };
    expect(() => claims.realm_access.roles.push('admin')).toThrow(TypeError);
    expect(() => {
      claims.scope = 'mcp:admin';
    }).toThrow(TypeError);
    // A URL changes through its setters even when frozen: each call gets its own.
    if (first.resource !== undefined) first.resource.pathname = '/other';

    const second = await verifier.verify(token); // from the verification cache
    expect(second.scopes).toEqual(['mcp:tools']);
    expect(second.resource?.href).toBe(RESOURCE);
    expect((second.extra as unknown as CallerIdentity).subject).toBe('user-alice');
    expect((second.extra as unknown as CallerIdentity).claims).toMatchObject({
      scope: 'mcp:tools',
      realm_access: { roles: ['user'] },
    });
    // A shallow copy (as the proxy's stdio bridge makes per request) stays possible and is its own object.
    const own = { ...second };
    expect(own).not.toBe(second);
    expect(own.scopes).toEqual(['mcp:tools']);
  });
});
