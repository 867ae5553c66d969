// This file defines the complete public surface of @portcullis/client.
// Any export added here becomes public API. Use named exports, not wildcards.
export { McpOAuthProvider } from './auth-provider.js';
export { assertOpenableUrl, commandOpener, systemOpenerCommand } from './browser.js';
export type { DiscoveryAttempt, ResourceDiscovery, ServerDiscovery } from './discovery.js';
export { discoverAuthorizationServer, discoverProtectedResource } from './discovery.js';
export type { CheckStatus, DoctorCheck, DoctorOptions } from './doctor/doctor.js';
export { doctorPassed, formatDoctorTable, runDoctor } from './doctor/doctor.js';
export type { ClientErrorCode, ClientErrorDetails } from './errors.js';
export { CLIENT_ERROR_CODES, ClientError, isClientError } from './errors.js';
export type { LoopbackReceiver } from './loopback.js';
export { startLoopbackReceiver } from './loopback.js';
export type {
  BrowserOpener,
  ClientEvent,
  OAuthClientOptions,
  OAuthClientOptionsInput,
  PreRegisteredClient,
} from './options.js';
export {
  DEFAULT_CALLBACK_TIMEOUT_MS,
  DEFAULT_CLIENT_NAME,
  DEFAULT_HTTP_TIMEOUT_MS,
  DEFAULT_MAX_AUTHORIZATION_ATTEMPTS,
  DEFAULT_REFRESH_SKEW_S,
  defaultStoreDir,
  oauthClientOptionsSchema,
  resolveClientOptions,
} from './options.js';
export type { SafeFetchPolicy } from './safe-fetch.js';
export { assertCallableUrl, createSafeFetch, isBlockedAddress } from './safe-fetch.js';
export type { ScopeChallenge } from './scope-selection.js';
export { challengeOf, selectScopes, stepUpScopes } from './scope-selection.js';
export { CLIENT_INFO, McpSession, toClientError } from './session.js';
export type { ServerBinding, StoredClient, StoredTokens } from './token-store.js';
export { TokenStore } from './token-store.js';
