import {
  type AuthInfo,
  createMcpHandler,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResponse,
  type JSONRPCMessage,
  LATEST_PROTOCOL_VERSION,
  Server,
  type ServerCapabilities,
} from '@modelcontextprotocol/server';
import type { CallerIdentity } from '@portcullis/resource-server';
import type { FastifyBaseLogger } from 'fastify';
import { JSONRPC_SERVER_ERROR } from './jsonrpc.js';
import { describeExit, type StdioProcess } from './stdio-process.js';
import { StdioSessionError, type StdioSessions } from './stdio-sessions.js';

type RequestId = string | number;
type Notify = (notification: { method: string; params?: Record<string, unknown> }) => Promise<void>;

/** What a child said about itself in its `initialize` answer. */
interface ChildInfo {
  readonly serverInfo: { name: string; version: string };
  readonly capabilities: ServerCapabilities;
  readonly instructions: string | undefined;
}

/** A JSON-RPC error the SDK's handler relays as it is (`code`, `message`, `data`). */
function rpcError(code: number, message: string, data?: unknown): Error {
  return Object.assign(new Error(message), { code, ...(data === undefined ? {} : { data }) });
}

/**
 * Without the SDK's modern-era features the bridge cannot honour: list-change and resource subscriptions
 * (2026-07-28 delivers them on `subscriptions/listen`, which the bridge does not feed).
 */
function bridgeable(capabilities: ServerCapabilities): ServerCapabilities {
  const copy: Record<string, unknown> = { ...capabilities };
  for (const name of ['tools', 'prompts', 'resources'] as const) {
    const value = capabilities[name];
    if (value !== undefined) copy[name] = { ...value, listChanged: undefined, subscribe: undefined };
  }
  return copy as ServerCapabilities;
}

/** The request's params without the 2026-07-28 envelope (`_meta["io.modelcontextprotocol/…"]`). */
function withoutEnvelope(params: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const meta = params?._meta as Record<string, unknown> | undefined;
  if (params === undefined || meta === undefined) return params;
  const kept = Object.fromEntries(
    Object.entries(meta).filter(([key]) => !key.startsWith('io.modelcontextprotocol/')),
  );
  const { _meta: _dropped, ...rest } = params;
  return Object.keys(kept).length === 0 ? rest : { ...rest, _meta: kept };
}

/**
 * One child for one caller's 2026-07-28 requests: initialized once in the 2025 handshake with no client
 * capabilities (so it sends no sampling, elicitation or roots requests, which a stateless request cannot
 * answer), then sent each request under an id of its own. Progress notifications go back to the request
 * that set the token; other notifications to the only request in flight.
 */
class ModernChild {
  readonly #pending = new Map<
    RequestId,
    { settle: (message: JSONRPCMessage) => void; notify: Notify; token: unknown }
  >();
  #next = 1;
  idle: NodeJS.Timeout | undefined;

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
        throw rpcError(message.error.code, message.error.message, message.error.data);
      return message.result ?? {};
    } finally {
      signal.removeEventListener('abort', onAbort);
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

/**
 * 2026-07-28 (stateless) requests to a stdio upstream. The SDK's own `createMcpHandler` serves the modern
 * era toward the client (envelope and header checks, `server/discover`, result encoding, SSE when a
 * notification comes first); its server forwards every request to a child kept for the caller (issuer,
 * subject, client) until it is idle for `sessions.idleMs`. Children count against `upstream.maxProcesses`.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports
 */
export class ModernStdioBridge {
  readonly #children = new Map<string, Promise<ModernChild>>();
  readonly #handler: ReturnType<typeof createMcpHandler>;
  /** The client-gone signal of each request, keyed by the per-request copy of its AuthInfo. */
  readonly #gone = new WeakMap<AuthInfo, AbortSignal>();

  constructor(
    private readonly sessions: StdioSessions,
    private readonly idleMs: number,
    private readonly log: FastifyBaseLogger,
  ) {
    this.#handler = createMcpHandler(
      async ({ authInfo }) =>
        this.#server(await this.childFor(authInfo), authInfo && this.#gone.get(authInfo)),
      {
        legacy: 'reject',
        onerror: (error) => log.debug({ err: error }, 'stdio 2026-07-28 bridge'),
      },
    );
  }

  /**
   * Answer one modern request (already authenticated and authorized). `gone` aborts when the client goes
   * away: the SDK handler does not see that while it waits for a JSON result, so the bridge cancels the
   * child's request itself.
   */
  handle(request: Request, authInfo: AuthInfo, parsedBody: unknown, gone: AbortSignal): Promise<Response> {
    const own = { ...authInfo };
    this.#gone.set(own, gone);
    return this.#handler.fetch(request, { authInfo: own, parsedBody });
  }

  /**
   * The caller's child, spawned and initialized on first use; its idle timer restarted.
   * @throws {StdioSessionError} as {@link StdioSessions.spawn} and `handshake`, or 502 when it refuses initialize.
   */
  async childFor(auth: AuthInfo | undefined): Promise<ModernChild> {
    const caller = (auth?.extra ?? {}) as Partial<CallerIdentity>;
    const key = JSON.stringify([caller.issuer ?? '', caller.subject ?? '', auth?.clientId ?? '']);
    let entry = this.#children.get(key);
    if (entry === undefined) {
      const started: Promise<ModernChild> = this.#start().then((child) => this.#watch(key, started, child));
      entry = started;
      this.#children.set(key, entry);
      entry.catch(() => {
        if (this.#children.get(key) === started) this.#children.delete(key);
      });
    }
    const child = await entry;
    child.idle?.refresh();
    return child;
  }

  async #start(): Promise<ModernChild> {
    const process = await this.sessions.spawn();
    const initialize = {
      jsonrpc: '2.0' as const,
      id: 'portcullis-initialize',
      method: 'initialize',
      params: {
        protocolVersion: LATEST_PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: 'portcullis-proxy', version: '1' },
      },
    };
    const answer = (await this.sessions.handshake(process, initialize)) as {
      result?: Record<string, unknown>;
      error?: { message?: string };
    };
    if (answer.result === undefined) {
      await process.stop();
      throw new StdioSessionError(
        'ERR_PORTCULLIS_PROXY_STDIO_EXITED',
        502,
        'the stdio MCP server refused to initialize',
        `the stdio MCP server refused initialize: ${answer.error?.message ?? 'no result'}`,
        'exited',
      );
    }
    process.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const result = answer.result;
    const child = new ModernChild(process, {
      serverInfo: (result.serverInfo as ChildInfo['serverInfo'] | undefined) ?? {
        name: 'stdio',
        version: '0',
      },
      capabilities: (result.capabilities as ServerCapabilities | undefined) ?? {},
      instructions: typeof result.instructions === 'string' ? result.instructions : undefined,
    });
    this.log.info({ pid: process.pid }, `[stdio ${process.pid}] started for 2026-07-28 requests of a caller`);
    return child;
  }

  /** Stop `child` after `sessions.idleMs` without a request; forget it then, or when it exits. */
  #watch(key: string, entry: Promise<ModernChild>, child: ModernChild): ModernChild {
    const forget = () => {
      clearTimeout(child.idle);
      if (this.#children.get(key) === entry) this.#children.delete(key);
    };
    child.idle = setTimeout(() => {
      forget();
      void child.process.stop();
    }, this.idleMs).unref();
    void child.process.exited.then(forget);
    return child;
  }

  #server(child: ModernChild, gone: AbortSignal | undefined): Server {
    const { serverInfo, capabilities, instructions } = child.info;
    const server = new Server(serverInfo, {
      capabilities: bridgeable(capabilities),
      ...(instructions === undefined ? {} : { instructions }),
    });
    server.fallbackRequestHandler = (request, ctx) =>
      child.request(
        request.method,
        withoutEnvelope(request.params as Record<string, unknown> | undefined),
        gone === undefined ? ctx.mcpReq.signal : AbortSignal.any([ctx.mcpReq.signal, gone]),
        (notification) => ctx.mcpReq.notify(notification as Parameters<typeof ctx.mcpReq.notify>[0]),
      ) as ReturnType<NonNullable<Server['fallbackRequestHandler']>>;
    return server;
  }

  /** Forget every child (their processes are stopped by {@link StdioSessions.close}). */
  close(): void {
    this.#children.clear();
    void this.#handler.close();
  }
}
