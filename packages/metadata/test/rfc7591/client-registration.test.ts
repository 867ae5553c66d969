import { describe, expect, it } from 'vitest';
import {
  type MetadataValidationError,
  parseClientRegistrationError,
  parseClientRegistrationRequest,
  parseClientRegistrationResponse,
  serializeClientRegistrationRequest,
  serializeClientRegistrationResponse,
} from '../../src/index.js';
import { expectCode, fixture, patched } from '../helpers.js';

const REQUEST = 'rfc7591/section-3.1-registration-request.json';
const RESPONSE = 'rfc7591/section-3.2.1-registration-response.json';
const INVALID = 'ERR_PORTCULLIS_METADATA_INVALID_DOCUMENT';

function issues(fn: () => unknown) {
  return (expectCode(fn, INVALID) as MetadataValidationError).issues;
}

describe('RFC 7591 registration request', () => {
  it('[AS-20] accepts the RFC example and keeps language-tagged and extension members', () => {
    const request = parseClientRegistrationRequest(fixture(REQUEST));
    expect(request['client_name#ja-Jpan-JP']).toBe('クライアント名');
    expect(request.example_extension_parameter).toBe('example_value');
  });

  it('[AS-20 CL-18] accepts the public native client MCP clients register', () => {
    const body = {
      redirect_uris: ['http://127.0.0.1:3000/cb'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'mcp:tools',
    };
    expect(parseClientRegistrationRequest(body, { requireApplicationType: true })).toEqual(body);
  });

  it('[AS-07 CL-27] refuses non-loopback http, custom-scheme and fragment redirect URIs', () => {
    for (const uri of ['http://evil.test/cb', 'javascript:alert(1)', 'https://app.test/cb#frag']) {
      expect(issues(() => parseClientRegistrationRequest({ redirect_uris: [uri] }))[0]?.path).toBe(
        '"redirect_uris"[0]',
      );
    }
  });

  it('refuses jwks_uri together with jwks', () => {
    expect(issues(() => parseClientRegistrationRequest(patched(REQUEST, { jwks: { keys: [] } })))).toEqual([
      { path: '"jwks"', message: 'MUST NOT be present together with jwks_uri (RFC 7591 §2)' },
    ]);
  });

  it('[CL-18] requires application_type when asked to (MCP 2026-07-28)', () => {
    expect(
      issues(() => parseClientRegistrationRequest(fixture(REQUEST), { requireApplicationType: true })),
    ).toEqual([{ path: '"application_type"', message: 'is REQUIRED by MCP 2026-07-28 (SEP-837)' }]);
    expect(issues(() => parseClientRegistrationRequest({ application_type: 'desktop' }))[0]?.path).toBe(
      '"application_type"',
    );
  });

  it('checks scope syntax and link schemes', () => {
    expect(issues(() => parseClientRegistrationRequest({ scope: 'a  b' }))[0]?.path).toBe('"scope"');
    expect(
      issues(() => parseClientRegistrationRequest({ logo_uri: 'data:image/png;base64,AA' }))[0]?.path,
    ).toBe('"logo_uri"');
  });

  it('serialises only valid requests', () => {
    expect(serializeClientRegistrationRequest({ client_name: 'x' })).toEqual({ client_name: 'x' });
    expectCode(() => serializeClientRegistrationRequest({ redirect_uris: ['http://evil.test/cb'] }), INVALID);
  });
});

describe('RFC 7591 registration response and error', () => {
  it('[AS-20] accepts the RFC example response', () => {
    expect(parseClientRegistrationResponse(fixture(RESPONSE)).client_id).toBe('s6BhdRkqt3');
  });

  it('[AS-20] requires client_id, and client_secret_expires_at when a secret is issued', () => {
    expect(
      issues(() => parseClientRegistrationResponse(patched(RESPONSE, { client_id: undefined })))[0],
    ).toEqual({
      path: '"client_id"',
      message: 'is REQUIRED (RFC 7591 §3.2.1)',
    });
    expect(
      issues(() =>
        parseClientRegistrationResponse(patched(RESPONSE, { client_secret_expires_at: undefined })),
      ),
    ).toEqual([
      {
        path: '"client_secret_expires_at"',
        message: 'is REQUIRED when client_secret is issued (RFC 7591 §3.2.1)',
      },
    ]);
    expect(
      parseClientRegistrationResponse({ client_id: 'public', token_endpoint_auth_method: 'none' }).client_id,
    ).toBe('public');
  });

  it('checks timestamps and jwks rules in responses', () => {
    expect(
      issues(() => parseClientRegistrationResponse(patched(RESPONSE, { client_id_issued_at: -1 })))[0]?.path,
    ).toBe('"client_id_issued_at"');
    expect(
      issues(() => parseClientRegistrationResponse(patched(RESPONSE, { jwks: { keys: [] } })))[0]?.path,
    ).toBe('"jwks"');
  });

  it('[AS-07 CL-18] parses registration errors', () => {
    expect(
      parseClientRegistrationError(fixture('rfc7591/section-3.2.2-invalid-redirect-uri.json')).error,
    ).toBe('invalid_redirect_uri');
    expectCode(() => parseClientRegistrationError({ error_description: 'no code' }), INVALID);
  });

  it('serialises only valid responses', () => {
    expectCode(() => serializeClientRegistrationResponse({} as never), INVALID);
  });
});
