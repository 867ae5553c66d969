import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { AuthInfo, JSONRPCMessage } from '@modelcontextprotocol/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { logDecision } from './auth-decision.js';
import { single } from './forward-headers.js';
import type { InFlight, InFlightEntry } from './in-flight.js';
import {
  JSONRPC_SERVER_ERROR,
  MCP_SESSION_NOT_FOUND,
  RETRY_AFTER_SECONDS,
  readMcpBody,
  sendRpcError,
} from './jsonrpc.js';
import type { ProxyMetrics } from './metrics.js';
import type { ResolvedProxyOptions } from './options.js';
import type { ModernCaller, ModernStdioBridge } from './stdio-modern.js';
import { describeExit } from './stdio-process.js';
import { StdioSession, type ToolGate } from './stdio-session.js';
import { StdioSessionError, type StdioSessions } from './stdio-sessions.js';
import { isOpenEndedStream, type StreamTokenGuard } from './stream-token.js';
import { clientGone, sendShuttingDown } from './upstream-request.js';

/** The request headers the SDK's session transport and modern handler read. */
const TRANSPORT_HEADERS = [
  'accept',
  'content-type',
  'mcp-session-id',
  'mcp-protocol-version',
  'mcp-method',
  'mcp-name',
  'last-event-id',
];

/** What the stdio handler works with. */
export interface StdioHandlerContext {
  readonly options: ResolvedProxyOptions;
  readonly stdio: StdioSessions;
  readonly modern: ModernStdioBridge;
  /** Filters `tools/list` answers by the caller's scopes; `undefined` when `upstream.filterToolsList` is off. */
  readonly toolGate: ToolGate | undefined;
  readonly metrics: ProxyMetrics;
  readonly inFlight: InFlight;
  readonly streamTokens: StreamTokenGuard;
}

/** The Fastify request as a web `Request` for the SDK transport (the body is passed already parsed). */
function webRequest(request: FastifyRequest, path: string): Request {
  const headers = new Headers();
  for (const name of TRANSPORT_HEADERS) {
    const value = single(request.headers[name]);
    if (value !== undefined) headers.set(name, value);
  }
  return new Request(`http://stdio.invalid${path}`, { method: request.method, headers });
}

/** Give up on a client that left: there is nobody to answer (the decision is logged without a status). */
function abandon(reply: FastifyReply, metrics: ProxyMetrics): FastifyReply {
  logDecision(reply.request, metrics, undefined, reply.elapsedTime);
  return reply.hijack();
}

/**
 * Write the transport's answer, streaming an SSE body as it comes; shutdown may end it. For a client that
 * left meanwhile the body is cancelled instead, which ends what feeds it (the SDK's stream, a listen
 * stream's subscriptions at the child).
 */
function sendResponse(reply: FastifyReply, response: Response, context: StdioHandlerContext): void {
  const raw = reply.raw;
  if (clientGone(reply)) {
    response.body?.cancel().catch(() => {});
    abandon(reply, context.metrics);
    return;
  }
  logDecision(reply.request, context.metrics, response.status, reply.elapsedTime);
  reply.hijack();
  raw.writeHead(response.status, {
    ...(reply.getHeaders() as Record<string, string>),
    ...Object.fromEntries(response.headers),
  });
  raw.flushHeaders();
  if (response.body === null) {
    raw.end();
    return;
  }
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  const streaming = (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
  const live: InFlightEntry = {
    end: () => {
      body.unpipe(raw);
      raw.end();
      body.destroy();
    },
  };
  context.inFlight.add(live);
  if (streaming) context.metrics.openStreams.inc();
  const unwatch =
    streaming && isOpenEndedStream(reply.request)
      ? context.streamTokens.watch(reply.request, live.end)
      : undefined;
  body.once('close', () => {
    unwatch?.();
    context.inFlight.delete(live);
    if (streaming) context.metrics.openStreams.dec();
  });
  body.once('error', () => raw.destroy());
  raw.once('close', () => body.destroy());
  body.pipe(raw);
}

/** Answer a child that could not be started or initialized: 503 at a limit, else 502 or 504. */
function sendStdioError(request: FastifyRequest, reply: FastifyReply, metrics: ProxyMetrics, error: unknown) {
  if (!(error instanceof StdioSessionError)) throw error;
  metrics.upstreamErrors.inc({ kind: error.kind });
  request.log[error.status === 503 ? 'warn' : 'error']({ err: error }, 'stdio upstream: no child');
  if (clientGone(reply)) return abandon(reply, metrics);
  if (error.status === 503) reply.header('retry-after', RETRY_AFTER_SECONDS);
  return sendRpcError(reply, error.status, JSONRPC_SERVER_ERROR, error.publicMessage);
}

/**
 * The MCP endpoint's handler for a stdio upstream (after authentication, scopes and the session binding
 * check): `initialize` without a session spawns a child and opens a session bound to the caller; requests
 * with a session id go to that session's transport; `DELETE` ends the session and its child. 2026-07-28
 * (stateless) requests go to the caller's child of the {@link ModernStdioBridge}. Every request counts as
 * in flight from the start, so that shutdown waits for it (`shutdown.drainTimeoutMs`) and then ends it,
 * whether its child is still starting or working; nothing is started for a client that left during the checks.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#session-management
 */
export function createStdioHandler(context: StdioHandlerContext) {
  const { inFlight, metrics } = context;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (clientGone(reply)) return abandon(reply, metrics);
    const gone = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) gone.abort();
    });
    const pending: InFlightEntry = {
      end: () => {
        gone.abort();
        // Only a request without an answer yet (its child is starting or working) gets the 503.
        if (reply.raw.headersSent || clientGone(reply)) return;
        logDecision(request, metrics, 503, reply.elapsedTime);
        sendShuttingDown(reply);
      },
    };
    inFlight.add(pending);
    // Added after the drain, it was ended at once (503 sent): start no child for it.
    if (inFlight.closed) return reply;
    try {
      return await serve(request, reply, gone, context);
    } finally {
      inFlight.delete(pending);
    }
  };
}

async function serve(
  request: FastifyRequest,
  reply: FastifyReply,
  gone: AbortController,
  context: StdioHandlerContext,
) {
  const { options, stdio, metrics } = context;
  const sessionId = single(request.headers['mcp-session-id']);
  const body = request.method === 'POST' ? readMcpBody(request.body) : undefined;
  if (body?.modernVersion !== undefined) {
    let caller: ModernCaller;
    try {
      caller = await context.modern.callerFor(request.mcpAuth);
    } catch (error) {
      return sendStdioError(request, reply, metrics, error);
    }
    const response = await context.modern.handle(
      caller,
      webRequest(request, options.mcpPath),
      request.mcpAuth as AuthInfo,
      request.body,
      gone.signal,
    );
    sendResponse(reply, response, context);
    return reply;
  }
  let session: StdioSession | JSONRPCMessage | undefined;
  if (sessionId === undefined) {
    const first = body?.batch === false ? body.messages[0] : undefined;
    const id = first?.id;
    if (first?.method !== 'initialize' || id === undefined || id === null) {
      return sendRpcError(
        reply,
        400,
        JSONRPC_SERVER_ERROR,
        'Bad Request: Mcp-Session-Id header is required (a stdio upstream needs initialize first)',
      );
    }
    try {
      session = await stdio.open({ ...first, id }, request.mcpAuth);
    } catch (error) {
      return sendStdioError(request, reply, metrics, error);
    }
  } else {
    session = stdio.get(sessionId);
    if (session === undefined) {
      return sendRpcError(reply, 404, MCP_SESSION_NOT_FOUND, 'Session not found');
    }
    if (session.crashed !== undefined) {
      const exit = describeExit(session.crashed);
      await stdio.end(sessionId);
      metrics.upstreamErrors.inc({ kind: 'exited' });
      if (clientGone(reply)) return abandon(reply, metrics);
      return sendRpcError(
        reply,
        502,
        JSONRPC_SERVER_ERROR,
        `the stdio MCP server of this session exited (${exit}); start a new session`,
      );
    }
  }
  if (!(session instanceof StdioSession)) {
    if (clientGone(reply)) return abandon(reply, metrics);
    return reply.type('application/json').send(session);
  }
  if (sessionId === undefined && clientGone(reply)) {
    // Nobody learns this session's id: end it now rather than keep its child until sessions.idleMs.
    await stdio.end(session.id);
    return abandon(reply, metrics);
  }
  const gate = context.toolGate;
  const response = await session.handle(
    webRequest(request, options.mcpPath),
    request.method === 'POST' ? request.body : undefined,
    body?.messages ?? [],
    gate === undefined ? undefined : { granted: request.mcpAuth?.scopes ?? [], gate },
  );
  if (request.method === 'DELETE' && response.ok) await session.end();
  sendResponse(reply, response, context);
  return reply;
}
