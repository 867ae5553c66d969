import {
  type AuthInfo,
  createMcpHandler,
  LATEST_PROTOCOL_VERSION,
  Server,
  type ServerCapabilities,
} from '@modelcontextprotocol/server';
import { sessionOwner } from '@portcullis/resource-server';
import type { FastifyBaseLogger } from 'fastify';
import { type ChildInfo, ModernChild } from './stdio-modern-child.js';
import { gateToolsList, type ToolGate } from './stdio-session.js';
import { StdioSessionError, type StdioSessions } from './stdio-sessions.js';

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
    /** Filters `tools/list` answers by the caller's scopes (`upstream.filterToolsList`). */
    private readonly toolGate?: ToolGate,
  ) {
    this.#handler = createMcpHandler(
      async ({ authInfo }) =>
        this.#server(await this.childFor(authInfo), authInfo, authInfo && this.#gone.get(authInfo)),
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
    const key = sessionOwner(auth);
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

  #server(child: ModernChild, auth: AuthInfo | undefined, gone: AbortSignal | undefined): Server {
    const { serverInfo, capabilities, instructions } = child.info;
    const server = new Server(serverInfo, {
      capabilities: bridgeable(capabilities),
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

  /** Forget every child (their processes are stopped by {@link StdioSessions.close}). */
  close(): void {
    this.#children.clear();
    void this.#handler.close();
  }
}
