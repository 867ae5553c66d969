import { describe, expect, it } from 'vitest';
import {
  AUTH_RULES,
  authRulesFor,
  compareProtocolVersions,
  isKnownProtocolVersion,
  LATEST_PROTOCOL_VERSION,
  MCP_PROTOCOL_VERSIONS,
} from '../src/index.js';
import { expectCode } from './helpers.js';

describe('MCP protocol versions', () => {
  it('lists the versions oldest first, newest is 2026-07-28', () => {
    expect(MCP_PROTOCOL_VERSIONS).toEqual(['2025-03-26', '2025-06-18', '2025-11-25', '2026-07-28']);
    expect(LATEST_PROTOCOL_VERSION).toBe('2026-07-28');
    expect([...MCP_PROTOCOL_VERSIONS].sort(compareProtocolVersions)).toEqual(MCP_PROTOCOL_VERSIONS);
  });

  it('knows which versions exist', () => {
    expect(isKnownProtocolVersion('2025-11-25')).toBe(true);
    expect(isKnownProtocolVersion('2024-11-05')).toBe(false);
    expect(isKnownProtocolVersion(20250618)).toBe(false);
  });

  it('compares by date, including unknown future versions', () => {
    expect(compareProtocolVersions('2025-06-18', '2026-07-28')).toBeLessThan(0);
    expect(compareProtocolVersions('2027-01-01', '2026-07-28')).toBeGreaterThan(0);
    expect(compareProtocolVersions('2025-06-18', '2025-06-18')).toBe(0);
    expectCode(
      () => compareProtocolVersions('latest', '2025-06-18'),
      'ERR_PORTCULLIS_METADATA_UNKNOWN_PROTOCOL_VERSION',
    );
  });

  it('refuses rules for an unknown version', () => {
    const error = expectCode(
      () => authRulesFor('1999-01-01'),
      'ERR_PORTCULLIS_METADATA_UNKNOWN_PROTOCOL_VERSION',
    );
    expect(error.message).toContain('2025-03-26, 2025-06-18, 2025-11-25, 2026-07-28');
  });
});

describe('auth rules per version', () => {
  it('2025-03-26 uses origin-root metadata with default endpoints', () => {
    expect(authRulesFor('2025-03-26').originRootMetadataWithDefaultEndpoints).toBe(true);
    expect(authRulesFor('2025-06-18').originRootMetadataWithDefaultEndpoints).toBe(false);
  });

  it('PRM, the resource parameter and the version header are required since 2025-06-18', () => {
    expect(authRulesFor('2025-03-26').protectedResourceMetadataRequired).toBe(false);
    for (const v of ['2025-06-18', '2025-11-25', '2026-07-28']) {
      const rules = authRulesFor(v);
      expect([
        rules.protectedResourceMetadataRequired,
        rules.resourceParameterRequired,
        rules.protocolVersionHeaderRequired,
      ]).toEqual([true, true, true]);
    }
  });

  it('OIDC discovery, PRM fallback, scope, PKCE check and CIMD since 2025-11-25', () => {
    const keys = [
      'openIdConnectDiscovery',
      'wellKnownProtectedResourceMetadataFallback',
      'scopeInChallenge',
      'insufficientScopeStepUp',
      'clientIdMetadataDocuments',
      'pkceMetadataRequired',
    ] as const;
    for (const key of keys) {
      expect(authRulesFor('2025-06-18')[key]).toBe(false);
      expect(authRulesFor('2025-11-25')[key]).toBe(true);
      expect(authRulesFor('2026-07-28')[key]).toBe(true);
    }
  });

  it('iss validation, issuer MUST, application_type, AS binding, union and hierarchies in 2026-07-28', () => {
    const keys = [
      'authorizationResponseIssValidation',
      'metadataIssuerMustMatch',
      'applicationTypeRequired',
      'authorizationServerBinding',
      'scopeUnionOnStepUp',
      'scopeHierarchies',
      'statelessTransport',
    ] as const;
    for (const key of keys) {
      expect(authRulesFor('2025-11-25')[key]).toBe(false);
      expect(authRulesFor('2026-07-28')[key]).toBe(true);
    }
  });

  it('sessions exist only up to 2025-11-25', () => {
    expect(MCP_PROTOCOL_VERSIONS.map((v) => AUTH_RULES[v].sessions)).toEqual([true, true, true, false]);
  });

  it('DCR goes from SHOULD to MAY to deprecated', () => {
    expect(MCP_PROTOCOL_VERSIONS.map((v) => AUTH_RULES[v].dynamicClientRegistration)).toEqual([
      'SHOULD',
      'SHOULD',
      'MAY',
      'MAY (deprecated)',
    ]);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(AUTH_RULES)).toBe(true);
    expect(Object.isFrozen(AUTH_RULES['2026-07-28'])).toBe(true);
  });
});
