import type { AuthInfo } from '@modelcontextprotocol/server';
import { sessionOwner } from '@portcullis/resource-server';
import type { Store } from './store.js';

const PREFIX = 'mcp-session:';

/**
 * Binds each upstream 2025-era `Mcp-Session-Id` to the caller (issuer, subject, client) whose request
 * created it. A session id is never authentication: presented by anyone else it is unknown.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/security_best_practices#session-hijacking
 */
export class SessionBindings {
  constructor(
    private readonly store: Store,
    private readonly idleMs: number,
  ) {}

  /** `true` when `sessionId` is bound to the caller of `auth`; refreshes the binding's idle timer. */
  async owns(sessionId: string, auth: AuthInfo | undefined): Promise<boolean> {
    const owner = await this.store.get(PREFIX + sessionId);
    if (owner === undefined || owner !== sessionOwner(auth)) return false;
    await this.store.set(PREFIX + sessionId, owner, this.idleMs);
    return true;
  }

  /**
   * Bind a session id the upstream just issued. Returns `false` (and changes nothing) when the id is already
   * bound to another caller.
   */
  async bind(sessionId: string, auth: AuthInfo | undefined): Promise<boolean> {
    const owner = sessionOwner(auth);
    const current = await this.store.get(PREFIX + sessionId);
    if (current !== undefined && current !== owner) return false;
    await this.store.set(PREFIX + sessionId, owner, this.idleMs);
    return true;
  }

  /** Forget a session (after `DELETE`, or when the upstream no longer knows it). */
  async release(sessionId: string): Promise<void> {
    await this.store.delete(PREFIX + sessionId);
  }
}
