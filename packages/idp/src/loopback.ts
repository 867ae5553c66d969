import { isIP } from 'node:net';
import { errors } from 'oidc-provider';

/** Strip the brackets of an IPv6 URL host (`[::1]` → `::1`). */
export function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/** True for an IPv4 address in 127.0.0.0/8 or the IPv6 loopback `::1` (also IPv4-mapped). */
export function isLoopbackAddress(address: string): boolean {
  const ip = bareHost(address).toLowerCase();
  if (isIP(ip) === 4) return ip.startsWith('127.');
  if (ip === '::1' || ip === '0:0:0:0:0:0:0:1') return true;
  return ip.startsWith('::ffff:127.');
}

/**
 * True for `localhost` and loopback IP literals, the hosts an http redirect URI or issuer may use.
 * @see RFC 8252 §7.3, RFC 6761 §6.3
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = bareHost(hostname).toLowerCase();
  return host === 'localhost' || isLoopbackAddress(host);
}

/** The loopback hosts oidc-provider treats as native-app loopback redirect hosts (any port allowed). */
export const LOOPBACK_REDIRECT_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True when `uri` is an http redirect URI on a loopback host (the "localhost redirect" of AS-19). */
export function isLoopbackRedirect(uri: string): boolean {
  const url = URL.parse(uri);
  return url?.protocol === 'http:' && LOOPBACK_REDIRECT_HOSTS.has(url.hostname);
}

/**
 * The MCP redirect URI rules, applied to every client (registered, CIMD or static) on top of oidc-provider's
 * own OIDC checks:
 * - every redirect URI is https, or http on a loopback host (`localhost`, `127.0.0.1`, `[::1]`);
 * - `application_type: "web"` may not use http loopback URIs (OIDC Registration §2: web clients use https);
 *   clients that omit `application_type` are treated as `native` (see `clientDefaults`).
 *
 * Messages start with `redirect_uris`, so oidc-provider answers `invalid_redirect_uri`.
 * @see MCP Security Considerations §Communication Security; RFC 8252 §7.3; RFC 7591 §3.2.2
 * @throws errors.InvalidClientMetadata
 */
export function checkRedirectUris(metadata: Record<string, unknown>): void {
  const uris = metadata.redirect_uris;
  if (!Array.isArray(uris)) return;
  for (const uri of uris) {
    if (typeof uri !== 'string') continue;
    const url = URL.parse(uri);
    if (!url) continue;
    if (url.protocol === 'https:') continue;
    if (url.protocol !== 'http:' || !LOOPBACK_REDIRECT_HOSTS.has(url.hostname)) {
      throw new errors.InvalidClientMetadata(
        'redirect_uris must use https, or http on a loopback host (localhost, 127.0.0.1, [::1])',
      );
    }
    if (metadata.application_type === 'web') {
      throw new errors.InvalidClientMetadata(
        'redirect_uris with an http loopback host require application_type "native" (web clients must use https)',
      );
    }
  }
}
