import { describe, expect, it } from 'vitest';
import {
  AccessDeniedError,
  createOAuthError,
  InsufficientScopeError,
  InvalidClientError,
  InvalidClientMetadataError,
  InvalidDpopProofError,
  InvalidGrantError,
  InvalidRedirectUriError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidSoftwareStatementError,
  InvalidTargetError,
  InvalidTokenError,
  isOAuthErrorCode,
  OAUTH_ERROR_CODES,
  OAuthError,
  oauthErrorFromResponse,
  ServerError,
  TemporarilyUnavailableError,
  UnapprovedSoftwareStatementError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
  UnsupportedResponseTypeError,
  UseDpopNonceError,
} from '../src/index.js';
import { expectCode } from './helpers.js';

const CLASSES = [
  [InvalidRequestError, 'invalid_request', 400],
  [InvalidClientError, 'invalid_client', 401],
  [InvalidGrantError, 'invalid_grant', 400],
  [UnauthorizedClientError, 'unauthorized_client', 400],
  [UnsupportedGrantTypeError, 'unsupported_grant_type', 400],
  [InvalidScopeError, 'invalid_scope', 400],
  [AccessDeniedError, 'access_denied', 400],
  [UnsupportedResponseTypeError, 'unsupported_response_type', 400],
  [ServerError, 'server_error', 500],
  [TemporarilyUnavailableError, 'temporarily_unavailable', 503],
  [InvalidTokenError, 'invalid_token', 401],
  [InvalidClientMetadataError, 'invalid_client_metadata', 400],
  [InvalidRedirectUriError, 'invalid_redirect_uri', 400],
  [InvalidSoftwareStatementError, 'invalid_software_statement', 400],
  [UnapprovedSoftwareStatementError, 'unapproved_software_statement', 400],
  [InvalidTargetError, 'invalid_target', 400],
  [InvalidDpopProofError, 'invalid_dpop_proof', 400],
  [UseDpopNonceError, 'use_dpop_nonce', 400],
] as const;

describe('OAuth error classes', () => {
  it.each(CLASSES)('%o carries its RFC string and status', (Class, code, status) => {
    const error = new Class('why');
    expect(error).toBeInstanceOf(OAuthError);
    expect([error.error, error.status, error.expose]).toEqual([code, status, status < 500]);
    expect(isOAuthErrorCode(code)).toBe(true);
  });

  it('knows exactly the codes it has classes for, plus insufficient_scope', () => {
    expect([...OAUTH_ERROR_CODES].sort()).toEqual(
      [...CLASSES.map(([, code]) => code), 'insufficient_scope'].sort(),
    );
    expect(isOAuthErrorCode('nope')).toBe(false);
  });

  it('rebuilds typed errors from codes and received responses', () => {
    const target = oauthErrorFromResponse(400, {
      error: 'invalid_target',
      error_description: 'unknown resource',
    });
    expect(target).toBeInstanceOf(InvalidTargetError);
    expect(target.error_description).toBe('unknown resource');
    expect(oauthErrorFromResponse(403, { error: 'insufficient_scope' })).toBeInstanceOf(
      InsufficientScopeError,
    );
    const custom = oauthErrorFromResponse(418, { error: 'teapot', error_uri: 'https://e.example/t' });
    expect(custom.constructor).toBe(OAuthError);
    expect([custom.error, custom.status, custom.error_uri]).toEqual(['teapot', 418, 'https://e.example/t']);
  });

  it('[RS-16] checks the scopes of insufficient_scope when the error is made, with the typed error', () => {
    expect(new InsufficientScopeError(['mcp:admin', 'files:read']).scopes).toEqual([
      'mcp:admin',
      'files:read',
    ]);
    expectCode(() => new InsufficientScopeError(['mcp admin']), 'ERR_PORTCULLIS_METADATA_INVALID_SCOPE');
    expectCode(() => new InsufficientScopeError(['']), 'ERR_PORTCULLIS_METADATA_INVALID_SCOPE');
    // A string would otherwise become one scope per character.
    expectCode(
      () => new InsufficientScopeError('mcp:admin' as unknown as string[]),
      'ERR_PORTCULLIS_METADATA_INVALID_SCOPE',
    );
  });

  it('builds errors from codes with createOAuthError', () => {
    expect(createOAuthError('invalid_token', 401, 'expired')).toBeInstanceOf(InvalidTokenError);
    const custom = createOAuthError('slow_down', 400);
    expect([custom.constructor, custom.error, custom.status]).toEqual([OAuthError, 'slow_down', 400]);
  });
});
