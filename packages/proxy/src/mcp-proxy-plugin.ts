import cors from '@fastify/cors';
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
import { StoreUnavailableError } from './errors.js';
import { EXPOSED_RESPONSE_HEADERS } from './forward-headers.js';
import {
  headerMismatch,
  JSONRPC_INVALID_REQUEST,
  JSONRPC_PARSE_ERROR,
  MCP_HEADER_MISMATCH,
  MCP_SESSION_NOT_FOUND,
  readMcpBody,
  sendRpcError,
} from './jsonrpc.js';
import type { ProxyMetrics } from './metrics.js';
import type { ResolvedProxyOptions } from './options.js';
import { type SessionBindings, sendStoreUnavailable } from './sessions.js';

/** Options of {@link mcpProxyPlugin}. `mcpAuthPlugin` of the resource-server kit must be registered first. */
export interface McpProxyPluginOptions {
  readonly options: ResolvedProxyOptions;
  readonly sessions: SessionBindings;
  readonly metrics: ProxyMetrics;
  readonly challenge: ChallengeContext;
  /** Serves an authorized request: forwarding to an HTTP upstream, or the stdio bridge. */
  readonly handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

function parseError(message: string): FastifyError {
  return Object.assign(new Error(message), {
    statusCode: 400,
    code: 'FST_ERR_CTP_INVALID_JSON',
  }) as FastifyError;
}

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
    const { options, metrics, sessions, challenge } = context;
    const checkOrigin = originGuard(options.allowedOrigins);

    await app.register(async (scope) => {
      await scope.register(cors, {
        origin: options.cors.origins.length > 0 ? [...options.cors.origins] : false,
        methods: ['GET', 'POST', 'DELETE'],
        exposedHeaders: [...EXPOSED_RESPONSE_HEADERS],
        maxAge: 600,
      });
      scope.decorateRequest('rawBody', undefined);
      scope.decorateRequest('authDecision', undefined);
      scope.decorateRequest('mcpCall', undefined);
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
        const raw = body as Buffer;
        if (raw.length === 0 && request.method !== 'POST') return done(null, undefined);
        request.rawBody = raw;
        try {
          done(null, JSON.parse(raw.toString('utf8')));
        } catch {
          done(parseError('the request body is not valid JSON'), undefined);
        }
      });

      scope.setErrorHandler((error: FastifyError | Error, request, reply) => {
        if (error instanceof OAuthError) {
          const reason = error instanceof MissingTokenError ? 'no_token' : error.error;
          decide(request, metrics, { decision: 'deny', reason }, error.status);
          return sendWireError(reply, error, challenge);
        }
        if (error instanceof StoreUnavailableError) {
          decide(request, metrics, { decision: 'deny', reason: 'store_unavailable' }, 503);
          return sendStoreUnavailable(request, reply, error);
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
        request.log.error({ err: error }, 'unhandled error in the MCP proxy');
        return sendRpcError(reply, 500, -32603, 'internal error');
      });

      scope.addHook('onResponse', async (request, reply) => {
        if (request.routeOptions.url !== options.mcpPath) return;
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
          const first = body.batch ? undefined : body.messages[0];
          const tool = first?.method === 'tools/call' ? first.params?.name : undefined;
          request.mcpCall = {
            method: first?.method ?? 'batch',
            tool: typeof tool === 'string' ? tool : undefined,
          };
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
        decide(request, metrics, { decision: 'allow', reason: 'scopes_satisfied' });
      };

      scope.route({
        method: ['GET', 'POST', 'DELETE'],
        url: options.mcpPath,
        bodyLimit: options.limits.bodyBytes,
        onRequest: [
          async (request, reply) => {
            await checkOrigin(request, reply);
            if (!reply.sent) return;
            decide(request, metrics, { decision: 'deny', reason: 'origin_not_allowed' }, 403);
            return reply;
          },
          app.mcpAuthenticate,
        ],
        preHandler: authorize,
        handler: context.handler,
      });
    });
  },
  {
    name: '@portcullis/proxy/mcp-proxy',
    fastify: '5.x',
    dependencies: ['@portcullis/resource-server/mcp-auth'],
  },
);
