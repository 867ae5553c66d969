import { formatBearerChallenge } from './rfc6750/www-authenticate.js';

const ERROR_CHARS = /[^\x20\x21\x23-\x5B\x5D-\x7E]/g;
const URI = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Map a description onto the RFC 6749 §5.2 character set so that rendering an error never throws. */
function toErrorCharset(text: string): string {
  return text.replace(ERROR_CHARS, (c) => (c === '"' ? "'" : c === '\\' ? '/' : /\s/.test(c) ? ' ' : '?'));
}

/**
 * The OAuth error codes this stack sends or understands, spelled exactly as on the wire.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-12.2
 */
export const OAUTH_ERROR_CODES = Object.freeze([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'access_denied',
  'unsupported_response_type',
  'server_error',
  'temporarily_unavailable',
  'invalid_token',
  'insufficient_scope',
  'invalid_client_metadata',
  'invalid_redirect_uri',
  'invalid_software_statement',
  'unapproved_software_statement',
  'invalid_target',
  'invalid_dpop_proof',
  'use_dpop_nonce',
] as const);

/**
 * One of {@link OAUTH_ERROR_CODES}.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export type OAuthErrorCode = (typeof OAUTH_ERROR_CODES)[number];

/**
 * `true` when `value` is one of the registered codes in {@link OAUTH_ERROR_CODES}.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export function isOAuthErrorCode(value: unknown): value is OAuthErrorCode {
  return typeof value === 'string' && (OAUTH_ERROR_CODES as readonly string[]).includes(value);
}

/**
 * Extra settings for an {@link OAuthError}.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export interface OAuthErrorOptions {
  /** HTTP status; defaults to the status the error's specification gives for the token endpoint. */
  readonly status?: number;
  /** `error_uri`: a page with more information for the developer. */
  readonly errorUri?: string;
  /** Internal detail, never serialised. */
  readonly cause?: unknown;
}

/**
 * The JSON body of an OAuth error response.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export interface OAuthErrorResponseBody {
  error: string;
  error_description?: string;
  error_uri?: string;
}

/**
 * Parameters a resource server adds to the Bearer challenge of an error.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export interface BearerChallengeContext {
  readonly realm?: string;
  /** Absolute URL of the protected resource metadata (RFC 9728 §5.1). */
  readonly resourceMetadata?: string;
  /** Scopes the request needs; overrides the scopes an {@link InsufficientScopeError} carries. */
  readonly scope?: string;
}

/**
 * A wire error: carries the HTTP status and the RFC `error` string, and renders itself as the RFC 6749 §5.2
 * JSON body or the RFC 6750 §3 challenge. `expose` is `status < 500`: only then is `error_description` sent.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export class OAuthError extends Error {
  readonly status: number;
  readonly error: string;
  readonly error_description: string | undefined;
  readonly error_uri: string | undefined;
  readonly expose: boolean;

  constructor(error: string, status: number, description?: string, options: OAuthErrorOptions = {}) {
    super(description ?? error, { cause: options.cause });
    this.name = new.target.name;
    this.error = error;
    this.status = options.status ?? status;
    this.error_description = description;
    this.error_uri = options.errorUri;
    this.expose = this.status < 500;
  }

  /**
   * The RFC 6749 §5.2 JSON body. Characters of `error_description` outside the allowed set are replaced, and an
   * `error_uri` that is not an absolute URI is left out, so rendering never throws.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
   */
  toResponseBody(): OAuthErrorResponseBody {
    const body: OAuthErrorResponseBody = { error: this.error };
    const description = this.wireDescription();
    if (description !== undefined) body.error_description = description;
    const uri = this.wireUri();
    if (uri !== undefined) body.error_uri = uri;
    return body;
  }

  /**
   * The RFC 6750 §3 `WWW-Authenticate` value for this error, for the 401 / 403 answers of a resource server.
   * Sanitised like {@link OAuthError.toResponseBody}.
   * @throws {WwwAuthenticateFormatError} only when `error` itself, `realm`, `scope` or `resourceMetadata` cannot
   * be represented.
   * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
   * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
   */
  toWwwAuthenticate(context: BearerChallengeContext = {}): string {
    return formatBearerChallenge({
      realm: context.realm,
      error: this.error,
      error_description: this.wireDescription(),
      error_uri: this.wireUri(),
      scope: context.scope ?? this.challengeScope(),
      resource_metadata: context.resourceMetadata,
    });
  }

  private wireDescription(): string | undefined {
    if (!this.expose || this.error_description === undefined || this.error_description === '')
      return undefined;
    return toErrorCharset(this.error_description);
  }

  private wireUri(): string | undefined {
    const uri = this.error_uri;
    return uri !== undefined && URI.test(uri) && URL.canParse(uri) ? uri : undefined;
  }

  /** Scope to put in the challenge when the caller gives none. */
  protected challengeScope(): string | undefined {
    return undefined;
  }
}
