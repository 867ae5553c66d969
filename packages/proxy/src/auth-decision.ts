import type { AuthInfo } from '@modelcontextprotocol/server';
import type { CallerIdentity } from '@portcullis/resource-server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ProxyMetrics } from './metrics.js';

/** The outcome of the authorization checks for one MCP request. */
export interface AuthDecision {
  readonly decision: 'allow' | 'deny';
  /** `scopes_satisfied`, `no_token`, `invalid_token`, `invalid_request`, `insufficient_scope`, … */
  readonly reason: string;
}

/** What the MCP request asked for, once its body was read. */
export interface McpCall {
  readonly method: string | undefined;
  readonly tool: string | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The decision for this request (set once; only a pending allow may be overruled). */
    authDecision: AuthDecision | undefined;
    /** The JSON-RPC method and tool of the request, when known. */
    mcpCall: McpCall | undefined;
    /** `false` while an allow waits for {@link logDecision}; `undefined` when the decision was logged at once. */
    decisionLogged: boolean | undefined;
  }
}

/**
 * The auth-decision log event: one per MCP request, with the caller, the audience, the scopes, the method
 * and tool, the decision and its reason, and the token's fingerprint (never the token).
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations#token-theft
 */
export interface AuthDecisionEvent extends AuthDecision {
  readonly event: 'auth_decision';
  readonly status: number | undefined;
  readonly subject: string | undefined;
  readonly clientId: string | undefined;
  readonly issuer: string | undefined;
  readonly aud: unknown;
  readonly scopes: readonly string[] | undefined;
  readonly method: string;
  readonly tool: string | undefined;
  readonly tokenSha256: string | undefined;
  /** The request line (the logger's `req` serializer: id, method, URL with secret query values redacted). */
  readonly req: FastifyRequest;
  /** Milliseconds to the response head, for a decision logged when the head leaves. */
  readonly responseTime: number | undefined;
}

/** Build the event for `request`. */
export function authDecisionEvent(
  request: FastifyRequest,
  decision: AuthDecision,
  status?: number,
  responseTime?: number,
): AuthDecisionEvent {
  const auth: AuthInfo | undefined = request.mcpAuth;
  const identity = auth?.extra as Partial<CallerIdentity> | undefined;
  return {
    event: 'auth_decision',
    ...decision,
    status,
    subject: identity?.subject,
    clientId: auth?.clientId,
    issuer: identity?.issuer,
    aud: identity?.claims?.aud,
    scopes: auth?.scopes,
    method: request.mcpCall?.method ?? request.method,
    tool: request.mcpCall?.tool,
    tokenSha256: auth?.token,
    req: request,
    responseTime,
  };
}

/** Record the decision for `request` (only the first call counts), count it and log it. */
export function decide(
  request: FastifyRequest,
  metrics: ProxyMetrics,
  decision: AuthDecision,
  status?: number,
): void {
  if (request.authDecision !== undefined) return;
  request.authDecision = decision;
  metrics.authDecisions.inc({ decision: decision.decision, reason: decision.reason });
  request.log.info(authDecisionEvent(request, decision, status), 'authorization decision');
}

const ALLOWED: AuthDecision = Object.freeze({ decision: 'allow', reason: 'scopes_satisfied' });

/**
 * Allow `request` (unless a decision was recorded already), counting and logging the decision only once the
 * status of its answer is known ({@link logDecision}), so that the event doubles as the request's access-log
 * line and {@link overruleDecision} can still turn it into a deny. A response that closes before that (the
 * client left) logs it then, without a status.
 */
export function allowAtHead(request: FastifyRequest, reply: FastifyReply, metrics: ProxyMetrics): void {
  if (request.authDecision !== undefined) return;
  request.authDecision = ALLOWED;
  request.decisionLogged = false;
  const raw = reply.raw;
  const closed = () =>
    logDecision(request, metrics, raw.headersSent ? raw.statusCode : undefined, reply.elapsedTime);
  if (raw.destroyed) closed();
  else raw.once('close', closed);
}

/**
 * Replace an allow that {@link allowAtHead} has not logged yet with `decision`: for a call the upstream refused
 * itself (its `insufficient_scope`), so that the event and the metric say what the client got. A no-op once
 * the decision is logged.
 */
export function overruleDecision(request: FastifyRequest, decision: AuthDecision): void {
  if (request.decisionLogged === false) request.authDecision = decision;
}

/**
 * Count and log the decision {@link allowAtHead} kept for the response head, with the request line, the status
 * and the time to the head (`responseTime`, ms); a no-op for any other request and after the first call.
 */
export function logDecision(
  request: FastifyRequest,
  metrics: ProxyMetrics,
  status: number | undefined,
  responseTime: number,
): void {
  const decision = request.authDecision;
  if (request.decisionLogged !== false || decision === undefined) return;
  request.decisionLogged = true;
  metrics.authDecisions.inc({ decision: decision.decision, reason: decision.reason });
  request.log.info(authDecisionEvent(request, decision, status, responseTime), 'authorization decision');
}

/** A reason for a response that was refused before any decision was recorded (guards, body limits). */
export function reasonForStatus(status: number): string {
  if (status === 403) return 'host_not_allowed';
  if (status === 413) return 'body_too_large';
  if (status === 415) return 'unsupported_media_type';
  if (status === 503) return 'shutting_down';
  return status >= 500 ? 'proxy_error' : 'invalid_request';
}
