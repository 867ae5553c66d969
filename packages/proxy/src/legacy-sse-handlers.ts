import { pipeline } from 'node:stream';
import type { ChallengeContext } from '@portcullis/resource-server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { logDecision } from './auth-decision.js';
import { pipeWholeAnswer } from './forward.js';
import {
  clientResponseHeaders,
  isEventStream,
  mergeResponseHeaders,
  upstreamRequestHeaders,
} from './forward-headers.js';
import type { IdentityForwarder } from './identity.js';
import type { InFlight, InFlightEntry } from './in-flight.js';
import { EndpointRewriter } from './legacy-sse-rewrite.js';
import type { LegacySseSessions } from './legacy-sse-sessions.js';
import type { ProxyMetrics } from './metrics.js';
import { type HttpUpstreamOptions, httpUpstreamOf, type ResolvedProxyOptions } from './options.js';
import type { StreamTokenGuard } from './stream-token.js';
import type { UpstreamClient, UpstreamResponse } from './upstream.js';
import { UpstreamExchange } from './upstream-exchange.js';
import {
  openExchange,
  sendRejectedIdentity,
  sendShuttingDown,
  sendUpstreamFailure,
  sendUpstreamStepUp,
  upstreamStepUp,
} from './upstream-request.js';

/** What the HTTP+SSE handlers work with. */
export interface LegacySseContext {
  readonly options: ResolvedProxyOptions;
  readonly identity: IdentityForwarder;
  readonly upstream: UpstreamClient;
  readonly sessions: LegacySseSessions;
  readonly metrics: ProxyMetrics;
  readonly inFlight: InFlight;
  readonly challenge: ChallengeContext;
  readonly streamTokens: StreamTokenGuard;
}

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/**
 * The headers of a request to the upstream: those of the MCP endpoint with the proxy's identity, minus the
 * Streamable HTTP session headers (`Mcp-Session-Id`, `Last-Event-ID`). The legacy routes never check their
 * ownership, so forwarding them would let a caller name another caller's session (PX-11).
 */
async function legacyUpstreamHeaders(
  context: LegacySseContext,
  request: FastifyRequest,
): Promise<Record<string, string>> {
  const { identity, options } = context;
  const auth = request.mcpAuth;
  const headers = upstreamRequestHeaders(
    request.headers,
    httpUpstreamOf(options).forwardHeaders,
    auth === undefined ? {} : await identity.headersFor(auth),
    identity.headerNames,
  );
  delete headers['mcp-session-id'];
  delete headers['last-event-id'];
  return headers;
}

/**
 * Open the upstream SSE stream with the proxy's identity (never the client's token). Answers the
 * client itself and returns `undefined` when the upstream failed (502/504), rejected the identity (502) or
 * asked for more scopes (the proxy's own 403 step-up challenge, as on the MCP endpoint).
 */
async function sendUpstream(
  context: LegacySseContext,
  request: FastifyRequest,
  reply: FastifyReply,
  call: { method: 'GET'; path: string; body: undefined; signal: AbortSignal },
): Promise<UpstreamResponse | undefined> {
  const { metrics, options } = context;
  const target: HttpUpstreamOptions = httpUpstreamOf(options);
  const headers = await legacyUpstreamHeaders(context, request);
  if (context.inFlight.closed) {
    sendShuttingDown(reply);
    return undefined;
  }
  const started = performance.now();
  let response: UpstreamResponse;
  try {
    response = await context.upstream.send({ ...call, headers });
  } catch (error) {
    sendUpstreamFailure(request, reply, metrics, error, 'legacy SSE upstream request failed');
    return undefined;
  }
  metrics.upstreamLatency.observe({ status: String(response.status) }, (performance.now() - started) / 1000);
  const scopes = upstreamStepUp(response.status, response.headers);
  if (response.status !== 401 && scopes === undefined) return response;
  response.body.resume();
  if (scopes !== undefined) {
    sendUpstreamStepUp(request, reply, scopes, context.challenge);
    return undefined;
  }
  sendRejectedIdentity(
    request,
    reply,
    metrics,
    options,
    `${context.upstream.origin}${target.legacySse.ssePath}`,
  );
  return undefined;
}

/** Pass a non-stream upstream answer (an error, or the 202 of a message) to the client as it is. */
function passThrough(reply: FastifyReply, response: UpstreamResponse) {
  const headers = mergeResponseHeaders(reply.getHeaders(), clientResponseHeaders(response.headers));
  return reply.code(response.status).headers(headers).send(response.body);
}

/**
 * `GET <ssePath>`: open the upstream SSE stream with the caller's identity and stream it to the client as it
 * arrives, with the `endpoint` event rewritten to `<publicUrl><messagesPath>?sessionId=<proxy id>`, the id
 * bound to the caller. Either side closing closes the other; the session ends with the stream.
 * @see https://modelcontextprotocol.io/specification/2024-11-05/basic/transports#http-with-sse
 */
export function createLegacySseStreamHandler(context: LegacySseContext): Handler {
  const { options, sessions, metrics, inFlight, upstream } = context;
  const { ssePath, messagesPath } = httpUpstreamOf(options).legacySse;
  const upstreamSseUrl = `${upstream.origin}${ssePath}`;
  return async (request, reply) => {
    const controller = new AbortController();
    const pending: InFlightEntry = { end: () => controller.abort() };
    inFlight.add(pending);
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
    const response = await sendUpstream(context, request, reply, {
      method: 'GET',
      path: ssePath,
      body: undefined,
      signal: controller.signal,
    }).finally(() => inFlight.delete(pending));
    if (response === undefined) return reply;
    if (response.status !== 200 || !isEventStream(response.headers['content-type'])) {
      return passThrough(reply, response);
    }

    let sessionId: string | undefined;
    const rewriter = new EndpointRewriter((url) => {
      const target = URL.canParse(url, upstreamSseUrl) ? new URL(url, upstreamSseUrl) : undefined;
      if (target?.origin !== upstream.origin) {
        throw new Error(`the upstream endpoint event names ${url}, not a URL on ${upstream.origin}`);
      }
      sessionId = sessions.open(request.mcpAuth, `${target.pathname}${target.search}`);
      return `${options.publicUrl}${messagesPath}?sessionId=${sessionId}`;
    });
    const raw = reply.raw;
    const live: InFlightEntry = {
      end: () => {
        raw.end();
        response.body.once('error', () => {}).destroy();
      },
    };
    inFlight.add(live);
    metrics.openStreams.inc();
    const unwatch = context.streamTokens.watch(request, () => live.end());
    logDecision(request, metrics, 200, reply.elapsedTime);
    // Hijacked so that the headers leave at once, before the first event.
    reply.hijack();
    const headers = mergeResponseHeaders(reply.getHeaders(), clientResponseHeaders(response.headers));
    // The rewrite changes the body's length; the upstream is never asked for a compressed body.
    delete headers['content-length'];
    delete headers['content-encoding'];
    raw.writeHead(200, { ...headers, 'x-accel-buffering': 'no' });
    raw.flushHeaders();
    pipeline(response.body, rewriter, raw, (error) => {
      unwatch();
      inFlight.delete(live);
      metrics.openStreams.dec();
      if (sessionId !== undefined) sessions.close(sessionId);
      if (error !== undefined && error !== null && error.message !== 'Premature close') {
        request.log.warn({ err: error }, 'legacy SSE stream ended with an error');
      }
    });
    return reply;
  };
}

/**
 * `POST <messagesPath>?sessionId=…`: forward one JSON-RPC message of the caller's own session to the
 * upstream's message URL with the proxy's identity; the answer (202) passes through, like a non-stream answer
 * on the MCP endpoint: in flight for shutdown, and a body that stalls for `upstream.timeoutMs` is a 504 or cut.
 * The routes' hooks have already checked the token, the body and the scopes, and that the session belongs to
 * the caller.
 */
export function createLegacyMessageHandler(context: LegacySseContext): Handler {
  const { metrics, inFlight, upstream } = context;
  return async (request, reply) => {
    const { sessionId } = (request.query ?? {}) as { sessionId?: unknown };
    const session = context.sessions.find(sessionId, request.mcpAuth);
    if (session === undefined) throw new Error('the session check must run before the handler');
    const headers = await legacyUpstreamHeaders(context, request);
    const exchange = await openExchange(
      request,
      reply,
      context,
      { method: 'POST', path: session.target, headers, body: request.rawBody },
      { failure: 'legacy SSE upstream request failed', identityTarget: upstream.origin },
    );
    if (!(exchange instanceof UpstreamExchange)) return exchange;
    const { status } = exchange;
    if (status === 404) context.sessions.close(String(sessionId));
    reply.hijack();
    const responseHeaders = mergeResponseHeaders(reply.getHeaders(), clientResponseHeaders(exchange.headers));
    pipeWholeAnswer(request, reply, exchange, responseHeaders, {
      metrics,
      timeoutMs: upstream.timeoutMs,
      onClose: () => inFlight.delete(exchange),
    });
    return reply;
  };
}
