import cors from '@fastify/cors';
import type { ChallengeContext } from '@portcullis/resource-server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { allowAtHead, decide, logDecision, reasonForStatus } from './auth-decision.js';
import { EXPOSED_RESPONSE_HEADERS } from './forward-headers.js';
import {
  headerMismatch,
  JSONRPC_INVALID_REQUEST,
  JSONRPC_SERVER_ERROR,
  MCP_HEADER_MISMATCH,
  MCP_SESSION_NOT_FOUND,
  readMcpBody,
  sendRpcError,
} from './jsonrpc.js';
import { mcpCallOf, originCheck, setUpMcpScope } from './mcp-scope.js';
import type { ProxyMetrics } from './metrics.js';
import type { ResolvedProxyOptions } from './options.js';
import type { SessionBindings } from './sessions.js';

/** Options of {@link mcpProxyPlugin}. `mcpAuthPlugin` of the resource-server kit must be registered first. */
export interface McpProxyPluginOptions {
  readonly options: ResolvedProxyOptions;
  readonly sessions: SessionBindings;
  readonly metrics: ProxyMetrics;
  readonly challenge: ChallengeContext;
  /** Serves an authorized request: forwarding to an HTTP upstream, or the stdio bridge. */
  readonly handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

/** The HTTP methods of the Streamable HTTP endpoint. */
const MCP_METHODS = ['GET', 'POST', 'DELETE'] as const;

/**
 * The proxied MCP endpoint at the public MCP path. Every request, the SSE `GET` and `DELETE` included, goes
 * through Origin → token (kit's `mcpAuthenticate`) → body (413, 415, 400 `-32700`/`-32600`) → mirrored headers
 * (400 `-32020`) → scopes from the parsed body (403 step-up) → session binding (404) → handler. CORS for the
 * configured browser origins.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#token-requirements
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports#server-validation
 */
export const mcpProxyPlugin = fp(
  async (app: FastifyInstance, context: McpProxyPluginOptions) => {
    const { options, metrics, sessions } = context;

    await app.register(async (scope) => {
      await scope.register(cors, {
        origin: options.cors.origins.length > 0 ? [...options.cors.origins] : false,
        methods: [...MCP_METHODS],
        exposedHeaders: [...EXPOSED_RESPONSE_HEADERS],
        maxAge: 600,
      });
      setUpMcpScope(scope, context, { allowEmptyWithoutPost: true, label: 'MCP proxy' });

      scope.addHook('onResponse', async (request, reply) => {
        if (request.routeOptions.url !== options.mcpPath) return;
        logDecision(request, metrics, reply.statusCode, reply.elapsedTime);
        decide(
          request,
          metrics,
          { decision: 'deny', reason: reasonForStatus(reply.statusCode) },
          reply.statusCode,
        );
      });

      const authorize = async (request: FastifyRequest, reply: FastifyReply) => {
        if (request.method === 'POST') {
          const body = readMcpBody(request.body);
          if (body === undefined) {
            decide(request, metrics, { decision: 'deny', reason: 'invalid_jsonrpc' }, 400);
            return sendRpcError(
              reply,
              400,
              JSONRPC_INVALID_REQUEST,
              'the body must be a JSON-RPC 2.0 message or batch',
            );
          }
          request.mcpCall = mcpCallOf(body);
          const mismatch = headerMismatch(request.headers, body);
          if (mismatch !== undefined) {
            decide(request, metrics, { decision: 'deny', reason: 'header_mismatch' }, 400);
            return sendRpcError(reply, 400, MCP_HEADER_MISMATCH, mismatch);
          }
        }
        app.scopePolicy.assertAllowed(
          request.mcpAuth?.scopes ?? [],
          request.method === 'POST' ? request.body : undefined,
        );
        const sessionId = request.headers['mcp-session-id'];
        if (sessionId !== undefined) {
          if (typeof sessionId !== 'string' || !(await sessions.owns(sessionId, request.mcpAuth))) {
            decide(request, metrics, { decision: 'deny', reason: 'session_not_owned' }, 404);
            return sendRpcError(reply, 404, MCP_SESSION_NOT_FOUND, 'Session not found');
          }
        }
        allowAtHead(request, reply, metrics);
      };

      scope.route({
        method: [...MCP_METHODS],
        url: options.mcpPath,
        bodyLimit: options.limits.bodyBytes,
        onRequest: [originCheck(options, metrics), app.mcpAuthenticate],
        preHandler: authorize,
        handler: context.handler,
      });
      // Other methods are not unknown routes: 405 with the methods the endpoint takes (RFC 9110 §15.5.6).
      scope.route({
        method: ['PUT', 'PATCH'],
        url: options.mcpPath,
        onRequest: originCheck(options, metrics),
        handler: (_request, reply) =>
          sendRpcError(
            reply.header('allow', MCP_METHODS.join(', ')),
            405,
            JSONRPC_SERVER_ERROR,
            `method not allowed: the MCP endpoint takes ${MCP_METHODS.join(', ')}`,
          ),
      });
    });
  },
  {
    name: '@portcullis/proxy/mcp-proxy',
    fastify: '5.x',
    dependencies: ['@portcullis/resource-server/mcp-auth'],
  },
);
