// This file defines the complete public surface of @portcullis/keycloak. Any export added here becomes public API.
// Use named exports, not wildcards.

export { keycloakImage, keycloakUnavailable } from './availability.js';
export { checkRealm } from './check-realm.js';
export type { CheckStatus, RealmCheck, RealmCheckReport, RealmCheckResult } from './check-result.js';
export { formatReport } from './check-result.js';
export { containerRuntimeProblem, hasContainerRuntime, hasImage } from './container-runtime.js';
export type { KeycloakErrorCode } from './errors.js';
export { isKeycloakError, KeycloakError } from './errors.js';

export type {
  AuthorizationResult,
  AuthorizationServerMetadata,
  AuthorizeWithPasswordParams,
  TokenResponse,
} from './oauth-flow.js';
export {
  audienceOf,
  authorizeWithPassword,
  createPkce,
  decodeJwtPayload,
  discoveryUrls,
  fetchMetadata,
  tokenRequest,
} from './oauth-flow.js';
export type { CheckRealmOptions, StartKeycloakOptions } from './options.js';
export {
  DEFAULT_REALM_FILE,
  DEFAULT_RESOURCE_URL,
  KEYCLOAK_VERSION,
  LOCAL_IMAGE,
  OFFICIAL_IMAGE,
} from './options.js';
export type {
  ClientRegistrationRequest,
  RegisteredClient,
  RegistrationOutcome,
} from './registration.js';
export {
  deleteRegisteredClient,
  loopbackRedirectUri,
  registerClient,
  registerPublicClient,
} from './registration.js';
export type { LoadServicesEnvOptions } from './services-env.js';
export { loadServicesEnv, SERVICES_ENV_FILE } from './services-env.js';
export type { KeycloakRuntime, StartedKeycloak } from './start-keycloak.js';
export { startKeycloak } from './start-keycloak.js';
