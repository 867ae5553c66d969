/**
 * Every stable code a non-wire error of this package can carry. The union is closed: a `switch (err.code)`
 * over {@link AnyMetadataError} narrows to the matching class.
 * @see README.md#errors (the catalogue of codes)
 */
export type MetadataErrorCode =
  | 'ERR_PORTCULLIS_METADATA_INVALID_DOCUMENT'
  | 'ERR_PORTCULLIS_METADATA_INVALID_URL'
  | 'ERR_PORTCULLIS_METADATA_UNSAFE_URL'
  | 'ERR_PORTCULLIS_METADATA_INVALID_RESOURCE_URI'
  | 'ERR_PORTCULLIS_METADATA_RESOURCE_MISMATCH'
  | 'ERR_PORTCULLIS_METADATA_ISSUER_MISMATCH'
  | 'ERR_PORTCULLIS_METADATA_NOT_A_WELL_KNOWN_URL'
  | 'ERR_PORTCULLIS_METADATA_INVALID_SCOPE'
  | 'ERR_PORTCULLIS_METADATA_INVALID_SCOPE_HIERARCHY'
  | 'ERR_PORTCULLIS_METADATA_UNKNOWN_PROTOCOL_VERSION'
  | 'ERR_PORTCULLIS_METADATA_WWW_AUTHENTICATE_PARSE'
  | 'ERR_PORTCULLIS_METADATA_WWW_AUTHENTICATE_FORMAT';

/**
 * All {@link MetadataErrorCode} values, in declaration order.
 * @see README.md#errors
 */
export const METADATA_ERROR_CODES: readonly MetadataErrorCode[] = Object.freeze([
  'ERR_PORTCULLIS_METADATA_INVALID_DOCUMENT',
  'ERR_PORTCULLIS_METADATA_INVALID_URL',
  'ERR_PORTCULLIS_METADATA_UNSAFE_URL',
  'ERR_PORTCULLIS_METADATA_INVALID_RESOURCE_URI',
  'ERR_PORTCULLIS_METADATA_RESOURCE_MISMATCH',
  'ERR_PORTCULLIS_METADATA_ISSUER_MISMATCH',
  'ERR_PORTCULLIS_METADATA_NOT_A_WELL_KNOWN_URL',
  'ERR_PORTCULLIS_METADATA_INVALID_SCOPE',
  'ERR_PORTCULLIS_METADATA_INVALID_SCOPE_HIERARCHY',
  'ERR_PORTCULLIS_METADATA_UNKNOWN_PROTOCOL_VERSION',
  'ERR_PORTCULLIS_METADATA_WWW_AUTHENTICATE_PARSE',
  'ERR_PORTCULLIS_METADATA_WWW_AUTHENTICATE_FORMAT',
] as const);

/**
 * Base class of every non-wire error thrown by this package (parsing, validation, formatting). Wire errors,
 * the ones an OAuth endpoint sends, are {@link OAuthError} instead.
 * @see README.md#errors
 */
export abstract class MetadataError extends Error {
  abstract readonly code: MetadataErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * One problem found in a document: a JSON path (`"authorization_servers[0]"`) and what is wrong there.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.2
 */
export interface MetadataIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * A metadata document, registration payload, token or error response does not match its specification.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.2
 */
export class MetadataValidationError extends MetadataError {
  static readonly code = 'ERR_PORTCULLIS_METADATA_INVALID_DOCUMENT';
  readonly code = MetadataValidationError.code;
  /** Human name of the document, e.g. `"protected resource metadata"`. */
  readonly document: string;
  readonly issues: readonly MetadataIssue[];

  constructor(document: string, issues: readonly MetadataIssue[]) {
    const list = issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; ');
    super(`${document} is invalid: ${list}. Fix the document where it is published, or do not use it.`);
    this.document = document;
    this.issues = issues;
  }
}

/**
 * A string that must be an absolute URL is not one.
 * @see https://www.rfc-editor.org/rfc/rfc3986#section-4.3
 */
export class InvalidUrlError extends MetadataError {
  static readonly code = 'ERR_PORTCULLIS_METADATA_INVALID_URL';
  readonly code = InvalidUrlError.code;
}

/**
 * A URL uses a scheme or host that is not allowed: anything but `https:`, or `http:` outside loopback.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations
 */
export class UnsafeUrlError extends MetadataError {
  static readonly code = 'ERR_PORTCULLIS_METADATA_UNSAFE_URL';
  readonly code = UnsafeUrlError.code;
}

/**
 * A value cannot be used as an RFC 8707 resource indicator / MCP canonical server URI.
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export class InvalidResourceUriError extends MetadataError {
  static readonly code = 'ERR_PORTCULLIS_METADATA_INVALID_RESOURCE_URI';
  readonly code = InvalidResourceUriError.code;
}

/** Base of the two identifier comparisons that must be exact. */
abstract class IdentifierMismatchError extends MetadataError {
  readonly expected: string;
  readonly actual: unknown;

  constructor(message: string, expected: string, actual: unknown) {
    super(message);
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * The `resource` of protected resource metadata differs from the resource it was requested for.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.3
 */
export class ResourceMismatchError extends IdentifierMismatchError {
  static readonly code = 'ERR_PORTCULLIS_METADATA_RESOURCE_MISMATCH';
  readonly code = ResourceMismatchError.code;
}

/**
 * An `issuer` (metadata) or `iss` (authorization response) differs from the expected issuer.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2.4
 */
export class IssuerMismatchError extends IdentifierMismatchError {
  static readonly code = 'ERR_PORTCULLIS_METADATA_ISSUER_MISMATCH';
  readonly code = IssuerMismatchError.code;
}

/**
 * A URL is not one of the well-known metadata locations this package knows how to reverse.
 * @see https://www.rfc-editor.org/rfc/rfc8615#section-3
 */
export class NotAWellKnownUrlError extends MetadataError {
  static readonly code = 'ERR_PORTCULLIS_METADATA_NOT_A_WELL_KNOWN_URL';
  readonly code = NotAWellKnownUrlError.code;
}

/**
 * A scope value breaks the RFC 6749 §3.3 syntax.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
export class ScopeSyntaxError extends MetadataError {
  static readonly code = 'ERR_PORTCULLIS_METADATA_INVALID_SCOPE';
  readonly code = ScopeSyntaxError.code;
}

/**
 * A scope hierarchy configuration is malformed.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#step-up-authorization-flow
 */
export class ScopeHierarchyError extends MetadataError {
  static readonly code = 'ERR_PORTCULLIS_METADATA_INVALID_SCOPE_HIERARCHY';
  readonly code = ScopeHierarchyError.code;
}

/**
 * A string is not an MCP protocol version this package knows.
 * @see https://modelcontextprotocol.io/specification/versioning
 */
export class UnknownProtocolVersionError extends MetadataError {
  static readonly code = 'ERR_PORTCULLIS_METADATA_UNKNOWN_PROTOCOL_VERSION';
  readonly code = UnknownProtocolVersionError.code;
}

/**
 * A `WWW-Authenticate` header value is not valid RFC 9110 §11.6.1 syntax.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 */
export class WwwAuthenticateParseError extends MetadataError {
  static readonly code = 'ERR_PORTCULLIS_METADATA_WWW_AUTHENTICATE_PARSE';
  readonly code = WwwAuthenticateParseError.code;
  /** Zero-based offset in the header value where parsing stopped. */
  readonly position: number;

  constructor(message: string, position: number) {
    super(message);
    this.position = position;
  }
}

/**
 * A challenge cannot be written as a valid `WWW-Authenticate` value.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export class WwwAuthenticateFormatError extends MetadataError {
  static readonly code = 'ERR_PORTCULLIS_METADATA_WWW_AUTHENTICATE_FORMAT';
  readonly code = WwwAuthenticateFormatError.code;
}

/**
 * Every concrete non-wire error of this package; discriminated by `code`.
 * @see README.md#errors
 */
export type AnyMetadataError =
  | MetadataValidationError
  | InvalidUrlError
  | UnsafeUrlError
  | InvalidResourceUriError
  | ResourceMismatchError
  | IssuerMismatchError
  | NotAWellKnownUrlError
  | ScopeSyntaxError
  | ScopeHierarchyError
  | UnknownProtocolVersionError
  | WwwAuthenticateParseError
  | WwwAuthenticateFormatError;

/**
 * `true` when `value` is one of this package's non-wire errors.
 * @see README.md#errors
 */
export function isMetadataError(value: unknown): value is AnyMetadataError {
  return value instanceof MetadataError;
}
