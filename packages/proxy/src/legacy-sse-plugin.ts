import { OAuthError } from '@portcullis/metadata';
import {
  type ChallengeContext,
  MissingTokenError,
  originGuard,
  sendWireError,
} from '@portcullis/resource-server';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { decide, reasonForStatus } from './auth-decision.js';
import { EXPOSED_RESPONSE_HEADERS } from './forward-headers.js';
import type { IdentityForwarder } from './identity.js';
import type { InFlight } from './in-flight.js';
import {
  JSONRPC_INVALID_REQUEST,
  JSONRPC_PARSE_ERROR,
  MCP_SESSION_NOT_FOUND,
  readMcpBody,
  sendRpcError,
} from './jsonrpc.js';
import { createLegacyMessageHandler, createLegacySseStreamHandler } from './legacy-sse-handlers.js';
import { LegacySseSessions } from './legacy-sse-sessions.js';
import { LegacySseUpstream } from './legacy-sse-upstream.js';
import type { ProxyMetrics } from './metrics.js';
import { httpUpstreamOf, type ResolvedProxyOptions } from './options.js';

/** Options of {@link legacySsePlugin}. `mcpAuthPlugin` of the resource-server kit must be registered first. */
export interface LegacySsePluginOptions {
  readonly options: ResolvedProxyOptions;
  readonly identity: IdentityForwarder;
  readonly metrics: ProxyMetrics;
  readonly inFlight: InFlight;
  readonly challenge: ChallengeContext;
}

function badRequest(message: string, statusCode = 400): FastifyError {
  return Object.assign(new Error(message), { statusCode, code: 'FST_ERR_CTP_INVALID_JSON' }) as FastifyError;
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
    const { options, metrics, challenge } = context;
    const http = httpUpstreamOf(options);
    const { ssePath, messagesPath } = http.legacySse;
    const upstream = new LegacySseUpstream(http.url, http.timeoutMs);
    const sessions = new LegacySseSessions();
    const handlers = { ...context, upstream, sessions };
    const checkOrigin = originGuard(options.allowedOrigins);
    const corsOrigins = new Set(options.cors.origins.map((o) => new URL(o).origin));
    app.addHook('onClose', async () => upstream.close());

    await app.register(async (scope) => {
      scope.decorateRequest('rawBody', undefined);
      scope.decorateRequest('authDecision', undefined);
      scope.decorateRequest('mcpCall', undefined);
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
        request.rawBody = body as Buffer;
        try {
          done(null, JSON.parse((body as Buffer).toString('utf8')));
        } catch {
          done(badRequest('the request body is not valid JSON'), undefined);
        }
      });
      scope.setErrorHandler((error: FastifyError | Error, request, reply) => {
        if (error instanceof OAuthError) {
          const reason = error instanceof MissingTokenError ? 'no_token' : error.error;
          decide(request, metrics, { decision: 'deny', reason }, error.status);
          return sendWireError(reply, error, challenge);
        }
        const status = (error as FastifyError).statusCode ?? 500;
        if (status >= 400 && status < 500) {
          decide(request, metrics, { decision: 'deny', reason: reasonForStatus(status) }, status);
          if (status === 413) {
            const message = `the request body exceeds the limit of ${options.limits.bodyBytes} bytes`;
            return sendRpcError(reply, 413, JSONRPC_INVALID_REQUEST, message);
          }
          const code = status === 400 ? JSONRPC_PARSE_ERROR : JSONRPC_INVALID_REQUEST;
          return sendRpcError(reply, status, code, error.message);
        }
        request.log.error({ err: error }, 'unhandled error in the legacy SSE proxy');
        return sendRpcError(reply, 500, -32603, 'internal error');
      });
      scope.addHook('onResponse', async (request, reply) => {
        const reason = reasonForStatus(reply.statusCode);
        decide(request, metrics, { decision: 'deny', reason }, reply.statusCode);
      });

      const onRequest = [
        async (request: FastifyRequest, reply: FastifyReply) => {
          const origin = request.headers.origin;
          if (origin !== undefined && corsOrigins.has(origin)) {
            reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
            reply.header('access-control-expose-headers', EXPOSED_RESPONSE_HEADERS.join(', '));
          }
          await checkOrigin(request, reply);
          if (!reply.sent) return;
          decide(request, metrics, { decision: 'deny', reason: 'origin_not_allowed' }, 403);
          return reply;
        },
        app.mcpAuthenticate,
      ];

      scope.route({
        method: 'GET',
        url: ssePath,
        onRequest,
        preHandler: async (request) => {
          app.scopePolicy.assertAllowed(request.mcpAuth?.scopes ?? [], undefined);
          decide(request, metrics, { decision: 'allow', reason: 'scopes_satisfied' });
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
          const first = body.batch ? undefined : body.messages[0];
          const tool = first?.method === 'tools/call' ? first.params?.name : undefined;
          request.mcpCall = {
            method: first?.method ?? 'batch',
            tool: typeof tool === 'string' ? tool : undefined,
          };
          app.scopePolicy.assertAllowed(request.mcpAuth?.scopes ?? [], request.body);
          const { sessionId } = (request.query ?? {}) as { sessionId?: unknown };
          if (sessions.find(sessionId, request.mcpAuth) === undefined) {
            decide(request, metrics, { decision: 'deny', reason: 'session_not_owned' }, 404);
            return sendRpcError(reply, 404, MCP_SESSION_NOT_FOUND, 'Session not found');
          }
          decide(request, metrics, { decision: 'allow', reason: 'scopes_satisfied' });
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
