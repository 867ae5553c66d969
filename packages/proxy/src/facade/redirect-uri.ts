/** An http loopback IP literal authority with its optional port, at the start of a redirect URI. */
const LOOPBACK_AUTHORITY = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::\d{1,5})?(?=[/?#]|$)/;

/** `uri` with the port of its http loopback IP literal host removed; `undefined` for any other URI. */
function withoutLoopbackPort(uri: string): string | undefined {
  const match = LOOPBACK_AUTHORITY.exec(uri);
  return match === null ? undefined : `http://${match[1]}${uri.slice(match[0].length)}`;
}

/**
 * The registered redirect URI `requested` matches: an exact string match (PX-06), or for an http loopback IP
 * literal (`127.0.0.1`, `[::1]`) the same string with another port, which native clients pick at run time.
 * Nothing is normalised: `…/./cb`, `…/cb/../cb` or `http://2130706433:3000/cb` do not match `http://127.0.0.1:3000/cb`.
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/security_best_practices#redirect-uri-validation
 */
export function matchRedirectUri(registered: readonly string[], requested: string): boolean {
  if (registered.includes(requested)) return true;
  const portless = withoutLoopbackPort(requested);
  if (portless === undefined || !URL.canParse(requested)) return false;
  return registered.some((uri) => withoutLoopbackPort(uri) === portless);
}

/**
 * `redirectUri` (registered URIs have no fragment) with `params` added to its query. The query it already has
 * is kept as it is, byte for byte (RFC 6749 §3.1.2: it "MUST be retained"); only a parameter named like one of
 * `params` is dropped, so that the response carries each parameter once.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2
 */
export function withResponseParams(redirectUri: string, params: Readonly<Record<string, string>>): string {
  const queryAt = redirectUri.indexOf('?');
  const base = queryAt === -1 ? redirectUri : redirectUri.slice(0, queryAt);
  const kept =
    queryAt === -1
      ? []
      : redirectUri
          .slice(queryAt + 1)
          .split('&')
          .filter((pair) => pair !== '' && !Object.hasOwn(params, parameterName(pair)));
  const added = new URLSearchParams(params).toString();
  return `${base}?${[...kept, added].filter((part) => part !== '').join('&')}`;
}

function parameterName(pair: string): string {
  const raw = pair.split('=', 1)[0] ?? '';
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return raw;
  }
}
