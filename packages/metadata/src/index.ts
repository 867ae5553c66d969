// This file defines the complete public surface of @portcullis/metadata.
// Any export added here becomes public API. Use named exports, not wildcards.

export { canonicalResourceUri, isCanonicalResourceUri } from './canonical-uri.js';
export type { ClientIdMetadataDocument } from './cimd/client-id-metadata-document.js';
export {
  assertClientIdMetadataDocumentUrl,
  clientIdMetadataDocumentSchema,
  isClientIdMetadataDocumentUrl,
  parseClientIdMetadataDocument,
  serializeClientIdMetadataDocument,
  validateClientIdMetadataDocument,
} from './cimd/client-id-metadata-document.js';
export type { AnyMetadataError, MetadataErrorCode, MetadataIssue } from './errors.js';
export {
  InvalidResourceUriError,
  InvalidUrlError,
  IssuerMismatchError,
  isMetadataError,
  METADATA_ERROR_CODES,
  MetadataError,
  MetadataValidationError,
  NotAWellKnownUrlError,
  ResourceMismatchError,
  ScopeHierarchyError,
  ScopeSyntaxError,
  UnknownProtocolVersionError,
  UnsafeUrlError,
  WwwAuthenticateFormatError,
  WwwAuthenticateParseError,
} from './errors.js';
export type { AuthorizationResponseIssuerCheck } from './identifier-match.js';
export {
  assertAuthorizationResponseIssuer,
  assertIssuerMatches,
  assertResourceMatches,
  issuerMatches,
  resourceMatches,
} from './identifier-match.js';
export {
  AccessDeniedError,
  createOAuthError,
  InsufficientScopeError,
  InvalidClientError,
  InvalidClientMetadataError,
  InvalidDpopProofError,
  InvalidGrantError,
  InvalidRedirectUriError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidSoftwareStatementError,
  InvalidTargetError,
  InvalidTokenError,
  ServerError,
  TemporarilyUnavailableError,
  UnapprovedSoftwareStatementError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
  UnsupportedResponseTypeError,
  UseDpopNonceError,
} from './oauth-error-classes.js';
export type {
  BearerChallengeContext,
  OAuthErrorCode,
  OAuthErrorOptions,
  OAuthErrorResponseBody,
} from './oauth-errors.js';
export { isOAuthErrorCode, OAUTH_ERROR_CODES, OAuthError } from './oauth-errors.js';
export type { OpenIdProviderMetadata } from './oidc/openid-provider-metadata.js';
export {
  openIdProviderMetadataSchema,
  parseOpenIdProviderMetadata,
  serializeOpenIdProviderMetadata,
  validateOpenIdProviderMetadata,
} from './oidc/openid-provider-metadata.js';
export type { AuthRules, DynamicClientRegistrationLevel, McpProtocolVersion } from './protocol-versions.js';
export {
  AUTH_RULES,
  authRulesFor,
  compareProtocolVersions,
  isKnownProtocolVersion,
  LATEST_PROTOCOL_VERSION,
  MCP_PROTOCOL_VERSIONS,
} from './protocol-versions.js';
export type { OAuthErrorResponse } from './rfc6749/error-response.js';
export {
  oauthErrorFromResponse,
  oauthErrorResponseSchema,
  parseOAuthErrorResponse,
  serializeOAuthErrorResponse,
} from './rfc6749/error-response.js';
export type { TokenResponse } from './rfc6749/token-response.js';
export {
  isBearerTokenType,
  parseTokenResponse,
  serializeTokenResponse,
  tokenResponseSchema,
} from './rfc6749/token-response.js';
export type { AuthChallenge, BearerChallengeParams } from './rfc6750/www-authenticate.js';
export {
  formatBearerChallenge,
  formatWwwAuthenticate,
  parseBearerChallenge,
  parseWwwAuthenticate,
} from './rfc6750/www-authenticate.js';
export type {
  ClientRegistrationError,
  ClientRegistrationRequest,
  ClientRegistrationRequestOptions,
  ClientRegistrationResponse,
} from './rfc7591/client-registration.js';
export {
  clientRegistrationRequestSchema,
  clientRegistrationResponseSchema,
  parseClientRegistrationError,
  parseClientRegistrationRequest,
  parseClientRegistrationResponse,
  serializeClientRegistrationRequest,
  serializeClientRegistrationResponse,
} from './rfc7591/client-registration.js';
export type {
  AuthorizationServerMetadata,
  AuthorizationServerMetadataCheck,
} from './rfc8414/authorization-server-metadata.js';
export {
  authorizationServerMetadataSchema,
  parseAuthorizationServerMetadata,
  serializeAuthorizationServerMetadata,
  supportsPkceS256,
  validateAuthorizationServerMetadata,
} from './rfc8414/authorization-server-metadata.js';
export type {
  ProtectedResourceMetadata,
  ProtectedResourceMetadataCheck,
} from './rfc9728/protected-resource-metadata.js';
export {
  parseProtectedResourceMetadata,
  protectedResourceMetadataSchema,
  serializeProtectedResourceMetadata,
  validateProtectedResourceMetadata,
} from './rfc9728/protected-resource-metadata.js';
export type { SecureUrlOptions } from './safe-url.js';
export {
  assertRedirectUri,
  assertSafeLinkUrl,
  assertSecureUrl,
  isLoopbackHost,
  isSecureUrl,
} from './safe-url.js';
export type { ScopeHierarchy, ScopeInput } from './scopes.js';
export {
  defineScopeHierarchy,
  formatScope,
  isScopeToken,
  missingScopes,
  parseScope,
  satisfies,
  unionScopes,
} from './scopes.js';
export {
  AUTHORIZATION_SERVER_WELL_KNOWN,
  authorizationServerMetadataUrls,
  issuerFromAuthorizationServerMetadataUrl,
  legacyAuthorizationServerMetadataUrl,
  OPENID_CONFIGURATION_WELL_KNOWN,
  PROTECTED_RESOURCE_WELL_KNOWN,
  protectedResourceMetadataUrls,
  resourceFromProtectedResourceMetadataUrl,
  wellKnownUrl,
} from './well-known.js';
export type { ParseOptions } from './zod-helpers.js';
