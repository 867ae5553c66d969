import { randomUUID } from 'node:crypto';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { sessionOwner } from '@portcullis/resource-server';

/** One open HTTP+SSE session: who opened the stream, and where the upstream wants its messages. */
export interface LegacySseSession {
  readonly owner: string;
  /** Path and query of the upstream's message URL (from its `endpoint` event), on the upstream origin. */
  readonly target: string;
}

/**
 * The open HTTP+SSE (2024-11-05) sessions of this process, under ids the proxy mints itself: the client never
 * sees the upstream's session id or message URL. A session lives exactly as long as its SSE stream, and a
 * session id is never authentication: presented with another caller's token it is unknown (PX-11).
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/security_best_practices#session-hijacking
 */
export class LegacySseSessions {
  readonly #sessions = new Map<string, LegacySseSession>();

  /** Number of open sessions. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Record a session for the caller of `auth`; returns its new, unguessable id. */
  open(auth: AuthInfo | undefined, target: string): string {
    const id = randomUUID();
    this.#sessions.set(id, { owner: sessionOwner(auth), target });
    return id;
  }

  /** The session `id` when it belongs to the caller of `auth`, else `undefined`. */
  find(id: unknown, auth: AuthInfo | undefined): LegacySseSession | undefined {
    if (typeof id !== 'string') return undefined;
    const session = this.#sessions.get(id);
    return session !== undefined && session.owner === sessionOwner(auth) ? session : undefined;
  }

  /** Forget a session (its stream ended). */
  close(id: string): void {
    this.#sessions.delete(id);
  }
}
