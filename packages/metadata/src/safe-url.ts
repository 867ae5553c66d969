import { hasForbiddenCharacter } from './canonical-uri.js';
import { InvalidUrlError, UnsafeUrlError } from './errors.js';

/**
 * Options of {@link assertSecureUrl}.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations
 */
export interface SecureUrlOptions {
  /**
   * Accept `http:` when the host is loopback (127.0.0.0/8, `[::1]`, `localhost`). For local development and
   * tests only. Default `false`.
   */
  readonly allowLoopbackHttp?: boolean;
  /** Where the URL came from, used in error messages, e.g. `"authorization_endpoint"`. Default `"URL"`. */
  readonly field?: string;
}

const IPV4_LOOPBACK = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * `true` for a loopback host: `localhost`, an IPv4 address in 127.0.0.0/8 or the IPv6 address `::1` (with or
 * without brackets). Pass the `hostname` of a parsed `URL`, which has already normalised `127.1` and the like.
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '[::1]' || h === '::1') return true;
  const match = IPV4_LOOPBACK.exec(h);
  return match?.slice(1).every((octet) => Number(octet) <= 255) === true;
}

/**
 * Parse `value` and check that it is safe to call or open: `https:`, or `http:` on a loopback host when
 * `allowLoopbackHttp` is set. Everything else (`javascript:`, `data:`, `vbscript:`, `file:`, `ftp:`, custom
 * schemes) is refused. Returns the parsed URL.
 * @throws {InvalidUrlError} when `value` is not an absolute URL.
 * @throws {UnsafeUrlError} when the scheme or host is not allowed.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.1
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations
 */
export function assertSecureUrl(value: string | URL, options: SecureUrlOptions = {}): URL {
  const field = options.field ?? 'URL';
  const url = toUrl(value, field);
  if (url.protocol === 'https:') return url;
  const shown = JSON.stringify(String(value));
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) {
    if (options.allowLoopbackHttp === true) return url;
    throw new UnsafeUrlError(
      `${field} ${shown} uses http: on a loopback host, which is allowed only when allowLoopbackHttp is set; use https:`,
    );
  }
  if (url.protocol === 'http:') {
    throw new UnsafeUrlError(
      `${field} ${shown} MUST use https: (plain http: is accepted only on loopback hosts)`,
    );
  }
  throw new UnsafeUrlError(
    `${field} ${shown} uses the scheme ${url.protocol} which is never allowed; use https:`,
  );
}

/**
 * `true` when {@link assertSecureUrl} would accept `value`.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations
 */
export function isSecureUrl(value: string | URL, options: SecureUrlOptions = {}): boolean {
  try {
    assertSecureUrl(value, options);
    return true;
  } catch {
    return false;
  }
}

/**
 * Check a URL that is only displayed or linked (documentation, logo, policy pages): `http:` or `https:`, never
 * an active scheme such as `javascript:` or `data:`. Returns the parsed URL.
 * @throws {InvalidUrlError} when `value` is not an absolute URL.
 * @throws {UnsafeUrlError} for any other scheme.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function assertSafeLinkUrl(value: string | URL, options: Pick<SecureUrlOptions, 'field'> = {}): URL {
  const field = options.field ?? 'URL';
  const url = toUrl(value, field);
  if (url.protocol === 'https:' || url.protocol === 'http:') return url;
  throw new UnsafeUrlError(
    `${field} ${JSON.stringify(String(value))} uses the scheme ${url.protocol}; only https: and http: links are allowed`,
  );
}

/**
 * Check a redirect URI as MCP requires: `https:`, or `http:` on a loopback host (always allowed for native
 * clients), with no fragment. Returns the parsed URL.
 * @throws {InvalidUrlError} when `value` is not an absolute URL or has a fragment.
 * @throws {UnsafeUrlError} for any other scheme or host.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 */
export function assertRedirectUri(value: string, options: Pick<SecureUrlOptions, 'field'> = {}): URL {
  const field = options.field ?? 'redirect URI';
  const url = assertSecureUrl(value, { field, allowLoopbackHttp: true });
  const shown = JSON.stringify(value);
  if (value.includes('#')) {
    throw new InvalidUrlError(`${field} ${shown} MUST NOT include a fragment component`);
  }
  // What is stored and shown on consent pages must be what the browser is sent to.
  if (hasForbiddenCharacter(value) || !/^https?:\/\//i.test(value)) {
    throw new InvalidUrlError(
      `${field} ${shown} must be written out plainly: scheme, "//", host, with no whitespace, control characters or backslashes`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new InvalidUrlError(`${field} ${shown} MUST NOT contain a username or password`);
  }
  return url;
}

function toUrl(value: string | URL, field: string): URL {
  if (value instanceof URL) return value;
  const url = typeof value === 'string' ? URL.parse(value) : null;
  if (url === null) {
    throw new InvalidUrlError(`${field} ${JSON.stringify(String(value))} is not an absolute URL`);
  }
  return url;
}
