import { describe, expect, it } from 'vitest';
import {
  type MetadataValidationError,
  parseAuthorizationServerMetadata,
  serializeAuthorizationServerMetadata,
  supportsPkceS256,
  validateAuthorizationServerMetadata,
} from '../../src/index.js';
import { expectCode, fixture, patched } from '../helpers.js';

const EXAMPLE = 'rfc8414/section-3.2-metadata-response.json';
const INVALID = 'ERR_PORTCULLIS_METADATA_INVALID_DOCUMENT';

function issues(input: unknown) {
  return (expectCode(() => parseAuthorizationServerMetadata(input), INVALID) as MetadataValidationError)
    .issues;
}

describe('RFC 8414 authorization server metadata', () => {
  it('[AS-01] accepts the RFC example, with an http service_documentation link', () => {
    const doc = parseAuthorizationServerMetadata(fixture(EXAMPLE));
    expect(doc.issuer).toBe('https://server.example.com');
    expect(doc.service_documentation).toBe('http://server.example.com/service_documentation.html');
  });

  it('[AS-01] requires issuer and response_types_supported', () => {
    expect(issues(patched(EXAMPLE, { issuer: undefined, response_types_supported: undefined }))).toEqual([
      { path: '"issuer"', message: 'is REQUIRED (RFC 8414 §2)' },
      { path: '"response_types_supported"', message: 'is REQUIRED (RFC 8414 §2)' },
    ]);
  });

  it('[AS-02] refuses an issuer with a query or a fragment', () => {
    for (const issuer of ['https://server.example.com?x=1', 'https://server.example.com#x']) {
      expect(issues(patched(EXAMPLE, { issuer }))).toEqual([
        { path: '"issuer"', message: 'MUST NOT contain a query or fragment component (RFC 8414 §2)' },
      ]);
    }
  });

  it('[AS-08] refuses a non-https issuer', () => {
    expect(issues(patched(EXAMPLE, { issuer: 'http://server.example.com' }))[0]?.path).toBe('"issuer"');
  });

  it('[AS-01] requires authorization_endpoint and token_endpoint when the grant types need them', () => {
    expect(
      issues(patched(EXAMPLE, { authorization_endpoint: undefined, token_endpoint: undefined })).map(
        (i) => i.path,
      ),
    ).toEqual(['"authorization_endpoint"', '"token_endpoint"']);
    const clientCredentialsOnly = patched(EXAMPLE, {
      authorization_endpoint: undefined,
      grant_types_supported: ['client_credentials'],
    });
    expect(parseAuthorizationServerMetadata(clientCredentialsOnly).authorization_endpoint).toBeUndefined();
    const implicitOnly = patched(EXAMPLE, { token_endpoint: undefined, grant_types_supported: ['implicit'] });
    expect(parseAuthorizationServerMetadata(implicitOnly).token_endpoint).toBeUndefined();
  });

  it('refuses "none" as a token endpoint signing algorithm', () => {
    expect(
      issues(patched(EXAMPLE, { token_endpoint_auth_signing_alg_values_supported: ['RS256', 'none'] })),
    ).toEqual([
      {
        path: '"token_endpoint_auth_signing_alg_values_supported"',
        message: 'MUST NOT contain "none" (RFC 8414 §2)',
      },
    ]);
  });

  it('[CL-28] refuses an authorization_endpoint with an active scheme', () => {
    for (const authorization_endpoint of ['javascript:alert(1)', 'file:///etc/passwd', 'data:text/html,x']) {
      expect(issues(patched(EXAMPLE, { authorization_endpoint }))[0]?.path).toBe('"authorization_endpoint"');
    }
  });

  it('[AS-13 AS-15] types the MCP-relevant flags', () => {
    const doc = parseAuthorizationServerMetadata(
      patched(EXAMPLE, {
        authorization_response_iss_parameter_supported: true,
        client_id_metadata_document_supported: true,
      }),
    );
    expect([
      doc.authorization_response_iss_parameter_supported,
      doc.client_id_metadata_document_supported,
    ]).toEqual([true, true]);
    expect(issues(patched(EXAMPLE, { client_id_metadata_document_supported: 'true' }))[0]?.path).toBe(
      '"client_id_metadata_document_supported"',
    );
  });

  it('[CL-07 AS-03] tells whether PKCE S256 is advertised; absent means no', () => {
    expect(supportsPkceS256(parseAuthorizationServerMetadata(fixture(EXAMPLE)))).toBe(false);
    expect(supportsPkceS256({ code_challenge_methods_supported: ['plain'] })).toBe(false);
    expect(supportsPkceS256({ code_challenge_methods_supported: ['plain', 'S256'] })).toBe(true);
  });

  it('[CL-05 AS-02] checks issuer against the issuer the URL was built from, without normalising', () => {
    const doc = fixture(EXAMPLE);
    expect(
      validateAuthorizationServerMetadata(doc, { expectedIssuer: 'https://server.example.com' }).issuer,
    ).toBe('https://server.example.com');
    expectCode(
      () => validateAuthorizationServerMetadata(doc, { expectedIssuer: 'https://server.example.com/' }),
      'ERR_PORTCULLIS_METADATA_ISSUER_MISMATCH',
    );
  });

  it('refuses to serialise an invalid document', () => {
    expectCode(() => serializeAuthorizationServerMetadata({ issuer: 'https://a' } as never), INVALID);
  });
});
