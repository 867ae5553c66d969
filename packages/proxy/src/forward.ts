import { InsufficientScopeError, parseBearerChallenge, parseScope } from '@portcullis/metadata';
import { type ChallengeContext, sendWireError } from '@portcullis/resource-server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { logDecision } from './auth-decision.js';
import { ProxyError, StoreUnavailableError } from './errors.js';
import { clientResponseHeaders, upstreamRequestHeaders } from './forward-headers.js';
import type { IdentityForwarder } from './identity.js';
import type { InFlight } from './in-flight.js';
import { JSONRPC_SERVER_ERROR, rpcErrorBody, sendRpcError } from './jsonrpc.js';
import type { ProxyMetrics } from './metrics.js';
import { httpUpstreamOf, type ResolvedProxyOptions } from './options.js';
import { type SessionBindings, sendStoreUnavailable } from './sessions.js';
import { type UpstreamClient, UpstreamError } from './upstream.js';

/** What the forwarding handler works with. */
export interface ForwardContext {
  readonly options: ResolvedProxyOptions;
  readonly identity: IdentityForwarder;
  readonly upstream: UpstreamClient;
  readonly sessions: SessionBindings;
  readonly metrics: ProxyMetrics;
  readonly inFlight: InFlight;
  readonly challenge: ChallengeContext;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The request body exactly as received, forwarded byte for byte. */
    rawBody: Buffer | undefined;
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The scopes of an upstream `insufficient_scope` challenge, or `undefined` for any other answer. */
function upstreamStepUp(status: number, headers: Record<string, string | string[] | undefined>) {
  if (status !== 403) return undefined;
  const header = headers['www-authenticate'];
  if (header === undefined) return undefined;
  try {
    const challenge = parseBearerChallenge(header);
    if (challenge?.error !== 'insufficient_scope') return undefined;
    return parseScope(challenge.scope ?? '');
  } catch {
    return undefined;
  }
}

/** Answer a failed upstream request (502/504 `-32000`), counting and logging it. */
export function sendUpstreamFailure(
  request: FastifyRequest,
  reply: FastifyReply,
  metrics: ProxyMetrics,
  error: unknown,
  logMessage: string,
): FastifyReply {
  const failure =
    error instanceof UpstreamError ? error : new UpstreamError('other', 'upstream request failed', error);
  metrics.upstreamErrors.inc({ kind: failure.kind });
  request.log.warn({ err: failure, kind: failure.kind }, logMessage);
  return sendRpcError(reply, failure.status, JSONRPC_SERVER_ERROR, failure.message);
}

/** Answer an upstream 401 to the forwarded identity (502), logging how to configure `upstreamUrl` to trust it. */
export function sendRejectedIdentity(
  request: FastifyRequest,
  reply: FastifyReply,
  metrics: ProxyMetrics,
  options: ResolvedProxyOptions,
  upstreamUrl: string,
): FastifyReply {
  metrics.upstreamErrors.inc({ kind: 'rejected_identity' });
  const err = new ProxyError(
    'ERR_PORTCULLIS_PROXY_UPSTREAM_REJECTED_IDENTITY',
    `the upstream ${upstreamUrl} answered 401 to the forwarded identity; configure it to trust issuer ${options.identityIssuer} with JWKS ${options.jwksUrl} and resource ${httpUpstreamOf(options).url}`,
  );
  request.log.error({ err }, 'upstream rejected the forwarded identity');
  return sendRpcError(
    reply,
    502,
    JSONRPC_SERVER_ERROR,
    'the upstream MCP server rejected the identity the proxy forwarded',
  );
}

/**
 * Forward an authorized MCP request: strip the client's credentials, add the proxy's identity, stream the
 * answer back without buffering, and bind a new upstream `Mcp-Session-Id` to the caller.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations#access-token-privilege-restriction
 */
export function createForwardHandler(context: ForwardContext) {
  const { options, identity, upstream, sessions, metrics, inFlight } = context;
  const target = httpUpstreamOf(options);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const auth = request.mcpAuth;
    const requestSession = single(request.headers['mcp-session-id']);
    const headers = upstreamRequestHeaders(
      request.headers,
      target.forwardHeaders,
      auth === undefined ? {} : await identity.headersFor(auth),
      identity.headerNames,
    );
    const raw = reply.raw;
    const started = performance.now();
    const exchange = upstream.forward({
      method: request.method,
      headers,
      body: request.method === 'POST' ? request.rawBody : undefined,
    });
    inFlight.add(exchange);
    raw.once('close', () => {
      if (!raw.writableFinished) exchange.end();
    });
    try {
      await exchange.head;
    } catch (error) {
      inFlight.delete(exchange);
      return sendUpstreamFailure(request, reply, metrics, error, 'upstream request failed');
    }
    const { status } = exchange;
    metrics.upstreamLatency.observe({ status: String(status) }, (performance.now() - started) / 1000);

    const scopes = upstreamStepUp(status, exchange.headers);
    if (status === 401 || scopes !== undefined) {
      exchange.discard();
      inFlight.delete(exchange);
      if (scopes !== undefined) {
        const error = new InsufficientScopeError(scopes, 'the upstream MCP server needs more scopes');
        return sendWireError(reply, error, context.challenge);
      }
      return sendRejectedIdentity(request, reply, metrics, options, target.url);
    }

    const issued = single(exchange.headers['mcp-session-id']);
    let bound = true;
    try {
      if (issued !== undefined && requestSession === undefined) bound = await sessions.bind(issued, auth);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      exchange.end();
      inFlight.delete(exchange);
      return sendStoreUnavailable(request, reply, error);
    }
    if (!bound) {
      exchange.end();
      inFlight.delete(exchange);
      metrics.upstreamErrors.inc({ kind: 'session_conflict' });
      const err = new ProxyError(
        'ERR_PORTCULLIS_PROXY_SESSION_CONFLICT',
        `the upstream ${target.url} issued a session id already bound to another caller; its session ids must be unique and unguessable`,
      );
      request.log.error({ err }, 'upstream reused a session id');
      return sendRpcError(reply, 502, JSONRPC_SERVER_ERROR, 'the upstream MCP server reused a session id');
    }
    if (requestSession !== undefined && (status === 404 || (request.method === 'DELETE' && status < 300))) {
      // A binding that cannot be deleted now (store down) expires after sessions.idleMs.
      await sessions.release(requestSession).catch((err: unknown) => {
        request.log.warn({ err }, 'could not release a session binding');
      });
    }

    const streaming = String(exchange.headers['content-type'] ?? '').startsWith('text/event-stream');
    if (streaming) metrics.openStreams.inc();
    logDecision(request, status, reply.elapsedTime);
    reply.hijack();
    const responseHeaders = Object.assign(reply.getHeaders(), clientResponseHeaders(exchange.headers));
    const onClose = () => {
      inFlight.delete(exchange);
      if (streaming) metrics.openStreams.dec();
    };
    // An SSE stream may stay silent for a long time: its headers leave at once and it has no idle limit.
    if (streaming) {
      responseHeaders['x-accel-buffering'] = 'no';
      raw.writeHead(status, responseHeaders as Record<string, string | string[]>);
      raw.flushHeaders();
      exchange.pipeTo(raw, false, onClose);
      return;
    }
    // Other answers leave whole (head, body and end in one write when the body is one chunk), and a body
    // that stops for upstream.timeoutMs is a 504 when nothing has been sent yet, else a cut response.
    exchange.pipeTo(raw, true, onClose, {
      idleMs: upstream.timeoutMs,
      writeHead: () => raw.writeHead(status, responseHeaders as Record<string, string | string[]>),
      onStall: () => {
        metrics.upstreamErrors.inc({ kind: 'timeout' });
        request.log.warn(
          { kind: 'timeout', status },
          `upstream answer stalled: no body within ${upstream.timeoutMs} ms of its headers; answered 504`,
        );
        const message = `the upstream MCP server sent no answer body within ${upstream.timeoutMs} ms`;
        raw.writeHead(504, { ...reply.getHeaders(), 'content-type': 'application/json' } as Record<
          string,
          string
        >);
        raw.end(JSON.stringify(rpcErrorBody(JSONRPC_SERVER_ERROR, message)));
      },
    });
  };
}
