import { afterEach, describe, expect, it } from 'vitest';
import { discoveryUrls, isKeycloakError, OFFICIAL_IMAGE } from '../src/index.js';
import { resolveCheckOptions, resolveStartOptions } from '../src/options.js';

describe('startKeycloak options', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('defaults to the official image, or PORTCULLIS_KEYCLOAK_IMAGE when set', () => {
    delete process.env.PORTCULLIS_KEYCLOAK_IMAGE;
    expect(resolveStartOptions().image).toBe(OFFICIAL_IMAGE);
    expect(resolveStartOptions().mode).toBe('dev');
    process.env.PORTCULLIS_KEYCLOAK_IMAGE = 'localhost/portcullis-keycloak:26.7.3';
    const local = resolveStartOptions();
    expect(local.image).toBe('localhost/portcullis-keycloak:26.7.3');
    expect(local.mode).toBe('optimized');
    expect(resolveStartOptions({ features: ['resource-indicators', 'cimd'] }).mode).toBe('dev');
  });

  it('never falls back to the process runtime in CI unless allowed explicitly', () => {
    process.env.CI = 'true';
    delete process.env.PORTCULLIS_KEYCLOAK_ALLOW_PROCESS;
    expect(resolveStartOptions().allowProcessFallback).toBe(false);
    process.env.PORTCULLIS_KEYCLOAK_ALLOW_PROCESS = 'true';
    expect(resolveStartOptions().allowProcessFallback).toBe(true);
    delete process.env.CI;
    delete process.env.PORTCULLIS_KEYCLOAK_ALLOW_PROCESS;
    expect(resolveStartOptions().allowProcessFallback).toBe(true);
  });

  it('rejects unknown and invalid options with a stable code naming the field', () => {
    let error: unknown;
    try {
      resolveStartOptions({ resourceUrl: 'not a url', colour: 'red' } as never);
    } catch (caught) {
      error = caught;
    }
    expect(isKeycloakError(error, 'ERR_PORTCULLIS_KEYCLOAK_INVALID_OPTIONS')).toBe(true);
    expect((error as Error).message).toMatch(/resourceUrl/);
  });
});

describe('checkRealm options', () => {
  it('needs username and password together', () => {
    expect(() => resolveCheckOptions({ resource: 'http://localhost:9090/mcp', username: 'alice' })).toThrow(
      /both username and password/,
    );
    expect(resolveCheckOptions({ resource: 'http://localhost:9090/mcp' }).scope).toBe('openid mcp:tools');
  });
});

describe('discoveryUrls', () => {
  it('builds the three URL forms MCP clients try for a path issuer', () => {
    expect(discoveryUrls('http://127.0.0.1:8080/realms/mcp')).toEqual({
      rfc8414Insertion: 'http://127.0.0.1:8080/.well-known/oauth-authorization-server/realms/mcp',
      oidcInsertion: 'http://127.0.0.1:8080/.well-known/openid-configuration/realms/mcp',
      oidcAppend: 'http://127.0.0.1:8080/realms/mcp/.well-known/openid-configuration',
    });
  });

  it('delegates to @portcullis/metadata: the terminating slash is removed before insertion (RFC 8414 §3.1)', () => {
    expect(discoveryUrls('http://127.0.0.1:8080/realms/mcp/')).toEqual({
      rfc8414Insertion: 'http://127.0.0.1:8080/.well-known/oauth-authorization-server/realms/mcp',
      oidcInsertion: 'http://127.0.0.1:8080/.well-known/openid-configuration/realms/mcp',
      oidcAppend: 'http://127.0.0.1:8080/realms/mcp/.well-known/openid-configuration',
    });
  });

  it('gives the origin forms for an issuer without a path', () => {
    expect(discoveryUrls('http://127.0.0.1:8080')).toEqual({
      rfc8414Insertion: 'http://127.0.0.1:8080/.well-known/oauth-authorization-server',
      oidcInsertion: 'http://127.0.0.1:8080/.well-known/openid-configuration',
      oidcAppend: 'http://127.0.0.1:8080/.well-known/openid-configuration',
    });
  });

  it('rejects an issuer that is not an http(s) URL, with a KeycloakError', () => {
    const error = (() => {
      try {
        discoveryUrls('127.0.0.1:8080/realms/mcp');
      } catch (caught) {
        return caught;
      }
    })();
    expect(isKeycloakError(error, 'ERR_PORTCULLIS_KEYCLOAK_INVALID_OPTIONS')).toBe(true);
    expect((error as Error).message).toMatch(/Pass the realm issuer/);
  });
});
