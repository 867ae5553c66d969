import { OAuthError } from '@portcullis/metadata';
import {
  type ChallengeContext,
  MissingTokenError,
  originGuard,
  sendWireError,
} from '@portcullis/resource-server';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decide, reasonForStatus } from './auth-decision.js';
import { StoreUnavailableError } from './errors.js';
import { repeatedKey } from './json-keys.js';
import { JSONRPC_INVALID_REQUEST, JSONRPC_PARSE_ERROR, type McpBody, sendRpcError } from './jsonrpc.js';
import type { ProxyMetrics } from './metrics.js';
import type { ResolvedProxyOptions } from './options.js';
import { sendStoreUnavailable } from './sessions.js';

/** What the MCP routes' shared hooks need. */
export interface McpScopeContext {
  readonly options: ResolvedProxyOptions;
  readonly metrics: ProxyMetrics;
  readonly challenge: ChallengeContext;
}

function parseError(message: string): FastifyError {
  return Object.assign(new Error(message), {
    statusCode: 400,
    code: 'FST_ERR_CTP_INVALID_JSON',
  }) as FastifyError;
}

/** A body that is valid JSON but no request the proxy may forward: 400 with `-32600`, not `-32700`. */
class InvalidRequestError extends Error {
  readonly statusCode: number = 400;
}

/** A compressed body: the proxy forwards bytes it has checked, so it takes none it cannot read (415). */
class UnsupportedEncodingError extends InvalidRequestError {
  override readonly statusCode = 415;
}

/** UTF-8's byte order mark, which JSON text must not start with (RFC 8259 §8.1). */
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function parseBody(text: string): unknown {
  const body: unknown = JSON.parse(text);
  const key = repeatedKey(text);
  if (key === undefined) return body;
  const message = `a JSON object in the body repeats the key ${JSON.stringify(key)}; each key may appear once`;
  throw new InvalidRequestError(message);
}

/**
 * Set up an encapsulated scope for proxied MCP routes: the request decorations, a JSON body parser that keeps
 * the raw bytes (`rawBody`) for forwarding, and the error handler mapping token, store, body and unexpected
 * errors to their wire answers and auth decisions. `allowEmptyWithoutPost`: an empty body of a non-`POST`
 * request parses as no body.
 */
export function setUpMcpScope(
  scope: FastifyInstance,
  { options, metrics, challenge }: McpScopeContext,
  { allowEmptyWithoutPost, label }: { allowEmptyWithoutPost: boolean; label: string },
): void {
  scope.decorateRequest('rawBody', undefined);
  scope.decorateRequest('authDecision', undefined);
  scope.decorateRequest('mcpCall', undefined);
  scope.decorateRequest('decisionLogged', undefined);
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    const encoding = request.headers['content-encoding']?.trim().toLowerCase();
    if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
      const message = `Content-Encoding ${encoding} is not accepted here; send the body uncompressed`;
      return done(new UnsupportedEncodingError(message), undefined);
    }
    if (allowEmptyWithoutPost && raw.length === 0 && request.method !== 'POST') return done(null, undefined);
    request.rawBody = raw;
    try {
      done(null, parseBody(raw.toString('utf8')));
    } catch (error) {
      const bom = raw.subarray(0, 3).equals(BOM);
      const message = bom
        ? 'the request body starts with a byte order mark, which JSON text must not (RFC 8259 §8.1); send it without one'
        : 'the request body is not valid JSON';
      done(error instanceof InvalidRequestError ? error : parseError(message));
    }
  });
  const tooLarge = `the request body exceeds the limit of ${options.limits.bodyBytes} bytes`;
  scope.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (error instanceof OAuthError) {
      const reason = error instanceof MissingTokenError ? 'no_token' : error.error;
      // The IdP's JWKS or introspection endpoint could not be used (503): the cause is the operator's to see.
      if (error.status >= 500) request.log.warn({ err: error }, 'the access token could not be checked');
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
      if (status === 413) return sendRpcError(reply, 413, JSONRPC_INVALID_REQUEST, tooLarge);
      if (error instanceof UnsupportedEncodingError) reply.header('accept-encoding', 'identity');
      else if (status === 415) {
        const message = 'the request body must be JSON, sent with Content-Type: application/json';
        return sendRpcError(reply, 415, JSONRPC_INVALID_REQUEST, message);
      }
      const parseFailed = status === 400 && !(error instanceof InvalidRequestError);
      const code = parseFailed ? JSONRPC_PARSE_ERROR : JSONRPC_INVALID_REQUEST;
      return sendRpcError(reply, status, code, error.message);
    }
    request.log.error({ err: error }, `unhandled error in the ${label}`);
    return sendRpcError(reply, 500, -32603, 'internal error');
  });
}

/** `onRequest` hook: 403 (and a deny decision) for a disallowed `Origin`. */
export function originCheck(
  options: ResolvedProxyOptions,
  metrics: ProxyMetrics,
): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const checkOrigin = originGuard(options.allowedOrigins);
  return async (request, reply) => {
    await checkOrigin(request, reply);
    if (!reply.sent) return;
    decide(request, metrics, { decision: 'deny', reason: 'origin_not_allowed' }, 403);
    return reply;
  };
}

/** The JSON-RPC method (or `batch`) and tool of a parsed body, as recorded in auth decisions. */
export function mcpCallOf(body: McpBody): { method: string; tool: string | undefined } {
  const first = body.batch ? undefined : body.messages[0];
  const tool = first?.method === 'tools/call' ? first.params?.name : undefined;
  return { method: first?.method ?? 'batch', tool: typeof tool === 'string' ? tool : undefined };
}
