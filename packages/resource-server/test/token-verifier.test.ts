import { InvalidTokenError } from '@portcullis/metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
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
