import { NS, randomId, secretMatches, sha256 } from './clients.js';
import { readCookie } from './consent-cookie.js';

/**
 * The cookie that ties an authorization relayed to the IdP to the browser that started it. Its name carries
 * a hash of the relay `state`, so that flows running side by side in one browser keep their own; `__Host-`
 * makes it Secure, host-only and `Path=/`, and `SameSite=Lax` lets the IdP's redirect to the callback (a
 * top-level `GET`) carry it.
 */
function relayCookieName(relayState: string): string {
  return `__Host-portcullis-relay-${sha256(`${NS.relay}:${relayState}`).slice(0, 16)}`;
}

/** A browser binding for a relay: the nonce's hash to keep with the relay, and the cookie that holds it. */
export interface RelayBinding {
  /** SHA-256 (base64url) of the nonce; kept in the relay record, never the nonce itself. */
  readonly browser: string;
  /** The `Set-Cookie` value for the response that sends the browser to the IdP. */
  readonly setCookie: string;
}

/** A fresh browser binding for `relayState`, living `maxAgeMs`. */
export function bindRelayToBrowser(relayState: string, maxAgeMs: number): RelayBinding {
  const nonce = randomId();
  const maxAge = Math.max(1, Math.ceil(maxAgeMs / 1000));
  return {
    browser: sha256(nonce),
    setCookie: `${relayCookieName(relayState)}=${nonce}; Path=/; Max-Age=${maxAge}; Secure; HttpOnly; SameSite=Lax`,
  };
}

/** True when the request's cookies carry the nonce whose hash the relay of `relayState` keeps. */
export function relayCookieMatches(
  cookieHeader: string | undefined,
  relayState: string,
  browser: string | undefined,
): boolean {
  if (browser === undefined) return false;
  const nonce = readCookie(cookieHeader, relayCookieName(relayState));
  return nonce !== undefined && secretMatches(nonce, browser);
}

/** The `Set-Cookie` value that removes the relay cookie of `relayState` once the callback has used it. */
export function clearRelayCookie(relayState: string): string {
  return `${relayCookieName(relayState)}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax`;
}
