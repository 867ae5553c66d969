// This file defines the complete public surface of @portcullis/idp.
// Any export added here becomes public API. Use named exports, not wildcards.
// biome-ignore-all assist/source/organizeImports: values first, then types; one name per statement.
export { hashPassword } from './accounts.js';
export { CsrfError } from './errors.js';
export { IDP_ERROR_CODES } from './errors.js';
export { IdpError } from './errors.js';
export { PageError } from './errors.js';
export { createGuardedFetch } from './guarded-fetch.js';
export { createIdp } from './idp.js';
export { startIdp } from './idp.js';
export { isLoopbackHost } from './loopback.js';
export { DEFAULT_ACCESS_TOKEN_TTL_S } from './options.js';
export { DEFAULT_AUTHORIZATION_CODE_TTL_S } from './options.js';
export { DEFAULT_CIMD_MAX_BYTES } from './options.js';
export { DEFAULT_CIMD_TIMEOUT_MS } from './options.js';
export { DEFAULT_REFRESH_TOKEN_TTL_S } from './options.js';
export { idpOptionsSchema } from './options.js';
export { resolveOptions } from './options.js';
export { PAGE_HEADERS } from './pages.js';
export { ROUTES } from './provider-config.js';
export { isLoopbackRedirect } from './loopback.js';
export { isPublicAddress } from './ssrf-guard.js';
export { resolveGuardedTarget } from './ssrf-guard.js';

export type { IdpErrorCode } from './errors.js';
export type { GuardedFetch } from './guarded-fetch.js';
export type { GuardedFetchOptions } from './guarded-fetch.js';
export type { Idp } from './idp.js';
export type { IdpLogger } from './idp.js';
export type { IdpRuntime } from './idp.js';
export type { RunningIdp } from './idp.js';
export type { StartIdpOptions } from './idp.js';
export type { IdpOptionsInput } from './options.js';
export type { IdpResource } from './options.js';
export type { IdpUser } from './options.js';
export type { ResolvedIdpOptions } from './options.js';
export type { GuardedTarget } from './ssrf-guard.js';
export type { HostResolver } from './ssrf-guard.js';
export type { ResolvedAddress } from './ssrf-guard.js';
export type { SsrfGuardOptions } from './ssrf-guard.js';
