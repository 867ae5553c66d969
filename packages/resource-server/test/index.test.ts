import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('public surface', () => {
  it('exports exactly the documented values', () => {
    expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
      [
        "DEFAULT_ALGORITHMS",
        "DEFAULT_BODY_LIMIT",
        "DEFAULT_CLOCK_TOLERANCE_S",
        "DEFAULT_HTTP_TIMEOUT_MS",
        "DEFAULT_INTROSPECTION_CACHE_MAX_TTL_MS",
        "DEFAULT_JWKS_CACHE_MAX_AGE_MS",
        "DEFAULT_JWKS_COOLDOWN_MS",
        "DEFAULT_MAX_SESSIONS",
        "DEFAULT_MAX_SESSIONS_PER_CALLER",
        "DEFAULT_REQUIRED_SCOPES",
        "DEFAULT_SESSION_IDLE_MS",
        "DEFAULT_VERIFIED_CACHE_MAX",
        "DEFAULT_VERIFIED_CACHE_TTL_MS",
        "InvalidOptionsError",
        "MIN_JWKS_COOLDOWN_MS",
        "MissingTokenError",
        "REDACTED_LOG_PATHS",
        "RESOURCE_SERVER_ERROR_CODES",
        "ResourceServerError",
        "SessionStore",
        "bearerChallengeFor",
        "buildProtectedResourceMetadata",
        "clientErrorHandler",
        "createErrorHandler",
        "createIntrospector",
        "createMcpResourceServer",
        "createRedactingLogger",
        "createResilientJwks",
        "createScopePolicy",
        "createTokenVerifier",
        "createUserBoundRequestState",
        "extractBearerToken",
        "filterToolsList",
        "hostGuard",
        "mcpAuthPlugin",
        "mcpEndpointPlugin",
        "newSessionId",
        "originGuard",
        "protectedResourcePlugin",
        "redactUrl",
        "requestStateBinding",
        "resolveOptions",
        "resolveTokenVerifierOptions",
        "resourceServerOptionsSchema",
        "sendWireError",
        "sessionOwner",
        "tokenFingerprint",
        "tokenVerifierFor",
        "tokenVerifierOptionsSchema",
      ]
    `);
  });

  it('gives every non-wire error code a stable ERR_PORTCULLIS_RS_ prefix', () => {
    for (const code of api.RESOURCE_SERVER_ERROR_CODES) expect(code).toMatch(/^ERR_PORTCULLIS_RS_[A-Z_]+$/);
  });
});
