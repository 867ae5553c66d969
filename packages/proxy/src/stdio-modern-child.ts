import {
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResponse,
  type JSONRPCMessage,
  type ServerCapabilities,
} from '@modelcontextprotocol/server';
import { JSONRPC_SERVER_ERROR } from './jsonrpc.js';
import { describeExit, type StdioProcess } from './stdio-process.js';

type RequestId = string | number;
type Notify = (notification: { method: string; params?: Record<string, unknown> }) => Promise<void>;

/** What a child said about itself in its `initialize` answer. */
export interface ChildInfo {
  readonly serverInfo: { name: string; version: string };
  readonly capabilities: ServerCapabilities;
  readonly instructions: string | undefined;
}

/** A JSON-RPC error the SDK's handler relays as it is (`code`, `message`, `data`). */
export class ChildRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/** The change notifications 2026-07-28 delivers on `subscriptions/listen` streams, not to requests. */
const CHANGE_NOTIFICATIONS = new Set([
  'notifications/tools/list_changed',
  'notifications/prompts/list_changed',
  'notifications/resources/list_changed',
  'notifications/resources/updated',
]);

/** A change notification of the child (one of {@link CHANGE_NOTIFICATIONS}). */
export interface ChildChange {
  readonly method: string;
  readonly params: Record<string, unknown> | undefined;
}

/**
 * One child for one caller's 2026-07-28 requests: initialized once in the 2025 handshake with no client
 * capabilities (so it sends no sampling, elicitation or roots requests, which a stateless request cannot
 * answer), then sent each request under an id of its own. Progress notifications go back to the request
 * that set the token; change notifications (list changes, resource updates) to {@link onChange}; other
 * notifications to the only request in flight. Resource subscriptions at the child are counted, so that
 * several listen streams share one.
 */
export class ModernChild {
  readonly #pending = new Map<
    RequestId,
    { settle: (message: JSONRPCMessage) => void; notify: Notify; token: unknown }
  >();
  /** Listen streams per subscribed resource URI. */
  readonly #subscriptions = new Map<string, number>();
  #next = 1;
  idle: NodeJS.Timeout | undefined;
  /** Where change notifications go. */
  onChange: ((change: ChildChange) => void) | undefined;

  constructor(
    readonly process: StdioProcess,
    readonly info: ChildInfo,
  ) {
    process.onmessage = (message) => this.#fromChild(message);
    void process.exited.then((exit) => {
      const error = {
        code: JSONRPC_SERVER_ERROR,
        message: `the stdio MCP server exited (${describeExit(exit)}) before answering`,
      };
      for (const [id, pending] of this.#pending) pending.settle({ jsonrpc: '2.0', id, error });
      this.#pending.clear();
    });
  }

  /** Send one request; its result, or a thrown JSON-RPC error (the child's own, or a cancellation). */
  async request(
    method: string,
    params: Record<string, unknown> | undefined,
    signal: AbortSignal,
    notify: Notify,
  ) {
    const id = `portcullis-${this.#next++}`;
    const token = (params?._meta as { progressToken?: unknown } | undefined)?.progressToken;
    const answer = new Promise<JSONRPCMessage>((settle) => this.#pending.set(id, { settle, notify, token }));
    const onAbort = () => {
      const pending = this.#pending.get(id);
      if (pending === undefined) return;
      this.#pending.delete(id);
      this.process.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id } });
      // Nobody reads this answer any more (the client went away or the SDK aborted); it ends the wait.
      pending.settle({
        jsonrpc: '2.0',
        id,
        error: { code: JSONRPC_SERVER_ERROR, message: 'request cancelled' },
      });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) queueMicrotask(onAbort);
    this.process.send({
      jsonrpc: '2.0',
      id,
      method,
      ...(params === undefined ? {} : { params }),
    } as JSONRPCMessage);
    try {
      const message = (await answer) as {
        result?: Record<string, unknown>;
        error?: { code: number; message: string; data?: unknown };
      };
      if (message.error !== undefined)
        throw new ChildRpcError(message.error.code, message.error.message, message.error.data);
      return message.result ?? {};
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Subscribe to `uris` at the child (`resources/subscribe`) where no listen stream has yet; all or none.
   * @throws {ChildRpcError} the child's refusal of one of them (the others are given back).
   */
  async subscribe(uris: readonly string[], signal: AbortSignal): Promise<void> {
    const taken: string[] = [];
    try {
      for (const uri of uris) {
        const count = this.#subscriptions.get(uri) ?? 0;
        if (count === 0) await this.request('resources/subscribe', { uri }, signal, async () => {});
        this.#subscriptions.set(uri, (this.#subscriptions.get(uri) ?? 0) + 1);
        taken.push(uri);
      }
    } catch (error) {
      this.unsubscribe(taken);
      throw error;
    }
  }

  /** Give back {@link subscribe}'s `uris`; the last stream of a URI unsubscribes at the child. */
  unsubscribe(uris: readonly string[]): void {
    for (const uri of uris) {
      const count = (this.#subscriptions.get(uri) ?? 0) - 1;
      if (count > 0) {
        this.#subscriptions.set(uri, count);
        continue;
      }
      this.#subscriptions.delete(uri);
      // Fire and forget: its answer matches no pending request and is dropped.
      const id = `portcullis-${this.#next++}`;
      this.process.send({ jsonrpc: '2.0', id, method: 'resources/unsubscribe', params: { uri } });
    }
  }

  #fromChild(message: JSONRPCMessage): void {
    if (isJSONRPCResponse(message) || 'error' in message) {
      const id = (message as { id?: RequestId }).id;
      const pending = id === undefined ? undefined : this.#pending.get(id);
      if (id !== undefined && pending !== undefined) {
        this.#pending.delete(id);
        pending.settle(message);
      }
      return;
    }
    if (isJSONRPCRequest(message)) {
      // ping is answered; anything else needs a client capability this bridge did not declare.
      const reply =
        message.method === 'ping'
          ? { jsonrpc: '2.0' as const, id: message.id, result: {} }
          : {
              jsonrpc: '2.0' as const,
              id: message.id,
              error: {
                code: -32601,
                message: `${message.method} is not available through the proxy's 2026-07-28 bridge`,
              },
            };
      this.process.send(reply as JSONRPCMessage);
      return;
    }
    if (!isJSONRPCNotification(message)) return;
    const params = message.params as Record<string, unknown> | undefined;
    if (CHANGE_NOTIFICATIONS.has(message.method)) {
      this.onChange?.({ method: message.method, params });
      return;
    }
    let target = [...this.#pending.values()].find(
      (p) => p.token !== undefined && p.token === params?.progressToken,
    );
    if (target === undefined && message.method !== 'notifications/progress' && this.#pending.size === 1) {
      target = this.#pending.values().next().value;
    }
    void target
      ?.notify({ method: message.method, ...(params === undefined ? {} : { params }) })
      .catch(() => {});
  }
}
