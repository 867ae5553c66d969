// This file defines the complete public surface of @portcullis/resource-server.
// Any export added here becomes public API. Use named exports, not wildcards.

export { extractBearerToken } from './authorization-header.js';
export { clientErrorHandler } from './client-errors.js';
export {
  DEFAULT_ALGORITHMS,
  DEFAULT_BODY_LIMIT,
  DEFAULT_CLOCK_TOLERANCE_S,
  DEFAULT_HTTP_TIMEOUT_MS,
  DEFAULT_INTROSPECTION_CACHE_MAX_TTL_MS,
  DEFAULT_JWKS_CACHE_MAX_AGE_MS,
  DEFAULT_JWKS_COOLDOWN_MS,
  DEFAULT_MAX_SESSIONS,
  DEFAULT_MAX_SESSIONS_PER_CALLER,
  DEFAULT_REQUIRED_SCOPES,
  DEFAULT_SESSION_IDLE_MS,
  DEFAULT_VERIFIED_CACHE_MAX,
  DEFAULT_VERIFIED_CACHE_TTL_MS,
  MIN_JWKS_COOLDOWN_MS,
} from './defaults.js';
export type { ChallengeContext } from './error-handler.js';
export { bearerChallengeFor, createErrorHandler, sendWireError } from './error-handler.js';
export type { ResourceServerErrorCode } from './errors.js';
export {
  InvalidOptionsError,
  MissingTokenError,
  RESOURCE_SERVER_ERROR_CODES,
  ResourceServerError,
} from './errors.js';
export type { IntrospectionResponse, Introspector, IntrospectorOptions } from './introspection.js';
export { createIntrospector } from './introspection.js';
export type { ResilientJwksOptions } from './jwks.js';
export { createResilientJwks } from './jwks.js';
export { createRedactingLogger, REDACTED_LOG_PATHS, redactUrl, tokenFingerprint } from './logging.js';
export type { McpAuthPluginOptions } from './mcp-auth-plugin.js';
export { mcpAuthPlugin } from './mcp-auth-plugin.js';
export type { McpEndpointPluginOptions } from './mcp-endpoint-plugin.js';
export { mcpEndpointPlugin } from './mcp-endpoint-plugin.js';
export type {
  McpServerFactory,
  ResolvedResourceServerOptions,
  ResourceServerOptionsInput,
  ServerFactoryContext,
} from './options.js';
export { resolveOptions, resourceServerOptionsSchema } from './options.js';
export type { ProtectedResourcePluginOptions } from './protected-resource-plugin.js';
export { buildProtectedResourceMetadata, protectedResourcePlugin } from './protected-resource-plugin.js';
export { hostGuard, originGuard } from './request-guards.js';
export type { UserBoundRequestStateOptions } from './request-state.js';
export { createUserBoundRequestState, requestStateBinding } from './request-state.js';
export type { ScopePolicy } from './scope-policy.js';
export { createScopePolicy, filterToolsList } from './scope-policy.js';
export { createMcpResourceServer } from './server.js';
export type { McpSession } from './session-store.js';
export { newSessionId, SessionStore, sessionOwner } from './session-store.js';
export type { CallerIdentity, TokenVerifier } from './token-verifier.js';
export { createTokenVerifier, tokenVerifierFor } from './token-verifier.js';
export type { ResolvedTokenVerifierOptions, TokenVerifierOptionsInput } from './token-verifier-options.js';
export { resolveTokenVerifierOptions, tokenVerifierOptionsSchema } from './token-verifier-options.js';
