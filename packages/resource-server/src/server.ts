import Fastify, { type FastifyInstance } from 'fastify';
import { clientErrorHandler } from './client-errors.js';
import { InvalidOptionsError } from './errors.js';
import { createRedactingLogger } from './logging.js';
import { mcpAuthPlugin } from './mcp-auth-plugin.js';
import { mcpEndpointPlugin } from './mcp-endpoint-plugin.js';
import { type ResourceServerOptionsInput, resolveOptions } from './options.js';
import { protectedResourcePlugin } from './protected-resource-plugin.js';
import { hostGuard } from './request-guards.js';

/**
 * Build a Fastify instance that serves an MCP server as an OAuth 2.1 resource server: the `Host` check on
 * every route, protected resource metadata (RFC 9728), and the MCP endpoint behind Origin, token and scope
 * checks. It never listens: call `listen({ host: '127.0.0.1', port })` yourself.
 *
 * Status order on the MCP endpoint: `Host`/`Origin` (403) → token (401, or 400 for a malformed
 * `Authorization`) → scopes (403) → body parsing and protocol version/headers (400, 415) → MCP.
 * @throws {InvalidOptionsError} when the options are invalid.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization
 */
export function createMcpResourceServer(input: ResourceServerOptionsInput): FastifyInstance {
  const options = resolveOptions(input);
  if (options.server === undefined)
    throw new InvalidOptionsError(['server is required: a function returning an McpServer']);
  const logger = options.logger ?? createRedactingLogger();
  const app = Fastify({
    loggerInstance: logger,
    clientErrorHandler: clientErrorHandler(logger),
    bodyLimit: options.bodyLimit,
    return503OnClosing: true,
  });
  app.addHook('onRequest', hostGuard(options.allowedHosts));
  app.register(protectedResourcePlugin, { options });
  app.register(mcpAuthPlugin, { options });
  app.register(mcpEndpointPlugin, { options });
  return app;
}
