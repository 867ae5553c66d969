import {
  createRequestStateCodec,
  type RequestStateCodec,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { CallerIdentity } from './token-verifier.js';

/** Options of {@link createUserBoundRequestState}. */
export interface UserBoundRequestStateOptions {
  /**
   * HMAC key, at least 32 bytes. Every instance that may receive an echoed state needs the same key; a
   * per-process random key only works when one process serves every round of a flow.
   */
  readonly key: Uint8Array | string;
  /** How long a minted state stays valid, in seconds. Default 600 (the SDK's default). */
  readonly ttlSeconds?: number;
}

/**
 * The caller a request runs for, as the kit verified it: issuer, subject and client of the access token, plus
 * the MCP method. Empty parts when the request carried no verified identity.
 */
export function requestStateBinding(ctx: ServerContext): string {
  const auth = ctx.http?.authInfo;
  const identity = (auth?.extra ?? {}) as Partial<CallerIdentity>;
  return [ctx.mcpReq.method, identity.issuer ?? '', identity.subject ?? '', auth?.clientId ?? ''].join('\0');
}

/**
 * An HMAC codec for the 2026-07-28 multi-round-trip `requestState` whose values are bound to the user who
 * caused them to be minted: a state echoed with another user's token (or another client's) is refused by the
 * SDK with `-32602 "Invalid or expired requestState"` before the handler runs. Pass `codec.verify` as the
 * server's `requestState.verify` option and mint with `codec.mint(payload, ctx)`.
 *
 * Possession of a server-minted handle is never authentication: the handle proves integrity, the bearer token
 * proves who is calling, and the binding ties the two together.
 * @see MCP 2026-07-28 Security Best Practices §State Handle Hijacking; basic/patterns/mrtr (server requirements)
 */
export function createUserBoundRequestState<T = unknown>(
  options: UserBoundRequestStateOptions,
): RequestStateCodec<T> {
  return createRequestStateCodec<T>({
    key: options.key,
    ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds }),
    bind: requestStateBinding,
  });
}
