import { isLoopbackHost } from '@portcullis/metadata';
import { errors } from 'oidc-provider';

// Loopback *host names* (of URLs) are judged by @portcullis/metadata's `isLoopbackHost`, shared by the whole
// stack. This file adds only what the authorization server needs on top of it: resolved addresses (SSRF guard)
// and the narrower set of loopback hosts oidc-provider accepts as native-app redirect hosts.

/**
 * The loopback hosts oidc-provider treats as native-app loopback redirect hosts (any port allowed): a subset
 * of what `isLoopbackHost` accepts (`127.0.0.2` is loopback, but not a redirect host oidc-provider knows).
 * @see RFC 8252 §7.3
 */
const LOOPBACK_REDIRECT_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True when `url` is http on one of the loopback redirect hosts. */
function isLoopbackRedirectUrl(url: URL | null): boolean {
  return (
    url?.protocol === 'http:' && isLoopbackHost(url.hostname) && LOOPBACK_REDIRECT_HOSTS.has(url.hostname)
  );
}

/** True when `uri` is an http redirect URI on a loopback host (the "localhost redirect" of AS-19). */
export function isLoopbackRedirect(uri: string): boolean {
  return isLoopbackRedirectUrl(URL.parse(uri));
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
    if (!isLoopbackRedirectUrl(url)) {
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
