import type { AuthInfo } from '@modelcontextprotocol/server';
import { sessionOwner } from '@portcullis/resource-server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StoreUnavailableError } from './errors.js';
import { JSONRPC_SERVER_ERROR, RETRY_AFTER_SECONDS, sendRpcError } from './jsonrpc.js';
import type { Store } from './store.js';

/** The store namespace of the session bindings. */
export const SESSION_NAMESPACE = 'mcp-session';

/** The longest session id the proxy binds: store keys have at most 1024 characters. */
export const MAX_SESSION_ID_LENGTH = 1024;

const BINDABLE = new RegExp(`^[\\x21-\\x7E]{1,${MAX_SESSION_ID_LENGTH}}$`);

/**
 * `true` when `sessionId` can be a binding's key: 1 to {@link MAX_SESSION_ID_LENGTH} visible ASCII characters
 * (0x21–0x7E), the only characters an MCP session id may contain.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#session-management
 */
export function isBindableSessionId(sessionId: string): boolean {
  return BINDABLE.test(sessionId);
}

/**
 * Binds each upstream 2025-era `Mcp-Session-Id` to the caller (issuer, subject, client) whose request
 * created it, in the {@link Store} (namespace `mcp-session`, TTL = the session idle time, refreshed on use).
 * With a shared store every proxy replica knows every binding. A session id is never authentication:
 * presented by anyone else it is unknown. Store failures reject with `StoreUnavailableError` (503).
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/security_best_practices#session-hijacking
 */
export class SessionBindings {
  constructor(
    private readonly store: Store,
    private readonly idleMs: number,
  ) {}

  /**
   * `true` when `sessionId` is bound to the caller of `auth`; refreshes the binding's idle timer. An id that
   * cannot be bound ({@link isBindableSessionId}) is unknown.
   */
  async owns(sessionId: string, auth: AuthInfo | undefined): Promise<boolean> {
    if (!isBindableSessionId(sessionId)) return false;
    const owner = await this.store.get(SESSION_NAMESPACE, sessionId);
    if (owner === undefined || owner !== sessionOwner(auth)) return false;
    return this.store.touch(SESSION_NAMESPACE, sessionId, this.idleMs);
  }

  /**
   * Bind a session id the upstream just issued (atomically: of two replicas binding the same id, one wins).
   * Returns `false` (and changes nothing) when the id is already bound to another caller. Throws a `TypeError`
   * for an id that cannot be bound: check it with {@link isBindableSessionId} first.
   */
  async bind(sessionId: string, auth: AuthInfo | undefined): Promise<boolean> {
    const owner = sessionOwner(auth);
    if (await this.store.setIfAbsent(SESSION_NAMESPACE, sessionId, owner, this.idleMs)) return true;
    return this.owns(sessionId, auth);
  }

  /**
   * Keep the binding of `sessionId` alive while a stream of its session is open: refresh its idle timer every
   * half idle time until the returned function is called. A failed refresh goes to `onError` (the binding
   * then expires as it would have without the stream).
   */
  hold(sessionId: string, onError: (error: unknown) => void): () => void {
    const timer = setInterval(
      () => {
        Promise.resolve()
          .then(() => this.store.touch(SESSION_NAMESPACE, sessionId, this.idleMs))
          .catch(onError);
      },
      Math.max(1, Math.floor(this.idleMs / 2)),
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Forget a session (after `DELETE`, or when the upstream no longer knows it). */
  async release(sessionId: string): Promise<void> {
    if (!isBindableSessionId(sessionId)) return;
    await this.store.delete(SESSION_NAMESPACE, sessionId);
  }
}

/**
 * Answer 503 with a JSON-RPC error (`-32000`) and `Retry-After: 5` because the state store is unavailable,
 * and log the error (no credentials: the store URL is redacted).
 */
export function sendStoreUnavailable(
  request: FastifyRequest,
  reply: FastifyReply,
  error: StoreUnavailableError,
): FastifyReply {
  request.log.warn({ err: error, code: error.code }, 'state store unavailable');
  reply.header('retry-after', RETRY_AFTER_SECONDS);
  return sendRpcError(
    reply,
    503,
    JSONRPC_SERVER_ERROR,
    'the proxy cannot reach its state store; retry later',
  );
}
