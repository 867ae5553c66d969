import { describe, expect, it } from 'vitest';
import {
  assertAuthorizationResponseIssuer,
  assertIssuerMatches,
  assertResourceMatches,
  IssuerMismatchError,
  issuerMatches,
  ResourceMismatchError,
  resourceMatches,
} from '../src/index.js';
import { expectCode } from './helpers.js';

describe('exact identifier comparison', () => {
  it('[CL-03 RS-08] compares the PRM resource as a plain string', () => {
    expect(resourceMatches('https://x', 'https://x')).toBe(true);
    expect(resourceMatches('https://x/', 'https://x')).toBe(false);
    expect(resourceMatches('HTTPS://x', 'https://x')).toBe(false);
    expect(resourceMatches(undefined, 'https://x')).toBe(false);
  });

  it('[CL-03] explains a resource mismatch', () => {
    const error = expectCode(
      () => assertResourceMatches('https://x/', 'https://x'),
      'ERR_PORTCULLIS_METADATA_RESOURCE_MISMATCH',
    );
    expect(error).toBeInstanceOf(ResourceMismatchError);
    expect(error.message).toBe(
      '"resource" in protected resource metadata ("https://x/") MUST equal the resource the metadata was requested for ("https://x"); do not use this metadata',
    );
    expect(() => assertResourceMatches('https://x', 'https://x')).not.toThrow();
  });

  it('[CL-05 CL-21] compares issuers with no normalisation', () => {
    expect(issuerMatches('https://as.example/', 'https://as.example')).toBe(false);
    expect(issuerMatches('https://as.example', 'https://as.example')).toBe(true);
    const error = expectCode(
      () => assertIssuerMatches('https://honest.example', 'https://as.example'),
      'ERR_PORTCULLIS_METADATA_ISSUER_MISMATCH',
    );
    expect(error).toBeInstanceOf(IssuerMismatchError);
    expect(error.message).toBe(
      '"issuer" in authorization server metadata ("https://honest.example") MUST equal the issuer the metadata was requested for ("https://as.example"); do not use this metadata',
    );
    expect(() => assertIssuerMatches('https://as.example', 'https://as.example')).not.toThrow();
  });
});

describe('RFC 9207 authorization response iss check', () => {
  const expectedIssuer = 'https://as.example';

  it('[CL-21] flag true and iss present: compare', () => {
    expect(() =>
      assertAuthorizationResponseIssuer({ expectedIssuer, issParameterSupported: true, iss: expectedIssuer }),
    ).not.toThrow();
    expectCode(
      () =>
        assertAuthorizationResponseIssuer({
          expectedIssuer,
          issParameterSupported: true,
          iss: 'https://evil.example',
        }),
      'ERR_PORTCULLIS_METADATA_ISSUER_MISMATCH',
    );
  });

  it('[CL-21] flag true and iss absent: reject', () => {
    expectCode(
      () =>
        assertAuthorizationResponseIssuer({ expectedIssuer, issParameterSupported: true, iss: undefined }),
      'ERR_PORTCULLIS_METADATA_ISSUER_MISMATCH',
    );
  });

  it('[CL-21] flag absent and iss present: compare, trailing slash is a mismatch', () => {
    expectCode(
      () =>
        assertAuthorizationResponseIssuer({
          expectedIssuer,
          issParameterSupported: undefined,
          iss: 'https://as.example/',
        }),
      'ERR_PORTCULLIS_METADATA_ISSUER_MISMATCH',
    );
    expect(() =>
      assertAuthorizationResponseIssuer({
        expectedIssuer,
        issParameterSupported: false,
        iss: expectedIssuer,
      }),
    ).not.toThrow();
  });

  it('[CL-21] both absent: proceed', () => {
    expect(() =>
      assertAuthorizationResponseIssuer({ expectedIssuer, issParameterSupported: false, iss: undefined }),
    ).not.toThrow();
  });
});
