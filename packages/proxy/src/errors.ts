/**
 * Every stable code a non-wire error of `@portcullis/proxy` can carry. Wire errors (what a client sees on a
 * 400, 401 or 403) are `@portcullis/metadata`'s typed OAuth error classes or JSON-RPC error bodies instead.
 */
export type ProxyErrorCode =
  | 'ERR_PORTCULLIS_PROXY_INVALID_OPTIONS'
  | 'ERR_PORTCULLIS_PROXY_IDP_UNAVAILABLE'
  | 'ERR_PORTCULLIS_PROXY_IDP_REGISTRATION'
  | 'ERR_PORTCULLIS_PROXY_SIGNING_KEY'
  | 'ERR_PORTCULLIS_PROXY_UPSTREAM_UNREACHABLE'
  | 'ERR_PORTCULLIS_PROXY_UPSTREAM_TIMEOUT'
  | 'ERR_PORTCULLIS_PROXY_UPSTREAM_INVALID_RESPONSE'
  | 'ERR_PORTCULLIS_PROXY_UPSTREAM_REJECTED_IDENTITY'
  | 'ERR_PORTCULLIS_PROXY_SESSION_CONFLICT'
  | 'ERR_PORTCULLIS_PROXY_SESSION_ID_INVALID'
  | 'ERR_PORTCULLIS_PROXY_STDIO_SPAWN_FAILED'
  | 'ERR_PORTCULLIS_PROXY_STDIO_EXITED'
  | 'ERR_PORTCULLIS_PROXY_STDIO_LIMIT'
  | 'ERR_PORTCULLIS_PROXY_STORE_UNAVAILABLE';

/** All {@link ProxyErrorCode} values, in declaration order. */
export const PROXY_ERROR_CODES: readonly ProxyErrorCode[] = Object.freeze([
  'ERR_PORTCULLIS_PROXY_INVALID_OPTIONS',
  'ERR_PORTCULLIS_PROXY_IDP_UNAVAILABLE',
  'ERR_PORTCULLIS_PROXY_IDP_REGISTRATION',
  'ERR_PORTCULLIS_PROXY_SIGNING_KEY',
  'ERR_PORTCULLIS_PROXY_UPSTREAM_UNREACHABLE',
  'ERR_PORTCULLIS_PROXY_UPSTREAM_TIMEOUT',
  'ERR_PORTCULLIS_PROXY_UPSTREAM_INVALID_RESPONSE',
  'ERR_PORTCULLIS_PROXY_UPSTREAM_REJECTED_IDENTITY',
  'ERR_PORTCULLIS_PROXY_SESSION_CONFLICT',
  'ERR_PORTCULLIS_PROXY_SESSION_ID_INVALID',
  'ERR_PORTCULLIS_PROXY_STDIO_SPAWN_FAILED',
  'ERR_PORTCULLIS_PROXY_STDIO_EXITED',
  'ERR_PORTCULLIS_PROXY_STDIO_LIMIT',
  'ERR_PORTCULLIS_PROXY_STORE_UNAVAILABLE',
] as const);

/**
 * A non-wire error of `@portcullis/proxy`: configuration problems and failures of the systems the proxy
 * depends on. The message says what failed, where, and what to do.
 */
export class ProxyError extends Error {
  readonly code: ProxyErrorCode;

  constructor(code: ProxyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProxyError';
    this.code = code;
  }
}

/**
 * The options given to `resolveOptions` are invalid. `issues` lists every problem with its path, e.g.
 * `idp.issuer must be an https URL (http is allowed only for loopback)`.
 */
export class InvalidProxyOptionsError extends ProxyError {
  readonly issues: readonly string[];

  constructor(issues: readonly string[], code: ProxyErrorCode = 'ERR_PORTCULLIS_PROXY_INVALID_OPTIONS') {
    super(code, `invalid @portcullis/proxy options: ${issues.join('; ')}`);
    this.name = 'InvalidProxyOptionsError';
    this.issues = Object.freeze([...issues]);
  }
}

/**
 * The state store (Redis) did not answer in time or refused the command. The proxy answers 503 to requests
 * that need it; the message names the store without credentials.
 */
export class StoreUnavailableError extends ProxyError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_PORTCULLIS_PROXY_STORE_UNAVAILABLE', message, options);
    this.name = 'StoreUnavailableError';
  }
}
