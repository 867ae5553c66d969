import type { ChallengeContext } from '@portcullis/resource-server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { allowAtHead, decide, logDecision, reasonForStatus } from './auth-decision.js';
import { EXPOSED_RESPONSE_HEADERS } from './forward-headers.js';
import type { IdentityForwarder } from './identity.js';
import type { InFlight } from './in-flight.js';
import { JSONRPC_INVALID_REQUEST, MCP_SESSION_NOT_FOUND, readMcpBody, sendRpcError } from './jsonrpc.js';
import { createLegacyMessageHandler, createLegacySseStreamHandler } from './legacy-sse-handlers.js';
import { LegacySseSessions } from './legacy-sse-sessions.js';
import { mcpCallOf, originCheck, setUpMcpScope } from './mcp-scope.js';
import type { ProxyMetrics } from './metrics.js';
import { httpUpstreamOf, type ResolvedProxyOptions } from './options.js';
import type { StreamTokenGuard } from './stream-token.js';
import { UpstreamClient } from './upstream.js';

/** Options of {@link legacySsePlugin}. `mcpAuthPlugin` of the resource-server kit must be registered first. */
export interface LegacySsePluginOptions {
  readonly options: ResolvedProxyOptions;
  readonly identity: IdentityForwarder;
  readonly metrics: ProxyMetrics;
  readonly inFlight: InFlight;
  readonly challenge: ChallengeContext;
  readonly streamTokens: StreamTokenGuard;
}

/**
 * The 2024-11-05 HTTP+SSE transport in front of an HTTP upstream (`upstream.legacySse.enabled`): `GET
 * <ssePath>` and `POST <messagesPath>?sessionId=…`, at the upstream's paths. Every request, the SSE `GET`
 * included, goes through Origin → token → body (413, 415, 400) → scopes (403) → session (404, `POST`) like
 * the MCP endpoint; the upstream gets the proxy's identity, never the client's token.
 * @see https://modelcontextprotocol.io/specification/2024-11-05/basic/transports#http-with-sse
 */
export const legacySsePlugin = fp(
  async (app: FastifyInstance, context: LegacySsePluginOptions) => {
    const { options, metrics } = context;
    const http = httpUpstreamOf(options);
    const { ssePath, messagesPath } = http.legacySse;
    const upstream = new UpstreamClient(http.url, http.timeoutMs);
    const sessions = new LegacySseSessions();
    const handlers = { ...context, upstream, sessions };
    const exposedHeaders = EXPOSED_RESPONSE_HEADERS.join(', ');
    const corsOrigins = new Set(options.cors.origins.map((o) => new URL(o).origin));
    app.addHook('onClose', async () => upstream.close());

    await app.register(async (scope) => {
      setUpMcpScope(scope, context, { allowEmptyWithoutPost: false, label: 'legacy SSE proxy' });
      scope.addHook('onResponse', async (request, reply) => {
        logDecision(request, metrics, reply.statusCode, reply.elapsedTime);
        const reason = reasonForStatus(reply.statusCode);
        decide(request, metrics, { decision: 'deny', reason }, reply.statusCode);
      });

      const onRequest = [
        async (request: FastifyRequest, reply: FastifyReply) => {
          const origin = request.headers.origin;
          if (origin !== undefined && corsOrigins.has(origin)) {
            reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
            reply.header('access-control-expose-headers', exposedHeaders);
          }
        },
        originCheck(options, metrics),
        app.mcpAuthenticate,
      ];

      scope.route({
        method: 'GET',
        url: ssePath,
        onRequest,
        preHandler: async (request, reply) => {
          app.scopePolicy.assertAllowed(request.mcpAuth?.scopes ?? [], undefined);
          allowAtHead(request, reply, metrics);
        },
        handler: createLegacySseStreamHandler(handlers),
      });

      scope.route({
        method: 'POST',
        url: messagesPath,
        bodyLimit: options.limits.bodyBytes,
        onRequest,
        preHandler: async (request, reply) => {
          const body = readMcpBody(request.body);
          if (body === undefined) {
            decide(request, metrics, { decision: 'deny', reason: 'invalid_jsonrpc' }, 400);
            const message = 'the body must be a JSON-RPC 2.0 message or batch';
            return sendRpcError(reply, 400, JSONRPC_INVALID_REQUEST, message);
          }
          request.mcpCall = mcpCallOf(body);
          app.scopePolicy.assertAllowed(request.mcpAuth?.scopes ?? [], request.body);
          const { sessionId } = (request.query ?? {}) as { sessionId?: unknown };
          if (sessions.find(sessionId, request.mcpAuth) === undefined) {
            decide(request, metrics, { decision: 'deny', reason: 'session_not_owned' }, 404);
            return sendRpcError(reply, 404, MCP_SESSION_NOT_FOUND, 'Session not found');
          }
          allowAtHead(request, reply, metrics);
        },
        handler: createLegacyMessageHandler(handlers),
      });
    });
  },
  {
    name: '@portcullis/proxy/legacy-sse',
    fastify: '5.x',
    dependencies: ['@portcullis/resource-server/mcp-auth'],
  },
);
