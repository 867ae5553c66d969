import { describe, expect, it } from 'vitest';
import {
  authorizationServerMetadataUrls,
  issuerFromAuthorizationServerMetadataUrl,
  legacyAuthorizationServerMetadataUrl,
  protectedResourceMetadataUrls,
  resourceFromProtectedResourceMetadataUrl,
  wellKnownUrl,
} from '../src/index.js';
import { expectCode } from './helpers.js';

describe('protected resource metadata URLs (RFC 9728 §3.1)', () => {
  it('[CL-02 RS-06] tries the path-aware URL first, then the root', () => {
    expect(protectedResourceMetadataUrls('https://h/p/mcp')).toEqual([
      'https://h/.well-known/oauth-protected-resource/p/mcp',
      'https://h/.well-known/oauth-protected-resource',
    ]);
  });

  it('[CL-02] gives only the root URL for a server path of /', () => {
    expect(protectedResourceMetadataUrls('https://h/')).toEqual([
      'https://h/.well-known/oauth-protected-resource',
    ]);
    expect(protectedResourceMetadataUrls('https://h')).toEqual([
      'https://h/.well-known/oauth-protected-resource',
    ]);
  });

  it('[RS-06] keeps a trailing path slash, the port and the query', () => {
    expect(protectedResourceMetadataUrls('http://127.0.0.1:8931/mcp/?t=1')).toEqual([
      'http://127.0.0.1:8931/.well-known/oauth-protected-resource/mcp/?t=1',
      'http://127.0.0.1:8931/.well-known/oauth-protected-resource',
    ]);
  });

  it('refuses a fragment or a non-http URL', () => {
    expectCode(() => protectedResourceMetadataUrls('https://h/mcp#x'), 'ERR_PORTCULLIS_METADATA_INVALID_URL');
    expectCode(() => protectedResourceMetadataUrls('mailto:a@b'), 'ERR_PORTCULLIS_METADATA_INVALID_URL');
    expectCode(() => wellKnownUrl('nope', 'x'), 'ERR_PORTCULLIS_METADATA_INVALID_URL');
  });
});

describe('authorization server metadata URLs', () => {
  it('[CL-04 AS-02] orders AS metadata URLs for an issuer with a path', () => {
    expect(authorizationServerMetadataUrls('https://as.example/t1')).toEqual([
      'https://as.example/.well-known/oauth-authorization-server/t1',
      'https://as.example/.well-known/openid-configuration/t1',
      'https://as.example/t1/.well-known/openid-configuration',
    ]);
  });

  it('[CL-04] orders AS metadata URLs for an issuer without a path', () => {
    const expected = [
      'https://as.example/.well-known/oauth-authorization-server',
      'https://as.example/.well-known/openid-configuration',
    ];
    expect(authorizationServerMetadataUrls('https://as.example')).toEqual(expected);
    expect(authorizationServerMetadataUrls('https://as.example/')).toEqual(expected);
  });

  it('[CL-04] handles a Keycloak realm issuer and a terminating slash', () => {
    expect(authorizationServerMetadataUrls('http://127.0.0.1:18080/realms/mcp')[2]).toBe(
      'http://127.0.0.1:18080/realms/mcp/.well-known/openid-configuration',
    );
    // RFC 8414 §3.1: the terminating "/" is removed before /.well-known/ is inserted.
    expect(authorizationServerMetadataUrls('https://as.example/t1/')).toEqual([
      'https://as.example/.well-known/oauth-authorization-server/t1',
      'https://as.example/.well-known/openid-configuration/t1',
      'https://as.example/t1/.well-known/openid-configuration',
    ]);
  });

  it('[AS-02] refuses an issuer with a query or fragment', () => {
    expectCode(
      () => authorizationServerMetadataUrls('https://as.example/t1?x=1'),
      'ERR_PORTCULLIS_METADATA_INVALID_URL',
    );
    expectCode(
      () => authorizationServerMetadataUrls('https://as.example/t1#x'),
      'ERR_PORTCULLIS_METADATA_INVALID_URL',
    );
  });

  it('[CL-33] gives the 2025-03-26 origin-root location', () => {
    expect(legacyAuthorizationServerMetadataUrl('https://rs.example:8443/p/mcp')).toBe(
      'https://rs.example:8443/.well-known/oauth-authorization-server',
    );
  });
});

describe('reverse well-known URLs (RFC 9728 §3.3, RFC 8414 §3.3)', () => {
  it('[CL-03] recovers the resource a PRM URL was built from', () => {
    expect(
      resourceFromProtectedResourceMetadataUrl('https://h/.well-known/oauth-protected-resource/p/mcp'),
    ).toBe('https://h/p/mcp');
    expect(resourceFromProtectedResourceMetadataUrl('https://h/.well-known/oauth-protected-resource')).toBe(
      'https://h',
    );
    expect(
      resourceFromProtectedResourceMetadataUrl('https://h/.well-known/oauth-protected-resource/mcp?t=1'),
    ).toBe('https://h/mcp?t=1');
  });

  it('[CL-02 CL-03] round-trips every generated PRM URL', () => {
    for (const resource of ['https://h/p/mcp', 'https://h:8443/mcp/', 'https://h']) {
      expect(
        resourceFromProtectedResourceMetadataUrl(protectedResourceMetadataUrls(resource)[0] as string),
      ).toBe(resource);
    }
  });

  it.each([
    'https://h/.well-known/oauth-protected-resourcex',
    'https://h/mcp',
    'https://h/.well-known/oauth-protected-resource#f',
    'not a url',
  ])('[CL-03] refuses %s', (url) => {
    expectCode(
      () => resourceFromProtectedResourceMetadataUrl(url),
      'ERR_PORTCULLIS_METADATA_NOT_A_WELL_KNOWN_URL',
    );
  });

  it('[CL-05] recovers the issuer from every discovery form', () => {
    for (const url of authorizationServerMetadataUrls('https://as.example/t1')) {
      expect(issuerFromAuthorizationServerMetadataUrl(url)).toBe('https://as.example/t1');
    }
    for (const url of authorizationServerMetadataUrls('https://as.example')) {
      expect(issuerFromAuthorizationServerMetadataUrl(url)).toBe('https://as.example');
    }
    expect(
      issuerFromAuthorizationServerMetadataUrl(
        'http://127.0.0.1:18080/realms/mcp/.well-known/oauth-authorization-server',
      ),
    ).toBe('http://127.0.0.1:18080/realms/mcp');
  });

  it.each([
    'https://as.example/.well-known/oauth-authorization-server?x=1',
    'https://as.example/.well-known/openid-configurationx',
    'https://as.example/authorize',
    'https://as.example/.well-known/openid-configuration#x',
    '',
  ])('[CL-05] refuses %s', (url) => {
    expectCode(
      () => issuerFromAuthorizationServerMetadataUrl(url),
      'ERR_PORTCULLIS_METADATA_NOT_A_WELL_KNOWN_URL',
    );
  });
});
