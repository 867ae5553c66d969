import type { ChallengeContext } from '@portcullis/resource-server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { logDecision } from './auth-decision.js';
import { ProxyError, StoreUnavailableError } from './errors.js';
import {
  clientResponseHeaders,
  isEventStream,
  mergeResponseHeaders,
  single,
  upstreamRequestHeaders,
} from './forward-headers.js';
import type { IdentityForwarder } from './identity.js';
import type { InFlight } from './in-flight.js';
import { JSONRPC_SERVER_ERROR, sendRpcError, writeRpcError } from './jsonrpc.js';
import type { ProxyMetrics } from './metrics.js';
import { httpUpstreamOf, type ResolvedProxyOptions } from './options.js';
import {
  isBindableSessionId,
  MAX_SESSION_ID_LENGTH,
  type SessionBindings,
  sendStoreUnavailable,
} from './sessions.js';
import { isOpenEndedStream, type StreamTokenGuard } from './stream-token.js';
import { type UpstreamClient, upstreamErrorKind } from './upstream.js';
import { UpstreamExchange } from './upstream-exchange.js';
import { openExchange } from './upstream-request.js';

/** What the forwarding handler works with. */
export interface ForwardContext {
  readonly options: ResolvedProxyOptions;
  readonly identity: IdentityForwarder;
  readonly upstream: UpstreamClient;
  readonly sessions: SessionBindings;
  readonly metrics: ProxyMetrics;
  readonly inFlight: InFlight;
  readonly challenge: ChallengeContext;
  readonly streamTokens: StreamTokenGuard;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The request body exactly as received, forwarded byte for byte. */
    rawBody: Buffer | undefined;
  }
}

type SessionProblem = 'session_conflict' | 'invalid_session_id';

/** Refuse (502) a session id the upstream issued that the proxy cannot bind to the caller, and log why. */
function refuseIssuedSession(
  request: FastifyRequest,
  reply: FastifyReply,
  context: ForwardContext,
  problem: SessionProblem,
): FastifyReply {
  const upstreamUrl = httpUpstreamOf(context.options).url;
  context.metrics.upstreamErrors.inc({ kind: problem });
  if (problem === 'session_conflict') {
    const err = new ProxyError(
      'ERR_PORTCULLIS_PROXY_SESSION_CONFLICT',
      `the upstream ${upstreamUrl} issued a session id already bound to another caller; its session ids must be unique and unguessable`,
    );
    request.log.error({ err }, 'upstream reused a session id');
    return sendRpcError(reply, 502, JSONRPC_SERVER_ERROR, 'the upstream MCP server reused a session id');
  }
  const err = new ProxyError(
    'ERR_PORTCULLIS_PROXY_SESSION_ID_INVALID',
    `the upstream ${upstreamUrl} issued a session id that is not 1 to ${MAX_SESSION_ID_LENGTH} visible ASCII characters; the proxy cannot bind it to the caller`,
  );
  request.log.error({ err }, 'upstream issued an unusable session id');
  const message = `the upstream MCP server issued a session id the proxy cannot use (1 to ${MAX_SESSION_ID_LENGTH} visible ASCII characters)`;
  return sendRpcError(reply, 502, JSONRPC_SERVER_ERROR, message);
}

/**
 * Forward an authorized MCP request: strip the client's credentials, add the proxy's identity, stream the
 * answer back without buffering, and bind a new upstream `Mcp-Session-Id` to the caller. Nothing is sent
 * upstream for a client that left while the request was being checked.
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
    const exchange = await openExchange(
      request,
      reply,
      context,
      { method: request.method, headers, body: request.method === 'POST' ? request.rawBody : undefined },
      { failure: 'upstream request failed', identityTarget: target.url },
    );
    if (!(exchange instanceof UpstreamExchange)) return exchange;
    const { status } = exchange;

    const issuedHeader = exchange.headers['mcp-session-id'];
    const issued = single(issuedHeader);
    if (issued !== undefined && requestSession === undefined) {
      let problem: SessionProblem | undefined;
      try {
        // Two ids: the client could bind to one and the upstream mean the other.
        if (Array.isArray(issuedHeader) || !isBindableSessionId(issued)) problem = 'invalid_session_id';
        else if (!(await sessions.bind(issued, auth))) problem = 'session_conflict';
      } catch (error) {
        exchange.end();
        inFlight.delete(exchange);
        if (error instanceof StoreUnavailableError) return sendStoreUnavailable(request, reply, error);
        throw error;
      }
      if (problem !== undefined) {
        exchange.end();
        inFlight.delete(exchange);
        return refuseIssuedSession(request, reply, context, problem);
      }
    }
    if (requestSession !== undefined && (status === 404 || (request.method === 'DELETE' && status < 300))) {
      // A binding that cannot be deleted now (store down) expires after sessions.idleMs.
      await sessions.release(requestSession).catch((err: unknown) => {
        request.log.warn({ err }, 'could not release a session binding');
      });
    }

    const streaming = isEventStream(exchange.headers['content-type']);
    if (streaming) {
      metrics.openStreams.inc();
      logDecision(request, metrics, status, reply.elapsedTime);
    }
    reply.hijack();
    const responseHeaders = mergeResponseHeaders(reply.getHeaders(), clientResponseHeaders(exchange.headers));
    // A GET's answer streams for as long as the upstream sends, whatever its media type. The body of a POST is
    // read only for an SSE answer, so that a tools/call answered with JSON pays nothing for this.
    const openEnded = request.method === 'GET' || (streaming && isOpenEndedStream(request));
    const unwatch = openEnded ? context.streamTokens.watch(request, () => exchange.end()) : undefined;
    if (!streaming) {
      pipeWholeAnswer(request, reply, exchange, responseHeaders, {
        metrics,
        timeoutMs: upstream.timeoutMs,
        onClose: () => {
          unwatch?.();
          inFlight.delete(exchange);
        },
      });
      return;
    }
    // Requests refresh the session binding; a client that only listens on a stream would otherwise lose it
    // after sessions.idleMs while the upstream session lives on.
    const release =
      requestSession === undefined
        ? undefined
        : sessions.hold(requestSession, (err) => {
            request.log.warn({ err }, 'could not refresh a session binding');
          });
    // An SSE stream may stay silent for a long time: its headers leave at once and it has no idle limit.
    responseHeaders['x-accel-buffering'] = 'no';
    raw.writeHead(status, responseHeaders);
    raw.flushHeaders();
    exchange.pipeTo(raw, false, () => {
      unwatch?.();
      inFlight.delete(exchange);
      metrics.openStreams.dec();
      release?.();
    });
  };
}

/**
 * Pass an upstream answer that is not a stream to the client (hijacked `reply`): it leaves whole (head, body and
 * end in one write when the body is one chunk). When nothing has been sent yet, a body that stops for
 * `timeoutMs` is a 504 and an upstream that fails mid-body a 502, both with a JSON-RPC error; after that the
 * response is cut. The decision is logged with the status the client gets, when its head leaves. `onClose`
 * runs once the exchange is over.
 */
export function pipeWholeAnswer(
  request: FastifyRequest,
  reply: FastifyReply,
  exchange: UpstreamExchange,
  headers: Record<string, string | string[]>,
  how: { metrics: ProxyMetrics; timeoutMs: number; onClose: () => void },
): void {
  const raw = reply.raw;
  const { status } = exchange;
  const { metrics } = how;
  const answer = (code: 502 | 504, message: string) => {
    logDecision(request, metrics, code, reply.elapsedTime);
    writeRpcError(raw, code, message, reply.getHeaders());
  };
  exchange.pipeTo(
    raw,
    true,
    () => {
      // The client left before the head: logged without a status.
      logDecision(request, metrics, undefined, reply.elapsedTime);
      how.onClose();
    },
    {
      idleMs: how.timeoutMs,
      writeHead: () => {
        logDecision(request, metrics, status, reply.elapsedTime);
        raw.writeHead(status, headers);
      },
      onStall: (reason, error) => {
        if (reason === 'timeout') {
          metrics.upstreamErrors.inc({ kind: 'timeout' });
          request.log.warn(
            { kind: 'timeout', status },
            `upstream answer stalled: no body within ${how.timeoutMs} ms of its headers; answered 504`,
          );
          return answer(504, `the upstream MCP server sent no answer body within ${how.timeoutMs} ms`);
        }
        const kind = upstreamErrorKind(error);
        metrics.upstreamErrors.inc({ kind });
        request.log.warn(
          { kind, status, err: error },
          'upstream answer broke off before its end; answered 502',
        );
        return answer(502, 'the upstream MCP server broke off its answer before its end');
      },
    },
  );
}
