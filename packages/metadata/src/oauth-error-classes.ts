import { ScopeSyntaxError } from './errors.js';
import { isOAuthErrorCode, OAuthError, type OAuthErrorCode, type OAuthErrorOptions } from './oauth-errors.js';
import { formatScope } from './scopes.js';

/** `invalid_request` (400). @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2 */
export class InvalidRequestError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('invalid_request', 400, description, options);
  }
}
/** `invalid_client` (401). @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2 */
export class InvalidClientError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('invalid_client', 401, description, options);
  }
}
/** `invalid_grant` (400). @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2 */
export class InvalidGrantError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('invalid_grant', 400, description, options);
  }
}
/** `unauthorized_client` (400). @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2 */
export class UnauthorizedClientError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('unauthorized_client', 400, description, options);
  }
}
/** `unsupported_grant_type` (400). @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2 */
export class UnsupportedGrantTypeError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('unsupported_grant_type', 400, description, options);
  }
}
/** `invalid_scope` (400). @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2 */
export class InvalidScopeError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('invalid_scope', 400, description, options);
  }
}
/** `access_denied` (400). @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1 */
export class AccessDeniedError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('access_denied', 400, description, options);
  }
}
/** `unsupported_response_type` (400). @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1 */
export class UnsupportedResponseTypeError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('unsupported_response_type', 400, description, options);
  }
}
/** `server_error` (500, not exposed). @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1 */
export class ServerError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('server_error', 500, description, options);
  }
}
/** `temporarily_unavailable` (503). @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1 */
export class TemporarilyUnavailableError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('temporarily_unavailable', 503, description, options);
  }
}
/** `invalid_token` (401). @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1 */
export class InvalidTokenError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('invalid_token', 401, description, options);
  }
}

/**
 * `insufficient_scope` (403). Carries the scopes the request needs; they become the challenge's `scope`.
 * @throws {ScopeSyntaxError} when `scopes` is not an array of scope-tokens: checked here, where the mistake
 * is made, rather than when the challenge is written in an error handler.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export class InsufficientScopeError extends OAuthError {
  readonly scopes: readonly string[];
  /** The challenge's `scope`, formatted (and so checked) once, here. */
  readonly #scope: string;

  constructor(scopes: readonly string[], description?: string, options?: OAuthErrorOptions) {
    super('insufficient_scope', 403, description, options);
    if (!Array.isArray(scopes)) {
      // A string would be spread into characters, each a valid one-letter scope.
      throw new ScopeSyntaxError(
        `the scopes of insufficient_scope must be an array of scope-tokens, not ${scopes === null ? 'null' : typeof scopes}`,
      );
    }
    this.#scope = formatScope(scopes);
    this.scopes = Object.freeze([...scopes]);
  }

  protected override challengeScope(): string | undefined {
    return this.scopes.length === 0 ? undefined : this.#scope;
  }
}

/** `invalid_client_metadata` (400). @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2 */
export class InvalidClientMetadataError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('invalid_client_metadata', 400, description, options);
  }
}
/** `invalid_redirect_uri` (400). @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2 */
export class InvalidRedirectUriError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('invalid_redirect_uri', 400, description, options);
  }
}
/** `invalid_software_statement` (400). @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2 */
export class InvalidSoftwareStatementError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('invalid_software_statement', 400, description, options);
  }
}
/** `unapproved_software_statement` (400). @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2 */
export class UnapprovedSoftwareStatementError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('unapproved_software_statement', 400, description, options);
  }
}
/** `invalid_target` (400). @see https://www.rfc-editor.org/rfc/rfc8707#section-2 */
export class InvalidTargetError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('invalid_target', 400, description, options);
  }
}
/** `invalid_dpop_proof` (400 at the token endpoint). @see https://www.rfc-editor.org/rfc/rfc9449#section-5 */
export class InvalidDpopProofError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('invalid_dpop_proof', 400, description, options);
  }
}
/** `use_dpop_nonce` (400 at the token endpoint). @see https://www.rfc-editor.org/rfc/rfc9449#section-8 */
export class UseDpopNonceError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('use_dpop_nonce', 400, description, options);
  }
}

const ERROR_CLASSES: Readonly<Record<OAuthErrorCode, abstract new (...args: never[]) => OAuthError>> = {
  invalid_request: InvalidRequestError,
  invalid_client: InvalidClientError,
  invalid_grant: InvalidGrantError,
  unauthorized_client: UnauthorizedClientError,
  unsupported_grant_type: UnsupportedGrantTypeError,
  invalid_scope: InvalidScopeError,
  access_denied: AccessDeniedError,
  unsupported_response_type: UnsupportedResponseTypeError,
  server_error: ServerError,
  temporarily_unavailable: TemporarilyUnavailableError,
  invalid_token: InvalidTokenError,
  insufficient_scope: InsufficientScopeError,
  invalid_client_metadata: InvalidClientMetadataError,
  invalid_redirect_uri: InvalidRedirectUriError,
  invalid_software_statement: InvalidSoftwareStatementError,
  unapproved_software_statement: UnapprovedSoftwareStatementError,
  invalid_target: InvalidTargetError,
  invalid_dpop_proof: InvalidDpopProofError,
  use_dpop_nonce: UseDpopNonceError,
};

/**
 * Build the typed error for an `error` code: the matching subclass for a registered code, a plain
 * {@link OAuthError} for any other. Used to rebuild errors received from a server.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export function createOAuthError(
  error: string,
  status: number,
  description?: string,
  options: Omit<OAuthErrorOptions, 'status'> = {},
): OAuthError {
  const Known = isOAuthErrorCode(error) ? ERROR_CLASSES[error] : undefined;
  const withStatus = { ...options, status };
  if (Known === undefined) return new OAuthError(error, status, description, withStatus);
  if (Known === InsufficientScopeError) return new InsufficientScopeError([], description, withStatus);
  return new (Known as typeof InvalidRequestError)(description, withStatus);
}
