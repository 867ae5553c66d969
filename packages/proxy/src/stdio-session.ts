import {
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResponse,
  type JSONRPCMessage,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import type { FastifyBaseLogger } from 'fastify';
import { JSONRPC_SERVER_ERROR, type RpcMessage } from './jsonrpc.js';
import { describeExit, type StdioExit, type StdioProcess } from './stdio-process.js';

type RequestId = string | number;

/** Whether a token granted `granted` may call `tool` (the RS kit's scope policy). */
export type ToolGate = (granted: readonly string[], tool: string) => boolean;

/** How the `tools/list` answers of one request are filtered: the sending token's scopes and the policy. */
export interface ToolListFilter {
  readonly granted: readonly string[];
  readonly gate: ToolGate;
}

/**
 * A `tools/list` result with only the tools `granted` may call; anything else is returned as it is.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/server/tools#listing-tools
 */
export function gateToolsList<T>(result: T, granted: readonly string[], gate: ToolGate): T {
  const tools = (result as { tools?: unknown } | null | undefined)?.tools;
  if (!Array.isArray(tools)) return result;
  const kept = tools.filter((tool) => {
    const name = (tool as { name?: unknown } | null)?.name;
    return typeof name === 'string' && gate(granted, name);
  });
  return { ...result, tools: kept };
}

function progressTokenOf(message: JSONRPCMessage): unknown {
  const meta = (message as { params?: { _meta?: { progressToken?: unknown } } }).params?._meta;
  return meta?.progressToken;
}

/**
 * One 2025-era MCP session of a stdio upstream: the SDK's Streamable HTTP server transport toward the
 * client (session id, SSE streams, `GET` stream, `DELETE`, protocol-version checks) bridged message for
 * message to one child process. Responses go to the stream of their request; the child's notifications and
 * requests go to the stream of the request they belong to (by progress token, or the only request in
 * flight), else to the session's `GET` stream.
 */
export class StdioSession {
  readonly transport: WebStandardStreamableHTTPServerTransport;
  /** Set when the child exited on its own: the session is over and the next request gets 502. */
  crashed: StdioExit | undefined;
  /** Called once when the session ends (DELETE, idle, shutdown); not after a crash. */
  onend: (() => void) | undefined;
  readonly #pending = new Map<RequestId, unknown>();
  /** `tools/list` requests in flight whose answers are filtered, with the sending token's scopes. */
  readonly #toolLists = new Map<RequestId, ToolListFilter>();
  #initialize: { id: RequestId; response: JSONRPCMessage } | undefined;
  #ended: Promise<void> | undefined;

  constructor(
    readonly id: string,
    readonly child: StdioProcess,
    initialize: { id: RequestId; response: JSONRPCMessage },
    private readonly log: FastifyBaseLogger,
  ) {
    this.#initialize = initialize;
    this.transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: () => id });
    this.transport.onmessage = (message) => this.#fromClient(message);
    this.transport.onerror = (error) => log.debug({ err: error, pid: child.pid }, 'stdio session transport');
    this.transport.onclose = () => {
      if (this.crashed === undefined) void this.end();
    };
    child.onmessage = (message) => this.#fromChild(message);
    void child.exited.then((exit) => {
      if (!child.stopping) void this.#crash(exit);
    });
  }

  /** Stop the child and close the transport (ends its streams). Idempotent; resolves once the child is gone. */
  end(): Promise<void> {
    // Deferred a microtask so that the transport's onclose, called from close(), finds #ended set.
    this.#ended ??= Promise.resolve().then(async () => {
      this.onend?.();
      await this.transport.close();
      await this.child.stop();
    });
    return this.#ended;
  }

  #send(message: JSONRPCMessage, relatedRequestId?: RequestId): void {
    const options = relatedRequestId === undefined ? undefined : { relatedRequestId };
    this.transport.send(message, options).catch((error: unknown) => {
      this.log.debug({ err: error, pid: this.child.pid }, 'stdio message not deliverable to the client');
    });
  }

  #fromClient(message: JSONRPCMessage): void {
    if (isJSONRPCRequest(message)) {
      const init = this.#initialize;
      if (message.method === 'initialize' && init !== undefined && message.id === init.id) {
        // The child answered this initialize before the session existed (start-up checks).
        this.#initialize = undefined;
        this.#send(init.response);
        return;
      }
      this.#pending.set(message.id, progressTokenOf(message));
    } else if (isJSONRPCNotification(message) && message.method === 'notifications/cancelled') {
      const cancelled = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      if (cancelled !== undefined) this.#pending.delete(cancelled);
    }
    this.child.send(message);
  }

  /**
   * Hand one client request (its body already parsed into `messages`) to the transport. With `filter`, the
   * answers to the `tools/list` requests among `messages` keep only the tools the token may call. When the
   * transport refuses the request (406, 400…), nothing reached the child and nothing will answer them, so
   * those expectations are dropped again.
   */
  async handle(
    request: Request,
    parsedBody: unknown,
    messages: readonly RpcMessage[],
    filter: ToolListFilter | undefined,
  ): Promise<Response> {
    const lists: RequestId[] = [];
    if (filter !== undefined) {
      for (const { method, id } of messages) {
        if (method !== 'tools/list' || id === undefined || id === null) continue;
        lists.push(id);
        this.#toolLists.set(id, filter);
      }
    }
    const response = await this.transport.handleRequest(request, { parsedBody });
    if (!response.ok) for (const id of lists) this.#toolLists.delete(id);
    return response;
  }

  /** `tools/list` requests sent to the child whose answers are still awaited for filtering (diagnostics). */
  get filteredToolLists(): number {
    return this.#toolLists.size;
  }

  #fromChild(message: JSONRPCMessage): void {
    if (isJSONRPCResponse(message)) {
      const id = message.id;
      if (id === undefined || id === null) {
        this.#send(message);
        return;
      }
      this.#pending.delete(id);
      const filter = this.#toolLists.get(id);
      this.#toolLists.delete(id);
      const result = (message as { result?: unknown }).result;
      if (filter === undefined || result === undefined) this.#send(message);
      else
        this.#send({
          ...message,
          result: gateToolsList(result, filter.granted, filter.gate),
        } as JSONRPCMessage);
      return;
    }
    this.#send(message, this.#relatedRequest(message));
  }

  #relatedRequest(message: JSONRPCMessage): RequestId | undefined {
    const params = (message as { method?: string; params?: { progressToken?: unknown } }).params;
    const token = isJSONRPCNotification(message) ? params?.progressToken : undefined;
    if (token !== undefined) {
      for (const [id, pendingToken] of this.#pending) if (pendingToken === token) return id;
    }
    if (this.#pending.size === 1) return this.#pending.keys().next().value;
    return undefined;
  }

  async #crash(exit: StdioExit): Promise<void> {
    this.crashed = exit;
    this.log.warn(
      { pid: this.child.pid, ...exit },
      `[stdio ${this.child.pid}] exited (${describeExit(exit)}); session over`,
    );
    const message = `the stdio MCP server exited (${describeExit(exit)}) before answering`;
    const errors = [...this.#pending.keys()].map((id) =>
      this.transport
        .send({ jsonrpc: '2.0', id, error: { code: JSONRPC_SERVER_ERROR, message } })
        .catch(() => undefined),
    );
    this.#pending.clear();
    await Promise.all(errors);
    await this.transport.close();
  }
}
