import {
  type AuthInfo,
  createMcpHandler,
  LATEST_PROTOCOL_VERSION,
  type McpHttpHandler,
  Server,
  type ServerCapabilities,
} from '@modelcontextprotocol/server';
import { sessionOwner } from '@portcullis/resource-server';
import type { FastifyBaseLogger } from 'fastify';
import { type ChildInfo, ChildRpcError, ModernChild } from './stdio-modern-child.js';
import { listenRequest, serverEvent, watchBody } from './stdio-modern-listen.js';
import { gateToolsList, type ToolGate } from './stdio-session.js';
import { StdioSessionError, type StdioSessions } from './stdio-sessions.js';

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
 * One caller's child and the SDK handler that serves it, with a change-event bus of its own: a child's list
 * changes and resource updates reach only its caller's `subscriptions/listen` streams.
 */
export interface ModernCaller {
  readonly child: ModernChild;
  readonly handler: McpHttpHandler;
  /** Open `subscriptions/listen` streams; while there are any, the child is not stopped for idleness. */
  listening: number;
}

/**
 * 2026-07-28 (stateless) requests to a stdio upstream. The SDK's own `createMcpHandler` serves the modern
 * era toward the client (envelope and header checks, `server/discover`, result encoding, SSE when a
 * notification comes first, `subscriptions/listen` streams); its server forwards every request to a child
 * kept for the caller (issuer, subject, client) until it is idle for `sessions.idleMs` with no listen stream
 * open. The child's change notifications feed the caller's listen streams, and the resources a listen
 * stream asks for are subscribed at the child while it is open. Children count against
 * `upstream.maxProcesses` and, with the caller's sessions, `upstream.maxProcessesPerCaller`.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http
 */
export class ModernStdioBridge {
  readonly #callers = new Map<string, Promise<ModernCaller>>();
  /** The client-gone signal of each request, keyed by the per-request copy of its AuthInfo. */
  readonly #gone = new WeakMap<AuthInfo, AbortSignal>();

  constructor(
    private readonly sessions: StdioSessions,
    private readonly idleMs: number,
    private readonly log: FastifyBaseLogger,
    /** Filters `tools/list` answers by the caller's scopes (`upstream.filterToolsList`). */
    private readonly toolGate?: ToolGate,
  ) {}

  /**
   * Answer one modern request (already authenticated and authorized) for `caller`. `gone` aborts when the
   * client goes away: the SDK handler does not see that while it waits for a JSON result, so the bridge
   * cancels the child's request itself. A `subscriptions/listen` request first subscribes its resources at
   * the child (the child's refusal is the answer), and gives them back when its stream ends; a child that
   * exits cuts the stream.
   */
  async handle(
    caller: ModernCaller,
    request: Request,
    authInfo: AuthInfo,
    parsedBody: unknown,
    gone: AbortSignal,
  ): Promise<Response> {
    const own = { ...authInfo };
    this.#gone.set(own, gone);
    const listen = listenRequest(parsedBody);
    if (listen === undefined) return caller.handler.fetch(request, { authInfo: own, parsedBody });
    const { child } = caller;
    const uris = child.info.capabilities.resources?.subscribe === true ? listen.uris : [];
    try {
      await child.subscribe(uris, gone);
    } catch (error) {
      if (!(error instanceof ChildRpcError)) throw error;
      const { code, message, data } = error;
      return Response.json({
        jsonrpc: '2.0',
        id: listen.id,
        error: { code, message, ...(data === undefined ? {} : { data }) },
      });
    }
    caller.listening += 1;
    const response = await caller.handler.fetch(request, { authInfo: own, parsedBody });
    const ended = () => {
      caller.listening -= 1;
      child.unsubscribe(uris);
      child.idle?.refresh();
    };
    return watchBody(response, ended, child.process.exited);
  }

  /**
   * The caller's child and handler, spawned and initialized on first use; its idle timer restarted.
   * @throws {StdioSessionError} as {@link StdioSessions.spawn} and `handshake`, or 502 when it refuses initialize.
   */
  async callerFor(auth: AuthInfo | undefined): Promise<ModernCaller> {
    const key = sessionOwner(auth);
    let entry = this.#callers.get(key);
    if (entry === undefined) {
      const started: Promise<ModernCaller> = this.#start(key).then((caller) =>
        this.#watch(key, started, caller),
      );
      entry = started;
      this.#callers.set(key, entry);
      entry.catch(() => {
        if (this.#callers.get(key) === started) this.#callers.delete(key);
      });
    }
    const caller = await entry;
    caller.child.idle?.refresh();
    return caller;
  }

  async #start(owner: string): Promise<ModernCaller> {
    const process = await this.sessions.spawn(owner);
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
    const handler = createMcpHandler(
      async ({ authInfo }) => this.#server(child, authInfo, authInfo && this.#gone.get(authInfo)),
      {
        legacy: 'reject',
        onerror: (error) => this.log.debug({ err: error }, 'stdio 2026-07-28 bridge'),
      },
    );
    child.onChange = (change) => {
      const event = serverEvent(change);
      if (event !== undefined) handler.bus.publish(event);
    };
    this.log.info({ pid: process.pid }, `[stdio ${process.pid}] started for 2026-07-28 requests of a caller`);
    return { child, handler, listening: 0 };
  }

  /**
   * Stop the caller's child after `sessions.idleMs` without a request and with no listen stream open; forget
   * the caller then, or when the child exits.
   */
  #watch(key: string, entry: Promise<ModernCaller>, caller: ModernCaller): ModernCaller {
    const { child } = caller;
    const forget = () => {
      clearTimeout(child.idle);
      if (this.#callers.get(key) === entry) this.#callers.delete(key);
    };
    child.idle = setTimeout(() => {
      if (caller.listening > 0) {
        child.idle?.refresh();
        return;
      }
      forget();
      void caller.handler.close();
      void child.process.stop();
    }, this.idleMs).unref();
    void child.process.exited.then(forget);
    return caller;
  }

  #server(child: ModernChild, auth: AuthInfo | undefined, gone: AbortSignal | undefined): Server {
    const { serverInfo, capabilities, instructions } = child.info;
    const server = new Server(serverInfo, {
      capabilities,
      ...(instructions === undefined ? {} : { instructions }),
    });
    const gate = this.toolGate;
    server.fallbackRequestHandler = async (request, ctx) => {
      const result = await child.request(
        request.method,
        withoutEnvelope(request.params as Record<string, unknown> | undefined),
        gone === undefined ? ctx.mcpReq.signal : AbortSignal.any([ctx.mcpReq.signal, gone]),
        (notification) => ctx.mcpReq.notify(notification as Parameters<typeof ctx.mcpReq.notify>[0]),
      );
      const filtered =
        request.method === 'tools/list' && gate !== undefined
          ? gateToolsList(result, auth?.scopes ?? [], gate)
          : result;
      return filtered as Awaited<ReturnType<NonNullable<Server['fallbackRequestHandler']>>>;
    };
    return server;
  }

  /** Close every caller's handler and forget them (their processes are stopped by {@link StdioSessions.close}). */
  close(): void {
    for (const entry of this.#callers.values()) {
      entry.then((caller) => caller.handler.close()).catch(() => {});
    }
    this.#callers.clear();
  }
}
