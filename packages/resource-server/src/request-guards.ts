import { validateHostHeader, validateOriginHeader } from '@modelcontextprotocol/server';
import type { FastifyReply, FastifyRequest } from 'fastify';

function forbidden(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(403).send({ jsonrpc: '2.0', id: null, error: { code: -32000, message } });
}

/**
 * An `onRequest` hook that refuses (403) a `Host` outside `allowedHosts`: DNS-rebinding protection, run
 * before anything else on every route. Uses the SDK's `validateHostHeader` (hostnames, any port).
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports#security-warning
 */
export function hostGuard(allowedHosts: readonly string[]) {
  const allowed = [...allowedHosts];
  // A server sees few distinct Host values: remember the accepted ones rather than parse each as a URL again.
  const accepted = new Set<string>();
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const host = request.headers.host;
    if (host !== undefined && accepted.has(host)) return;
    const result = validateHostHeader(host, allowed);
    if (!result.ok) return forbidden(reply, result.message);
    if (host !== undefined && accepted.size < 64) accepted.add(host);
  };
}

/**
 * An `onRequest` hook for the MCP endpoint that refuses (403) an `Origin` that is present and not allowed
 * (also `null` and unparsable values). Requests without `Origin` (non-browser clients) pass. Uses the SDK's
 * `validateOriginHeader`.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#security-warning
 */
export function originGuard(allowedOrigins: readonly string[]) {
  const allowed = [...allowedOrigins];
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const result = validateOriginHeader(request.headers.origin, allowed);
    if (!result.ok) return forbidden(reply, result.message);
  };
}
