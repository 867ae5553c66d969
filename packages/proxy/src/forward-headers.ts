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

/** Upstream response headers never passed to the client (hop-by-hop, cookies, CORS, challenges). */
const DROPPED_RESPONSE_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'set-cookie',
  'www-authenticate',
]);

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
 * The headers to send upstream: the allow-listed client headers (plus `extra`), minus `identityHeaders`,
 * plus the identity headers the proxy computed.
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  extra: readonly string[],
  identity: Record<string, string>,
  identityHeaders: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  const allowed = allowedHeaders(extra);
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined || identityHeaders.includes(name)) continue;
    if (!allowed.has(name) && !name.startsWith('mcp-param-')) continue;
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

/** The upstream response headers to pass to the client. */
export function clientResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in upstream) {
    const value = upstream[name];
    const lower = name.toLowerCase();
    if (value === undefined || DROPPED_RESPONSE_HEADERS.has(lower)) continue;
    if (lower.startsWith('access-control-')) continue;
    out[lower] = value;
  }
  return out;
}
