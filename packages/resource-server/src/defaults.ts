// The documented defaults of the options (src/options.ts), exported as the package's public constants.

/** Default clock skew accepted on `exp`, `nbf` and `iat`, in seconds. */
export const DEFAULT_CLOCK_TOLERANCE_S = 5;
/** Default minimum time between two JWKS refetches caused by an unknown `kid`, in milliseconds. */
export const DEFAULT_JWKS_COOLDOWN_MS = 30_000;
/**
 * Smallest accepted `jwt.cooldownMs`: below it, tokens with made-up `kid`s (or a JWKS endpoint that is down)
 * would make the resource server call the JWKS endpoint on nearly every request.
 */
export const MIN_JWKS_COOLDOWN_MS = 1_000;
/** Default age after which the cached JWKS is refreshed, in milliseconds. */
export const DEFAULT_JWKS_CACHE_MAX_AGE_MS = 600_000;
/** Default timeout of a JWKS or introspection request, in milliseconds. */
export const DEFAULT_HTTP_TIMEOUT_MS = 5_000;
/** Default upper bound on how long an introspection answer is cached, in milliseconds. */
export const DEFAULT_INTROSPECTION_CACHE_MAX_TTL_MS = 60_000;
/** Default time a verified JWT stays in the verification cache, in milliseconds (never past `exp`). */
export const DEFAULT_VERIFIED_CACHE_TTL_MS = 60_000;
/** Default number of verified JWTs kept in the verification cache. */
export const DEFAULT_VERIFIED_CACHE_MAX = 10_000;
/** Asymmetric JWS algorithms accepted by default. `none` and HS* are never in this list. */
export const DEFAULT_ALGORITHMS = Object.freeze(['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'] as const);
/** Default scopes every MCP request needs. */
export const DEFAULT_REQUIRED_SCOPES = Object.freeze(['mcp:tools'] as const);
/** Default limit on concurrent 2025-era sessions. */
export const DEFAULT_MAX_SESSIONS = 1_000;
/** Default limit on concurrent 2025-era sessions of one caller. */
export const DEFAULT_MAX_SESSIONS_PER_CALLER = 20;
/** Default idle time after which a 2025-era session is closed, in milliseconds. */
export const DEFAULT_SESSION_IDLE_MS = 30 * 60_000;
/** Default request body limit, in bytes (the SDK's own limit). */
export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;
