import { InsufficientScopeError, parseBearerChallenge, parseScope } from '@portcullis/metadata';
import { type ChallengeContext, sendWireError } from '@portcullis/resource-server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { logDecision, overruleDecision } from './auth-decision.js';
import { ProxyError } from './errors.js';
import type { InFlight } from './in-flight.js';
import { JSONRPC_SERVER_ERROR, RETRY_AFTER_SECONDS, sendRpcError } from './jsonrpc.js';
import type { ProxyMetrics } from './metrics.js';
import { httpUpstreamOf, type ResolvedProxyOptions } from './options.js';
import { type UpstreamClient, UpstreamError, type UpstreamRequest } from './upstream.js';
import type { UpstreamExchange } from './upstream-exchange.js';

// Sending an authorized request to an HTTP upstream, shared by the MCP endpoint (forward.ts) and the legacy
// HTTP+SSE message route: the checks just before it leaves, and every answer the proxy gives instead of the
// upstream's (client gone, shutdown, upstream down or slow, the forwarded identity refused, step-up).

/** The scopes of an upstream `insufficient_scope` challenge, or `undefined` for any other answer. */
export function upstreamStepUp(
  status: number,
  headers: Record<string, string | string[] | undefined>,
): string[] | undefined {
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

/**
 * Answer an upstream `insufficient_scope` with the proxy's own step-up challenge (403, its scopes, the proxy's
 * `resource_metadata`), recording a deny `insufficient_scope` instead of the allow the proxy had decided.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#runtime-insufficient-scope-errors
 */
export function sendUpstreamStepUp(
  request: FastifyRequest,
  reply: FastifyReply,
  scopes: readonly string[],
  challenge: ChallengeContext,
): FastifyReply {
  overruleDecision(request, { decision: 'deny', reason: 'insufficient_scope' });
  const error = new InsufficientScopeError(scopes, 'the upstream MCP server needs more scopes');
  return sendWireError(reply, error, challenge);
}

/**
 * `true` when the client can no longer get an answer: its connection closed, or its response was ended.
 * (`request.raw.destroyed` says nothing here: a request is destroyed once its body has been read.)
 */
export function clientGone(reply: FastifyReply): boolean {
  const raw = reply.raw;
  return raw.destroyed || raw.writableEnded || raw.socket?.destroyed === true;
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

/** What {@link openExchange} works with. */
export interface ExchangeContext {
  readonly options: ResolvedProxyOptions;
  readonly upstream: UpstreamClient;
  readonly metrics: ProxyMetrics;
  readonly inFlight: InFlight;
  readonly challenge: ChallengeContext;
}

/**
 * Send an authorized request upstream (in flight, ended when the client goes away) and wait for the head of
 * its answer. The reply instead when the request is answered already: the client left during the checks
 * (nothing is sent), shutdown has ended (503), the upstream failed (502/504), refused the forwarded identity
 * (502) or asks for more scopes (the proxy's own step-up).
 */
export async function openExchange(
  request: FastifyRequest,
  reply: FastifyReply,
  context: ExchangeContext,
  forwarded: Omit<UpstreamRequest, 'signal'>,
  labels: { readonly failure: string; readonly identityTarget: string },
): Promise<UpstreamExchange | FastifyReply> {
  const { metrics, inFlight, upstream } = context;
  const raw = reply.raw;
  // Its close event may have passed during the checks' awaits: an answer would go nowhere, and an SSE
  // stream opened for it would never be ended.
  if (clientGone(reply)) {
    logDecision(request, metrics, undefined, reply.elapsedTime);
    return reply.hijack();
  }
  if (inFlight.closed) return sendShuttingDown(reply);
  const started = performance.now();
  const exchange = upstream.forward(forwarded);
  inFlight.add(exchange);
  raw.once('close', () => {
    if (!raw.writableFinished) exchange.end();
  });
  try {
    await exchange.head;
  } catch (error) {
    inFlight.delete(exchange);
    // The proxy ended it itself: the client left, or shutdown ended what was in flight. Not the upstream's fault.
    if (clientGone(reply)) {
      logDecision(request, metrics, undefined, reply.elapsedTime);
      return reply.hijack();
    }
    if (inFlight.closed) return sendShuttingDown(reply);
    return sendUpstreamFailure(request, reply, metrics, error, labels.failure);
  }
  const { status } = exchange;
  metrics.upstreamLatency.observe({ status: String(status) }, (performance.now() - started) / 1000);
  const scopes = upstreamStepUp(status, exchange.headers);
  if (status === 401 || scopes !== undefined) {
    exchange.discard();
    inFlight.delete(exchange);
    if (scopes !== undefined) return sendUpstreamStepUp(request, reply, scopes, context.challenge);
    return sendRejectedIdentity(request, reply, metrics, context.options, labels.identityTarget);
  }
  return exchange;
}

/**
 * Answer 503 (`Retry-After: 5`, `Connection: close`) to a request that shutdown ended: one that reached its
 * handler after the drain, or a stdio request still waiting for its child when the drain timed out.
 */
export function sendShuttingDown(reply: FastifyReply): FastifyReply {
  // Else the connection stays open for more requests, and the server's close waits for it.
  reply.header('connection', 'close');
  reply.header('retry-after', RETRY_AFTER_SECONDS);
  return sendRpcError(reply, 503, JSONRPC_SERVER_ERROR, 'the proxy is shutting down; retry later');
}
