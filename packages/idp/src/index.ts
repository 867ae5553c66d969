// This file defines the complete public surface of @portcullis/idp.
// Any export added here becomes public API. Use named exports, not wildcards.
export { hashPassword } from './accounts.js';
export type { IdpErrorCode } from './errors.js';
export { CsrfError, IDP_ERROR_CODES, IdpError, PageError } from './errors.js';
export type { GuardedFetch, GuardedFetchOptions } from './guarded-fetch.js';
export { createGuardedFetch } from './guarded-fetch.js';
export type { Idp, IdpLogger, IdpRuntime, RunningIdp, StartIdpOptions } from './idp.js';
export { createIdp, startIdp } from './idp.js';
export { isLoopbackRedirect } from './loopback.js';
export type { IdpOptionsInput, IdpResource, IdpUser, ResolvedIdpOptions } from './options.js';
export {
  DEFAULT_ACCESS_TOKEN_TTL_S,
  DEFAULT_AUTHORIZATION_CODE_TTL_S,
  DEFAULT_CIMD_MAX_BYTES,
  DEFAULT_CIMD_TIMEOUT_MS,
  DEFAULT_MAX_REGISTERED_CLIENTS,
  DEFAULT_REFRESH_TOKEN_TTL_S,
  idpOptionsSchema,
  resolveOptions,
} from './options.js';
export { PAGE_HEADERS } from './pages.js';
export { ROUTES } from './provider-config.js';
export type { GuardedTarget, HostResolver, ResolvedAddress, SsrfGuardOptions } from './ssrf-guard.js';
export { isPublicAddress, resolveGuardedTarget } from './ssrf-guard.js';
