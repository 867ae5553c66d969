/**
 * Every stable code a `@portcullis/client` error can carry. Wire errors of the authorization server are
 * reported through these codes too, with the RFC `error` string in {@link ClientError.oauthError}.
 */
export type ClientErrorCode =
  | 'ERR_PORTCULLIS_CLIENT_INVALID_OPTIONS'
  | 'ERR_PORTCULLIS_CLIENT_UNSAFE_URL'
  | 'ERR_PORTCULLIS_CLIENT_NETWORK'
  | 'ERR_PORTCULLIS_CLIENT_PRM_NOT_FOUND'
  | 'ERR_PORTCULLIS_CLIENT_RESOURCE_MISMATCH'
  | 'ERR_PORTCULLIS_CLIENT_AS_METADATA_NOT_FOUND'
  | 'ERR_PORTCULLIS_CLIENT_ISSUER_MISMATCH'
  | 'ERR_PORTCULLIS_CLIENT_PKCE_UNSUPPORTED'
  | 'ERR_PORTCULLIS_CLIENT_NO_REGISTRATION'
  | 'ERR_PORTCULLIS_CLIENT_REGISTRATION_FAILED'
  | 'ERR_PORTCULLIS_CLIENT_BROWSER_FAILED'
  | 'ERR_PORTCULLIS_CLIENT_CALLBACK_TIMEOUT'
  | 'ERR_PORTCULLIS_CLIENT_STATE_MISMATCH'
  | 'ERR_PORTCULLIS_CLIENT_ISS_MISMATCH'
  | 'ERR_PORTCULLIS_CLIENT_AUTHORIZATION_DENIED'
  | 'ERR_PORTCULLIS_CLIENT_TOKEN_REQUEST_FAILED'
  | 'ERR_PORTCULLIS_CLIENT_STEP_UP_LIMIT'
  | 'ERR_PORTCULLIS_CLIENT_UNAUTHORIZED'
  | 'ERR_PORTCULLIS_CLIENT_STORE';

/** All {@link ClientErrorCode} values, in declaration order. */
export const CLIENT_ERROR_CODES: readonly ClientErrorCode[] = Object.freeze([
  'ERR_PORTCULLIS_CLIENT_INVALID_OPTIONS',
  'ERR_PORTCULLIS_CLIENT_UNSAFE_URL',
  'ERR_PORTCULLIS_CLIENT_NETWORK',
  'ERR_PORTCULLIS_CLIENT_PRM_NOT_FOUND',
  'ERR_PORTCULLIS_CLIENT_RESOURCE_MISMATCH',
  'ERR_PORTCULLIS_CLIENT_AS_METADATA_NOT_FOUND',
  'ERR_PORTCULLIS_CLIENT_ISSUER_MISMATCH',
  'ERR_PORTCULLIS_CLIENT_PKCE_UNSUPPORTED',
  'ERR_PORTCULLIS_CLIENT_NO_REGISTRATION',
  'ERR_PORTCULLIS_CLIENT_REGISTRATION_FAILED',
  'ERR_PORTCULLIS_CLIENT_BROWSER_FAILED',
  'ERR_PORTCULLIS_CLIENT_CALLBACK_TIMEOUT',
  'ERR_PORTCULLIS_CLIENT_STATE_MISMATCH',
  'ERR_PORTCULLIS_CLIENT_ISS_MISMATCH',
  'ERR_PORTCULLIS_CLIENT_AUTHORIZATION_DENIED',
  'ERR_PORTCULLIS_CLIENT_TOKEN_REQUEST_FAILED',
  'ERR_PORTCULLIS_CLIENT_STEP_UP_LIMIT',
  'ERR_PORTCULLIS_CLIENT_UNAUTHORIZED',
  'ERR_PORTCULLIS_CLIENT_STORE',
] as const);

/** What a {@link ClientError} says beyond its message. */
export interface ClientErrorDetails {
  /** The URL the failing step talked to, when there is one. */
  readonly url?: string | undefined;
  /** What the user can do about it, one sentence. */
  readonly hint?: string | undefined;
  /** The RFC 6749 / 7591 `error` string the authorization server answered with, if any. */
  readonly oauthError?: string | undefined;
  readonly cause?: unknown;
}

/**
 * An error of `@portcullis/client`. The message says what failed and at which URL; {@link hint} says what to do.
 * Never contains a token, a code, a verifier or a client secret.
 */
export class ClientError extends Error {
  readonly code: ClientErrorCode;
  readonly url: string | undefined;
  readonly hint: string | undefined;
  readonly oauthError: string | undefined;

  constructor(code: ClientErrorCode, message: string, details: ClientErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ClientError';
    this.code = code;
    this.url = details.url;
    this.hint = details.hint;
    this.oauthError = details.oauthError;
  }
}

/** `true` for a {@link ClientError}, optionally with one given code. */
export function isClientError(value: unknown, code?: ClientErrorCode): value is ClientError {
  return value instanceof ClientError && (code === undefined || value.code === code);
}

/** The message of anything thrown, for wrapping into a {@link ClientError}. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
