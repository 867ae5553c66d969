import { OAuthError } from '@portcullis/metadata';

/**
 * Stable codes of the errors this package throws that are not OAuth wire errors. OAuth wire errors
 * (`invalid_request`, `invalid_grant`, `invalid_target`, …) come from oidc-provider's `errors` classes, each
 * carrying the RFC `error` string and HTTP status, or from {@link PageError} for the login and consent pages.
 */
export type IdpErrorCode =
  | 'ERR_PORTCULLIS_IDP_INVALID_OPTIONS'
  | 'ERR_PORTCULLIS_IDP_SSRF_SCHEME'
  | 'ERR_PORTCULLIS_IDP_SSRF_BLOCKED'
  | 'ERR_PORTCULLIS_IDP_SSRF_UNRESOLVED'
  | 'ERR_PORTCULLIS_IDP_FETCH_TIMEOUT'
  | 'ERR_PORTCULLIS_IDP_FETCH_TOO_LARGE'
  | 'ERR_PORTCULLIS_IDP_FETCH_FAILED'
  | 'ERR_PORTCULLIS_IDP_FETCH_INVALID_RESPONSE'
  | 'ERR_PORTCULLIS_IDP_BAD_PASSWORD_HASH';

/** Every {@link IdpErrorCode}, for documentation and exhaustiveness tests. */
export const IDP_ERROR_CODES: readonly IdpErrorCode[] = [
  'ERR_PORTCULLIS_IDP_INVALID_OPTIONS',
  'ERR_PORTCULLIS_IDP_SSRF_SCHEME',
  'ERR_PORTCULLIS_IDP_SSRF_BLOCKED',
  'ERR_PORTCULLIS_IDP_SSRF_UNRESOLVED',
  'ERR_PORTCULLIS_IDP_FETCH_TIMEOUT',
  'ERR_PORTCULLIS_IDP_FETCH_TOO_LARGE',
  'ERR_PORTCULLIS_IDP_FETCH_FAILED',
  'ERR_PORTCULLIS_IDP_FETCH_INVALID_RESPONSE',
  'ERR_PORTCULLIS_IDP_BAD_PASSWORD_HASH',
];

/** A non-wire error of `@portcullis/idp` with a stable {@link IdpErrorCode}. */
export class IdpError extends Error {
  override readonly name = 'IdpError';
  readonly code: IdpErrorCode;

  constructor(code: IdpErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * An error answered by the login/consent pages as an HTML page (never a redirect): an OAuth error of
 * `@portcullis/metadata` (`error` is the RFC 6749 error code shown to the user, `status` the HTTP status) that
 * is rendered by `errorPage` instead of as JSON.
 * @see RFC 6749 §4.1.2.1 (errors that must not be redirected)
 */
export class PageError extends OAuthError {
  declare readonly error_description: string;

  constructor(status: number, error: string, description: string) {
    super(error, status, description);
  }
}

/** 403 for a form POST whose CSRF token is missing or wrong. */
export class CsrfError extends PageError {
  constructor() {
    super(
      403,
      'invalid_request',
      'the form expired or was not sent by this page (CSRF token missing or wrong)',
    );
  }
}
