import { describe, expect, it } from 'vitest';
import { hashPassword, IdpError, type IdpOptionsInput, resolveOptions } from '../src/index.js';

const RS = 'https://rs.test/mcp';

function messageOf(input: unknown): string {
  try {
    resolveOptions(input as IdpOptionsInput);
  } catch (error) {
    expect(error).toBeInstanceOf(IdpError);
    expect((error as IdpError).code).toBe('ERR_PORTCULLIS_IDP_INVALID_OPTIONS');
    return (error as IdpError).message;
  }
  throw new Error('expected resolveOptions to throw');
}

describe('resolveOptions', () => {
  it('fills documented defaults and freezes the result', () => {
    const options = resolveOptions({ issuer: 'https://as.example.test' });
    expect(options).toMatchObject({
      host: '127.0.0.1',
      port: 0,
      resources: [],
      scopes: ['openid', 'profile', 'email'],
      offlineAccess: false,
      registration: { enabled: true, maxClients: 1_000 },
      cimd: { enabled: true, allowHttpLoopback: false, allowedHosts: [], timeoutMs: 5_000, maxBytes: 5_120 },
      ttl: { accessToken: 900, authorizationCode: 60, refreshToken: 1_209_600 },
      signing: { alg: 'ES256' },
    });
    expect(Object.isFrozen(options)).toBe(true);
    expect(Object.isFrozen(options.ttl)).toBe(true);
    expect(() => {
      (options as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it.each(['http://as.example.test', 'ftp://as.example.test', 'not a url'])(
    '[AS-02 AS-08] refuses issuer %s: https only, http for loopback',
    (issuer) => {
      expect(messageOf({ issuer })).toBe('issuer must be an https URL (http is allowed only for loopback)');
    },
  );

  it.each([
    'http://localhost:8080',
    'http://127.0.0.1:9000/tenant1',
    'http://[::1]:8080',
    'https://as.example.test/t1',
  ])('[AS-08] accepts issuer %s', (issuer) => {
    expect(resolveOptions({ issuer }).issuer).toBe(issuer);
  });

  it('[AS-02] refuses an issuer with a query, a fragment or a trailing slash', () => {
    expect(messageOf({ issuer: 'https://as.test?x=1' })).toBe(
      'issuer must not have a query or fragment (RFC 8414 §2)',
    );
    expect(messageOf({ issuer: 'https://as.test#f' })).toBe(
      'issuer must not have a query or fragment (RFC 8414 §2)',
    );
    expect(messageOf({ issuer: 'https://as.test/' })).toBe(
      'issuer must not end with "/" (clients compare it byte for byte)',
    );
  });

  it('[AS-09] names the path of a bad resource', () => {
    expect(messageOf({ issuer: 'https://as.test', resources: [{ uri: `${RS}#x`, scopes: ['a'] }] })).toBe(
      'resources[0].uri must not contain a fragment (RFC 8707 §2)',
    );
    expect(messageOf({ issuer: 'https://as.test', resources: [{ uri: RS, scopes: [] }] })).toBe(
      'resources[0].scopes must list at least one scope',
    );
    expect(messageOf({ issuer: 'https://as.test', resources: [{ uri: RS, scopes: ['a b'] }] })).toBe(
      'resources[0].scopes[0] must be a scope token (RFC 6749 §3.3: no spaces or quotes)',
    );
    expect(
      messageOf({
        issuer: 'https://as.test',
        resources: [{ uri: 'https://RS.test:443/mcp', scopes: ['a'] }],
      }),
    ).toBe('resources[0].uri must be in canonical form: https://rs.test/mcp');
  });

  it('bounds registration.maxClients', () => {
    expect(messageOf({ issuer: 'https://as.test', registration: { maxClients: 0 } })).toMatch(
      /^registration\.maxClients: /,
    );
    expect(
      resolveOptions({ issuer: 'https://as.test', registration: { maxClients: 5 } }).registration,
    ).toEqual({
      enabled: true,
      maxClients: 5,
    });
  });

  it('[AS-11] refuses access token lifetimes over a day and code lifetimes over 10 minutes', () => {
    expect(messageOf({ issuer: 'https://as.test', ttl: { accessToken: 100_000 } })).toMatch(
      /^ttl\.accessToken: /,
    );
    expect(messageOf({ issuer: 'https://as.test', ttl: { authorizationCode: 601 } })).toMatch(
      /^ttl\.authorizationCode: /,
    );
  });

  it('rejects unknown keys (strict)', () => {
    expect(messageOf({ issuer: 'https://as.test', issuers: [] })).toMatch(/^options: Unrecognized key/);
    expect(messageOf({ issuer: 'https://as.test', cimd: { allowHttp: true } })).toMatch(
      /^cimd: Unrecognized key/,
    );
  });

  it('checks cross-field rules', () => {
    expect(messageOf({ issuer: 'https://as.test', defaultResource: RS })).toBe(
      'defaultResource must be the uri of one of resources',
    );
    expect(messageOf({ issuer: 'https://as.test', scopes: ['openid', 'offline_access'] })).toBe(
      'scopes must not contain offline_access (use offlineAccess)',
    );
    expect(
      messageOf({
        issuer: 'https://as.test',
        users: [
          { username: 'a', password: 'x' },
          { username: 'a', password: 'y' },
        ],
      }),
    ).toBe('users must not list the same username twice');
    expect(messageOf({ issuer: 'https://as.test', users: [{ username: 'a' }] })).toBe(
      'users[0] must have exactly one of password or passwordHash',
    );
  });

  it('accepts a password hash made by hashPassword()', async () => {
    const passwordHash = await hashPassword('s3cret');
    expect(passwordHash).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(
      resolveOptions({ issuer: 'https://as.test', users: [{ username: 'a', passwordHash }] }).users,
    ).toHaveLength(1);
  });
});
