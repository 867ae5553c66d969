import { describe, expect, it } from 'vitest';
import {
  type MetadataValidationError,
  parseOpenIdProviderMetadata,
  serializeOpenIdProviderMetadata,
  validateOpenIdProviderMetadata,
} from '../../src/index.js';
import { expectCode, fixture, patched } from '../helpers.js';

const KEYCLOAK = 'real-world/keycloak-26.x-openid-configuration.json';
const INVALID = 'ERR_PORTCULLIS_METADATA_INVALID_DOCUMENT';

describe('OpenID Connect Discovery 1.0 provider metadata', () => {
  it('[AS-01 AS-03] accepts a Keycloak 26 configuration', () => {
    const doc = parseOpenIdProviderMetadata(fixture(KEYCLOAK));
    expect(doc.code_challenge_methods_supported).toContain('S256');
    expect(doc.registration_endpoint).toBe(
      'https://keycloak.example.com/realms/mcp/clients-registrations/openid-connect',
    );
  });

  it('[AS-01] requires the OpenID members on top of RFC 8414', () => {
    const error = expectCode(
      () =>
        parseOpenIdProviderMetadata(
          patched(KEYCLOAK, {
            jwks_uri: undefined,
            subject_types_supported: undefined,
            id_token_signing_alg_values_supported: 'RS256',
          }),
        ),
      INVALID,
    ) as MetadataValidationError;
    expect(error.issues).toEqual([
      { path: '"jwks_uri"', message: 'is REQUIRED (OpenID Connect Discovery 1.0 §3)' },
      { path: '"subject_types_supported"', message: 'is REQUIRED (OpenID Connect Discovery 1.0 §3)' },
      {
        path: '"id_token_signing_alg_values_supported"',
        message: 'id_token_signing_alg_values_supported has the wrong type',
      },
    ]);
  });

  it('[AS-01] applies the RFC 8414 cross-member rules too', () => {
    expectCode(() => parseOpenIdProviderMetadata(patched(KEYCLOAK, { token_endpoint: undefined })), INVALID);
  });

  it('[CL-05] checks the issuer exactly', () => {
    const doc = fixture(KEYCLOAK);
    expect(
      validateOpenIdProviderMetadata(doc, { expectedIssuer: 'https://keycloak.example.com/realms/mcp' })
        .issuer,
    ).toBe('https://keycloak.example.com/realms/mcp');
    expectCode(
      () =>
        validateOpenIdProviderMetadata(doc, { expectedIssuer: 'https://keycloak.example.com/realms/mcp/' }),
      'ERR_PORTCULLIS_METADATA_ISSUER_MISMATCH',
    );
  });

  it('round-trips through serialise', () => {
    const doc = fixture(KEYCLOAK);
    expect(serializeOpenIdProviderMetadata(parseOpenIdProviderMetadata(doc))).toEqual(doc);
  });
});
