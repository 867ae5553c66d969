import { UnknownProtocolVersionError } from './errors.js';

/**
 * The MCP protocol versions that have an authorization specification, oldest first.
 * @see https://modelcontextprotocol.io/specification/versioning
 */
export const MCP_PROTOCOL_VERSIONS = ['2025-03-26', '2025-06-18', '2025-11-25', '2026-07-28'] as const;

/**
 * One of {@link MCP_PROTOCOL_VERSIONS}.
 * @see https://modelcontextprotocol.io/specification/versioning
 */
export type McpProtocolVersion = (typeof MCP_PROTOCOL_VERSIONS)[number];

/**
 * The newest released MCP protocol version.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/changelog
 */
export const LATEST_PROTOCOL_VERSION: McpProtocolVersion = '2026-07-28';

/**
 * Requirement level of dynamic client registration in a version.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/client-registration
 */
export type DynamicClientRegistrationLevel = 'SHOULD' | 'MAY' | 'MAY (deprecated)';

/**
 * Which authorization rules apply at one protocol version. `true` means the rule is in force.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization
 */
export interface AuthRules {
  /** Authorization server metadata sits at the MCP server's origin root; default endpoints as fallback. */
  readonly originRootMetadataWithDefaultEndpoints: boolean;
  /** The server MUST serve RFC 9728 protected resource metadata and clients MUST use it. */
  readonly protectedResourceMetadataRequired: boolean;
  /** The RFC 8707 `resource` parameter MUST be sent in authorization and token requests. */
  readonly resourceParameterRequired: boolean;
  /** `MCP-Protocol-Version` MUST be sent on HTTP requests. */
  readonly protocolVersionHeaderRequired: boolean;
  /** OpenID Connect Discovery 1.0 well-known URLs are part of the discovery order. */
  readonly openIdConnectDiscovery: boolean;
  /** Clients fall back to the well-known PRM URLs (path-aware, then root) without `resource_metadata`. */
  readonly wellKnownProtectedResourceMetadataFallback: boolean;
  /** Servers SHOULD send `scope` in the challenge; clients use it first (scope selection strategy). */
  readonly scopeInChallenge: boolean;
  /** 403 `insufficient_scope` triggers step-up authorization. */
  readonly insufficientScopeStepUp: boolean;
  /** Client ID metadata documents are a registration method. */
  readonly clientIdMetadataDocuments: boolean;
  /** Clients MUST refuse an AS whose metadata lacks `code_challenge_methods_supported`. */
  readonly pkceMetadataRequired: boolean;
  /** Requirement level of dynamic client registration. */
  readonly dynamicClientRegistration: DynamicClientRegistrationLevel;
  /** Clients MUST validate `iss` in authorization responses (RFC 9207). */
  readonly authorizationResponseIssValidation: boolean;
  /** The metadata `issuer` MUST be identical to the issuer used to build the URL (explicit MUST). */
  readonly metadataIssuerMustMatch: boolean;
  /** Dynamic registration requests MUST carry `application_type`. */
  readonly applicationTypeRequired: boolean;
  /** Credentials are keyed by AS issuer; re-register when PRM points to a new AS. */
  readonly authorizationServerBinding: boolean;
  /** Step-up requests the union of previously requested and challenged scopes. */
  readonly scopeUnionOnStepUp: boolean;
  /** Servers MUST account for scope hierarchies. */
  readonly scopeHierarchies: boolean;
  /** The transport is stateless (no `Mcp-Session-Id`). */
  readonly statelessTransport: boolean;
  /** The transport has protocol sessions (`Mcp-Session-Id`). */
  readonly sessions: boolean;
}

const BASE_2025_03_26: AuthRules = {
  originRootMetadataWithDefaultEndpoints: true,
  protectedResourceMetadataRequired: false,
  resourceParameterRequired: false,
  protocolVersionHeaderRequired: false,
  openIdConnectDiscovery: false,
  wellKnownProtectedResourceMetadataFallback: false,
  scopeInChallenge: false,
  insufficientScopeStepUp: false,
  clientIdMetadataDocuments: false,
  pkceMetadataRequired: false,
  dynamicClientRegistration: 'SHOULD',
  authorizationResponseIssValidation: false,
  metadataIssuerMustMatch: false,
  applicationTypeRequired: false,
  authorizationServerBinding: false,
  scopeUnionOnStepUp: false,
  scopeHierarchies: false,
  statelessTransport: false,
  sessions: true,
};

const RULES_2025_06_18: AuthRules = {
  ...BASE_2025_03_26,
  originRootMetadataWithDefaultEndpoints: false,
  protectedResourceMetadataRequired: true,
  resourceParameterRequired: true,
  protocolVersionHeaderRequired: true,
};

const RULES_2025_11_25: AuthRules = {
  ...RULES_2025_06_18,
  openIdConnectDiscovery: true,
  wellKnownProtectedResourceMetadataFallback: true,
  scopeInChallenge: true,
  insufficientScopeStepUp: true,
  clientIdMetadataDocuments: true,
  pkceMetadataRequired: true,
  dynamicClientRegistration: 'MAY',
};

const RULES_2026_07_28: AuthRules = {
  ...RULES_2025_11_25,
  dynamicClientRegistration: 'MAY (deprecated)',
  authorizationResponseIssValidation: true,
  metadataIssuerMustMatch: true,
  applicationTypeRequired: true,
  authorizationServerBinding: true,
  scopeUnionOnStepUp: true,
  scopeHierarchies: true,
  statelessTransport: true,
  sessions: false,
};

/**
 * The typed table of {@link AuthRules} per protocol version.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/changelog
 */
export const AUTH_RULES: Readonly<Record<McpProtocolVersion, AuthRules>> = Object.freeze({
  '2025-03-26': Object.freeze(BASE_2025_03_26),
  '2025-06-18': Object.freeze(RULES_2025_06_18),
  '2025-11-25': Object.freeze(RULES_2025_11_25),
  '2026-07-28': Object.freeze(RULES_2026_07_28),
});

/**
 * `true` when `value` is one of {@link MCP_PROTOCOL_VERSIONS}.
 * @see https://modelcontextprotocol.io/specification/versioning
 */
export function isKnownProtocolVersion(value: unknown): value is McpProtocolVersion {
  return typeof value === 'string' && (MCP_PROTOCOL_VERSIONS as readonly string[]).includes(value);
}

const DATE_VERSION = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Order two protocol versions by date: negative when `a` is older, 0 when equal, positive when newer. Any
 * `YYYY-MM-DD` string is accepted, so versions newer than this package still compare.
 * @throws {UnknownProtocolVersionError} when either value is not `YYYY-MM-DD`.
 * @see https://modelcontextprotocol.io/specification/versioning
 */
export function compareProtocolVersions(a: string, b: string): number {
  for (const value of [a, b]) {
    if (typeof value !== 'string' || !DATE_VERSION.test(value)) {
      throw new UnknownProtocolVersionError(
        `protocol version ${JSON.stringify(value)} is not a YYYY-MM-DD date string such as "${LATEST_PROTOCOL_VERSION}"`,
      );
    }
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The {@link AuthRules} of one protocol version.
 * @throws {UnknownProtocolVersionError} when `version` is not in {@link MCP_PROTOCOL_VERSIONS}.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization
 */
export function authRulesFor(version: string): AuthRules {
  if (!isKnownProtocolVersion(version)) {
    throw new UnknownProtocolVersionError(
      `protocol version ${JSON.stringify(version)} has no known authorization rules; use one of ${MCP_PROTOCOL_VERSIONS.join(', ')}`,
    );
  }
  return AUTH_RULES[version];
}
