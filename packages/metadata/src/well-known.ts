import { InvalidUrlError, NotAWellKnownUrlError } from './errors.js';

/**
 * RFC 9728 §3 well-known suffix.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3
 */
export const PROTECTED_RESOURCE_WELL_KNOWN = 'oauth-protected-resource';
/**
 * RFC 8414 §3 well-known suffix.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 */
export const AUTHORIZATION_SERVER_WELL_KNOWN = 'oauth-authorization-server';
/**
 * OpenID Connect Discovery 1.0 §4 well-known suffix.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
export const OPENID_CONFIGURATION_WELL_KNOWN = 'openid-configuration';

function parseHttpUrl(value: string, what: string): URL {
  const url = typeof value === 'string' ? URL.parse(value) : null;
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new InvalidUrlError(`${what} ${JSON.stringify(value)} is not an absolute http(s) URL`);
  }
  if (value.includes('#')) {
    throw new InvalidUrlError(`${what} ${JSON.stringify(value)} MUST NOT contain a fragment component`);
  }
  return url;
}

function origin(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

/**
 * Insert `/.well-known/<suffix>` between the host and the path of `identifier`; a path of `/` is dropped
 * (the "terminating slash following the host component MUST be removed"), the query is kept.
 * @throws {InvalidUrlError} when `identifier` is not an http(s) URL or has a fragment.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function wellKnownUrl(identifier: string, suffix: string): string {
  const url = parseHttpUrl(identifier, 'identifier');
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${origin(url)}/.well-known/${suffix}${path}${url.search}`;
}

/**
 * The protected resource metadata URLs to try, in the order MCP requires: the path-aware URL first, then the
 * root URL. A resource whose path is `/` gives only the root URL.
 * For `https://h/p/mcp`: `https://h/.well-known/oauth-protected-resource/p/mcp`, then
 * `https://h/.well-known/oauth-protected-resource`.
 * @throws {InvalidUrlError} when `resource` is not an http(s) URL or has a fragment.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/authorization-server-discovery
 */
export function protectedResourceMetadataUrls(resource: string): string[] {
  const pathAware = wellKnownUrl(resource, PROTECTED_RESOURCE_WELL_KNOWN);
  const root = `${origin(parseHttpUrl(resource, 'resource'))}/.well-known/${PROTECTED_RESOURCE_WELL_KNOWN}`;
  return pathAware === root ? [root] : [pathAware, root];
}

/**
 * The authorization server metadata URLs to try, in the order MCP requires. Issuer with a path `/t1`:
 * `/.well-known/oauth-authorization-server/t1`, `/.well-known/openid-configuration/t1`,
 * `/t1/.well-known/openid-configuration`. Issuer without a path: `/.well-known/oauth-authorization-server`,
 * `/.well-known/openid-configuration`.
 * @throws {InvalidUrlError} when `issuer` is not an http(s) URL or has a query or fragment.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/authorization-server-discovery
 */
export function authorizationServerMetadataUrls(issuer: string): string[] {
  const url = parseHttpUrl(issuer, 'issuer');
  if (issuer.includes('?')) {
    throw new InvalidUrlError(
      `issuer ${JSON.stringify(issuer)} MUST NOT contain a query component (RFC 8414 §2)`,
    );
  }
  // RFC 8414 §3.1: "any terminating '/' MUST be removed before inserting /.well-known/".
  const trimmed = url.pathname === '/' ? issuer : issuer.replace(/\/+$/, '');
  const urls = [
    wellKnownUrl(trimmed, AUTHORIZATION_SERVER_WELL_KNOWN),
    wellKnownUrl(trimmed, OPENID_CONFIGURATION_WELL_KNOWN),
  ];
  if (url.pathname !== '/') {
    urls.push(
      `${origin(url)}${url.pathname.replace(/\/$/, '')}/.well-known/${OPENID_CONFIGURATION_WELL_KNOWN}`,
    );
  }
  return urls;
}

/**
 * MCP 2025-03-26 only: authorization server metadata at the origin root of the MCP server URL, path dropped.
 * @throws {InvalidUrlError} when `serverUrl` is not an http(s) URL.
 * @see https://modelcontextprotocol.io/specification/2025-03-26/basic/authorization#server-metadata-discovery
 */
export function legacyAuthorizationServerMetadataUrl(serverUrl: string): string {
  return `${origin(parseHttpUrl(serverUrl, 'server URL'))}/.well-known/${AUTHORIZATION_SERVER_WELL_KNOWN}`;
}

function stripPrefix(path: string, prefix: string): string | undefined {
  if (path === prefix) return '';
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : undefined;
}

/**
 * The resource a protected resource metadata URL was built from, for the RFC 9728 §3.3 check. The root URL
 * maps to the origin **without** a trailing slash (`https://h`); compare against both forms if your resource
 * identifier is `https://h/`.
 * @throws {NotAWellKnownUrlError} when `metadataUrl` is not a protected resource metadata URL.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.3
 */
export function resourceFromProtectedResourceMetadataUrl(metadataUrl: string): string {
  const url = typeof metadataUrl === 'string' ? URL.parse(metadataUrl) : null;
  const rest =
    url === null ? undefined : stripPrefix(url.pathname, `/.well-known/${PROTECTED_RESOURCE_WELL_KNOWN}`);
  if (url === null || rest === undefined || metadataUrl.includes('#')) {
    throw new NotAWellKnownUrlError(
      `${JSON.stringify(metadataUrl)} is not a protected resource metadata URL (expected https://host/.well-known/${PROTECTED_RESOURCE_WELL_KNOWN}[/path])`,
    );
  }
  return `${origin(url)}${rest}${url.search}`;
}

/**
 * The issuer an authorization server metadata URL was built from, for the RFC 8414 §3.3 check. Understands
 * path insertion for both suffixes (RFC 8414 §3.1) and path appending (OpenID Connect Discovery §4, and the
 * legacy `{issuer}/.well-known/oauth-authorization-server` Keycloak also serves). An origin-only issuer comes
 * back without a trailing slash.
 * @throws {NotAWellKnownUrlError} when `metadataUrl` is none of those forms.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 */
export function issuerFromAuthorizationServerMetadataUrl(metadataUrl: string): string {
  const url = typeof metadataUrl === 'string' ? URL.parse(metadataUrl) : null;
  if (url !== null && url.search === '' && !metadataUrl.includes('#') && !metadataUrl.includes('?')) {
    for (const suffix of [AUTHORIZATION_SERVER_WELL_KNOWN, OPENID_CONFIGURATION_WELL_KNOWN]) {
      const inserted = stripPrefix(url.pathname, `/.well-known/${suffix}`);
      if (inserted !== undefined) return `${origin(url)}${inserted}`;
      const appended = `/.well-known/${suffix}`;
      if (url.pathname.endsWith(appended)) return `${origin(url)}${url.pathname.slice(0, -appended.length)}`;
    }
  }
  throw new NotAWellKnownUrlError(
    `${JSON.stringify(metadataUrl)} is not an authorization server metadata URL (expected /.well-known/${AUTHORIZATION_SERVER_WELL_KNOWN} or /.well-known/${OPENID_CONFIGURATION_WELL_KNOWN}, inserted after the host or appended to the issuer path)`,
  );
}
