import type { IncomingMessage } from 'node:http';
import { NodeStreamableHTTPServerTransport, toNodeHandler, toWebRequest } from '@modelcontextprotocol/node';
import type { AuthInfo } from '@modelcontextprotocol/server';
import {
  createMcpHandler,
  isInitializeRequest,
  isLegacyRequest,
  type McpServer,
} from '@modelcontextprotocol/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { InvalidOptionsError, ResourceServerError } from './errors.js';
import type { ResolvedResourceServerOptions } from './options.js';
import { originGuard } from './request-guards.js';
import { filterToolsList } from './scope-policy.js';
import { newSessionId, SessionStore, sessionOwner } from './session-store.js';

/** Options of {@link mcpEndpointPlugin}. `mcpAuthPlugin` must be registered first. */
export interface McpEndpointPluginOptions {
  readonly options: ResolvedResourceServerOptions;
}

/**
 * Remove the client's `Authorization` header from the request before the MCP SDK sees it. Handlers get the
 * request as `ctx.http.req`, so they could otherwise read the client's token and pass it on upstream; they
 * get the verified caller in `ctx.http.authInfo`, whose `token` is a fingerprint.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations#access-token-privilege-restriction
 */
function dropCredentials(raw: IncomingMessage): void {
  delete raw.headers.authorization;
  const kept: string[] = [];
  for (let i = 0; i + 1 < raw.rawHeaders.length; i += 2) {
    const name = raw.rawHeaders[i] ?? '';
    if (name.toLowerCase() !== 'authorization') kept.push(name, raw.rawHeaders[i + 1] ?? '');
  }
  raw.rawHeaders = kept;
}

function rpcError(reply: FastifyReply, status: number, code: number, message: string): FastifyReply {
  return reply.code(status).send({ jsonrpc: '2.0', id: null, error: { code, message } });
}

/**
 * The MCP endpoint at the resource's path, serving both protocol eras from one URL (the SDK's hybrid
 * recipe): a 2026-07-28 request goes to the stateless `createMcpHandler(…, { legacy: 'reject' })`; 2025-era
 * traffic gets stateful Streamable HTTP sessions, each bound to the user that opened it. Every request,
 * including `GET` (SSE) and `DELETE` on a session, passes Origin → token → scope checks first.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#streamable-http
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports
 */
export const mcpEndpointPlugin = fp(
  async (app: FastifyInstance, { options }: McpEndpointPluginOptions) => {
    const factory = options.server;
    if (factory === undefined)
      throw new InvalidOptionsError(['server is required to serve the MCP endpoint']);
    const sessions = new SessionStore(options.sessions.max, options.sessions.idleMs, options.now);
    const build = async (era: 'legacy' | 'modern', authInfo: AuthInfo | undefined): Promise<McpServer> => {
      let server: McpServer;
      try {
        server = await factory({ era, authInfo });
      } catch (cause) {
        throw new ResourceServerError('ERR_PORTCULLIS_RS_SERVER_FACTORY', 'the MCP server factory threw', {
          cause,
        });
      }
      if (options.filterToolsList) filterToolsList(server, app.scopePolicy);
      return server;
    };
    const modern = toNodeHandler(
      createMcpHandler((ctx) => build('modern', ctx.authInfo), {
        legacy: 'reject',
        maxRequestBodySize: options.bodyLimit,
        onerror: (error) => app.log.warn({ err: error }, 'MCP handler error'),
      }),
    );
    app.addHook('preClose', async () => sessions.closeAll());
    // Clients send DELETE (and sometimes GET) with `Content-Type: application/json` and no body.
    const json = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (body === '' && request.method !== 'POST') return done(null, undefined);
      return json(request, String(body), done);
    });

    const openSession = async (request: FastifyRequest, reply: FastifyReply) => {
      const owner = sessionOwner(request.mcpAuth);
      // Idle sessions do not count against the limits, whether or not the periodic sweep has run yet.
      sessions.sweep();
      if (sessions.size >= options.sessions.max)
        return rpcError(reply, 503, -32000, 'too many open sessions');
      if (sessions.countFor(owner) >= options.sessions.maxPerCaller) {
        return rpcError(reply, 429, -32000, 'too many open sessions for this caller; close one with DELETE');
      }
      const server = await build('legacy', request.mcpAuth);
      const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
        sessionIdGenerator: newSessionId,
        onsessioninitialized: (id) =>
          sessions.add({ id, owner, transport, server, lastSeen: sessions.now() }),
        onsessionclosed: (id) => sessions.delete(id),
      });
      transport.onclose = () => sessions.delete(transport.sessionId);
      await server.connect(transport);
      reply.hijack();
      await transport.handleRequest(request.raw, reply.raw, request.body);
    };

    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      dropCredentials(request.raw);
      if (request.method === 'POST') {
        const web = await toWebRequest(request.raw, request.body);
        if (!(await isLegacyRequest(web, request.body))) {
          reply.hijack();
          return modern(request.raw, reply.raw, request.body);
        }
      }
      const sessionId = request.headers['mcp-session-id'];
      if (typeof sessionId === 'string') {
        const session = sessions.find(sessionId, sessionOwner(request.mcpAuth));
        if (session === undefined) return rpcError(reply, 404, -32001, 'Session not found');
        reply.hijack();
        return session.transport.handleRequest(request.raw, reply.raw, request.body);
      }
      if (request.method !== 'POST') {
        return rpcError(reply.header('allow', 'POST'), 405, -32000, 'Method not allowed without a session');
      }
      if (!isInitializeRequest(request.body)) {
        return rpcError(reply, 400, -32000, 'Bad Request: no valid session; send initialize first');
      }
      return openSession(request, reply);
    };

    app.route({
      method: ['GET', 'POST', 'DELETE'],
      url: options.mcpPath,
      onRequest: [originGuard(options.allowedOrigins), app.mcpAuthenticate],
      preHandler: app.mcpAuthorize,
      handler,
    });
  },
  {
    name: '@portcullis/resource-server/mcp-endpoint',
    fastify: '5.x',
    dependencies: ['@portcullis/resource-server/mcp-auth'],
  },
);
