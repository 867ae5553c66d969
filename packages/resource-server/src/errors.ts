import { InvalidTokenError, type OAuthErrorOptions, TemporarilyUnavailableError } from '@portcullis/metadata';

/**
 * Every stable code a non-wire error of this package can carry. Wire errors (what a client sees on a 400, 401
 * or 403) are `@portcullis/metadata`'s typed {@link OAuthError} classes instead.
 */
export type ResourceServerErrorCode =
  | 'ERR_PORTCULLIS_RS_INVALID_OPTIONS'
  | 'ERR_PORTCULLIS_RS_INTROSPECTION_FAILED'
  | 'ERR_PORTCULLIS_RS_JWKS_UNAVAILABLE'
  | 'ERR_PORTCULLIS_RS_SERVER_FACTORY'
  | 'ERR_PORTCULLIS_RS_UNSUPPORTED_SDK';

/** All {@link ResourceServerErrorCode} values, in declaration order. */
export const RESOURCE_SERVER_ERROR_CODES: readonly ResourceServerErrorCode[] = Object.freeze([
  'ERR_PORTCULLIS_RS_INVALID_OPTIONS',
  'ERR_PORTCULLIS_RS_INTROSPECTION_FAILED',
  'ERR_PORTCULLIS_RS_JWKS_UNAVAILABLE',
  'ERR_PORTCULLIS_RS_SERVER_FACTORY',
  'ERR_PORTCULLIS_RS_UNSUPPORTED_SDK',
] as const);

/**
 * A non-wire error of `@portcullis/resource-server`: configuration problems and failures of the systems the
 * resource server depends on. The message says what failed, where, and what to do.
 */
export class ResourceServerError extends Error {
  readonly code: ResourceServerErrorCode;

  constructor(code: ResourceServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ResourceServerError';
    this.code = code;
  }
}

/**
 * The options given to {@link resolveOptions} are invalid. `issues` lists every problem with its path, e.g.
 * `resource must be an https URL (http is allowed only for loopback)`.
 */
export class InvalidOptionsError extends ResourceServerError {
  readonly issues: readonly string[];

  constructor(issues: readonly string[]) {
    super(
      'ERR_PORTCULLIS_RS_INVALID_OPTIONS',
      `invalid @portcullis/resource-server options: ${issues.join('; ')}`,
    );
    this.name = 'InvalidOptionsError';
    this.issues = Object.freeze([...issues]);
  }
}

/**
 * A 401 for a request that carried no Bearer credentials at all. Neither its challenge nor its JSON body (only
 * `error_description`) carries an `error` code (RFC 6750 §3.1: "SHOULD NOT include an error code or other error
 * information"); it extends `invalid_token` only so that code handling 401s catches it.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export class MissingTokenError extends InvalidTokenError {
  constructor(description = 'this endpoint needs a Bearer access token in the Authorization header') {
    super(description);
  }
}

/**
 * `temporarily_unavailable` (503) because the authorization server could not be asked (JWKS or introspection
 * endpoint down, timing out, or answering without a usable body): the token can be neither accepted nor
 * refused, so it must not be answered `invalid_token`, which makes clients throw good tokens away and loop
 * through authorization. Sent with `Retry-After` and without a Bearer challenge. The description is a fixed
 * text of this package and is sent (unlike other 5xx descriptions); the cause stays server-side.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 */
export class AuthorizationServerUnavailableError extends TemporarilyUnavailableError {
  override readonly expose = true;
  /** Seconds the client should wait before retrying (`Retry-After`). */
  readonly retryAfterSec: number;

  constructor(description: string, retryAfterSec: number, cause?: unknown) {
    super(description, cause === undefined ? {} : { cause });
    this.retryAfterSec = Math.max(1, Math.ceil(retryAfterSec));
  }
}

/** Build an `invalid_token` error whose cause stays server-side (never serialised). */
export function invalidToken(description: string, cause?: unknown): InvalidTokenError {
  const options: OAuthErrorOptions = cause === undefined ? {} : { cause };
  return new InvalidTokenError(description, options);
}
