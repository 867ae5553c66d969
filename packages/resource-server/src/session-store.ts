import { randomBytes } from 'node:crypto';
import type { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import type { AuthInfo, McpServer } from '@modelcontextprotocol/server';

/** One 2025-era Streamable HTTP session, bound to the caller that opened it. */
export interface McpSession {
  readonly id: string;
  /** {@link sessionOwner} of the caller that sent `initialize`. */
  readonly owner: string;
  readonly transport: NodeStreamableHTTPServerTransport;
  readonly server: McpServer;
  lastSeen: number;
}

/**
 * A new session id: 256 random bits, base64url (43 visible ASCII characters, 0x21–0x7E only).
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#session-management
 */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Who a session belongs to: issuer, subject and client of the token that opened it. A session id presented
 * with a token of another user or client is treated as unknown.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/security_best_practices#session-hijacking
 */
export function sessionOwner(auth: AuthInfo | undefined): string {
  if (auth === undefined) return 'anonymous';
  const extra = auth.extra ?? {};
  return JSON.stringify([extra.issuer ?? null, extra.subject ?? null, auth.clientId]);
}

/** The live sessions of one resource server, with an idle limit and a size limit. */
export class SessionStore {
  readonly #sessions = new Map<string, McpSession>();
  readonly #timer: NodeJS.Timeout;

  /** @param now the clock of `lastSeen` and {@link sweep}, in epoch milliseconds; default `Date.now()`. */
  constructor(
    readonly max: number,
    readonly idleMs: number,
    readonly now: () => number = () => Date.now(),
  ) {
    this.#timer = setInterval(() => this.sweep(), Math.min(idleMs, 60_000));
    this.#timer.unref();
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** How many live sessions `owner` holds. */
  countFor(owner: string): number {
    let count = 0;
    for (const session of this.#sessions.values()) if (session.owner === owner) count++;
    return count;
  }

  /** The session `id` if it exists and belongs to `owner`; `undefined` otherwise (including hijack attempts). */
  find(id: string, owner: string): McpSession | undefined {
    const session = this.#sessions.get(id);
    if (session === undefined || session.owner !== owner) return undefined;
    session.lastSeen = this.now();
    return session;
  }

  add(session: McpSession): void {
    this.#sessions.set(session.id, session);
  }

  delete(id: string | undefined): void {
    if (id !== undefined) this.#sessions.delete(id);
  }

  /** Close sessions idle for longer than `idleMs`. */
  sweep(now = this.now()): void {
    for (const session of this.#sessions.values()) {
      if (now - session.lastSeen > this.idleMs) void this.#close(session);
    }
  }

  async closeAll(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all([...this.#sessions.values()].map((s) => this.#close(s)));
  }

  async #close(session: McpSession): Promise<void> {
    this.#sessions.delete(session.id);
    await session.transport.close().catch(() => undefined);
    await session.server.close().catch(() => undefined);
  }
}
