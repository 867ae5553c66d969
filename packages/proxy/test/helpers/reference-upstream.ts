import { createReferenceMcpServer } from '@portcullis/app-mcp-server';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';

/**
 * The reference MCP server on `http://127.0.0.1:<port>/mcp`, trusting only the proxy at `proxyUrl` (issuer =
 * the proxy, JWKS = the proxy's `/.well-known/jwks.json`, resource = its own URL), listening.
 */
export async function startTrustingUpstream(proxyUrl: string, port: number): Promise<FastifyInstance> {
  const upstream = createReferenceMcpServer({
    resource: `http://127.0.0.1:${port}/mcp`,
    issuer: proxyUrl,
    jwksUri: `${proxyUrl}/.well-known/jwks.json`,
    logger: pino({ level: 'silent' }),
  });
  await upstream.listen({ host: '127.0.0.1', port });
  return upstream;
}
