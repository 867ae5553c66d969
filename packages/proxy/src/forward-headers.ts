import type { IncomingHttpHeaders } from 'node:http';

/**
 * Client request headers the proxy forwards: content negotiation, the user agent, and every MCP header
 * (`MCP-Protocol-Version`, `Mcp-Session-Id`, `Mcp-Method`, `Mcp-Name`, `Mcp-Param-*`, `Last-Event-ID`),
 * unchanged. Everything else (`Authorization`, `Cookie`, `Proxy-Authorization`, `Origin`, forged identity
 * headers, hop-by-hop headers) is dropped.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports
 */
export const FORWARDED_REQUEST_HEADERS = Object.freeze([
  'accept',
  'content-type',
  'user-agent',
  'mcp-protocol-version',
  'mcp-session-id',
  'mcp-method',
  'mcp-name',
  'last-event-id',
] as const);

/**
 * Hop-by-hop headers: never forwarded in either direction, even if `upstream.forwardHeaders` lists them.
 * The headers a `Connection` header names are hop-by-hop too ({@link connectionOptions}).
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-7.6.1
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Upstream response headers never passed to the client: hop-by-hop, cookies, challenges (CORS is dropped by
 * prefix), and the policies of the proxy's origin that are the proxy's to set, not the upstream's: HSTS,
 * `Clear-Site-Data` (it would wipe the facade's consent cookies) and `Alt-Svc` (another endpoint for this
 * origin).
 */
const DROPPED_RESPONSE_HEADERS = new Set([
  ...HOP_BY_HOP,
  'set-cookie',
  'www-authenticate',
  'strict-transport-security',
  'clear-site-data',
  'alt-svc',
]);

/**
 * The header names listed in `Connection` (lowercase): hop-by-hop for this connection only, so a proxy
 * drops them along with `Connection` itself.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-7.6.1
 */
function connectionOptions(value: string | string[] | undefined): ReadonlySet<string> | undefined {
  // The usual values name nothing beyond the fixed list: no set to build on every request.
  if (value === undefined || value === 'keep-alive' || value === 'close') return undefined;
  const names = (Array.isArray(value) ? value.join(',') : value).split(',');
  return new Set(names.map((n) => n.trim().toLowerCase()).filter((n) => n.length > 0));
}

/** Response headers browser clients may read (CORS `Access-Control-Expose-Headers`). */
export const EXPOSED_RESPONSE_HEADERS = Object.freeze([
  'mcp-session-id',
  'mcp-protocol-version',
  'www-authenticate',
]);

/** Request headers browser clients may send (CORS `Access-Control-Allow-Headers`). */
export const ALLOWED_REQUEST_HEADERS = Object.freeze([
  'authorization',
  'content-type',
  'accept',
  'mcp-protocol-version',
  'mcp-session-id',
  'mcp-method',
  'mcp-name',
  'last-event-id',
]);

/**
 * The headers to send upstream: the allow-listed client headers (plus `extra`), minus hop-by-hop headers
 * (those its `Connection` names included) and `identityHeaders`, plus the identity headers the proxy computed.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-7.6.1
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  extra: readonly string[],
  identity: Record<string, string>,
  identityHeaders: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  const allowed = allowedHeaders(extra);
  const listed = connectionOptions(incoming.connection);
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined || identityHeaders.includes(name)) continue;
    if (!allowed.has(name) && !name.startsWith('mcp-param-')) continue;
    if (HOP_BY_HOP.has(name) || listed?.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return Object.assign(out, identity);
}

const allowedByExtra = new WeakMap<readonly string[], ReadonlySet<string>>();

/**
 * The forwarded header names with `extra`, built once per `extra` list (the resolved options'
 * `upstream.forwardHeaders`, fixed for the proxy's lifetime).
 */
function allowedHeaders(extra: readonly string[]): ReadonlySet<string> {
  let allowed = allowedByExtra.get(extra);
  if (allowed === undefined) {
    allowed = new Set<string>([...FORWARDED_REQUEST_HEADERS, ...extra]);
    allowedByExtra.set(extra, allowed);
  }
  return allowed;
}

/**
 * The upstream response headers to pass to the client: without hop-by-hop headers (those its `Connection`
 * names included), cookies, challenges and CORS headers.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-7.6.1
 */
export function clientResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const listed = connectionOptions(upstream.connection);
  for (const name in upstream) {
    const value = upstream[name];
    const lower = name.toLowerCase();
    if (value === undefined || DROPPED_RESPONSE_HEADERS.has(lower) || listed?.has(lower)) continue;
    if (lower.startsWith('access-control-')) continue;
    out[lower] = value;
  }
  return out;
}

/**
 * The response headers for the client: the proxy's own (`own`, e.g. CORS; a copy such as
 * `reply.getHeaders()`, updated in place) with the upstream's (from {@link clientResponseHeaders}) on top,
 * except `Vary`, whose field names are merged (case-insensitive, each once) so that an upstream `Vary` cannot
 * drop the `Vary: Origin` of an origin-specific CORS answer.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-12.5.5
 */
export function mergeResponseHeaders(
  own: Record<string, unknown>,
  upstream: Record<string, string | string[]>,
): Record<string, string | string[]> {
  const mine = own.vary;
  const out = Object.assign(own, upstream) as Record<string, string | string[]>;
  if (mine !== undefined && upstream.vary !== undefined) out.vary = mergeVary([mine, upstream.vary]);
  return out;
}

function mergeVary(values: unknown[]): string {
  const names = new Map<string, string>();
  for (const name of values.flat().join(',').split(',')) {
    const trimmed = name.trim();
    if (trimmed.length > 0 && !names.has(trimmed.toLowerCase())) names.set(trimmed.toLowerCase(), trimmed);
  }
  return names.has('*') ? '*' : [...names.values()].join(', ');
}

/**
 * `true` when `contentType` is `text/event-stream` (parameters allowed): media types are case-insensitive.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-8.3.1
 */
export function isEventStream(contentType: string | string[] | undefined): boolean {
  const value = Array.isArray(contentType) ? contentType[0] : contentType;
  return value !== undefined && EVENT_STREAM.test(value);
}

const EVENT_STREAM = /^\s*text\/event-stream\s*(?:;|$)/i;

/** The first value of a request header Node.js may have given as a list. */
export function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
