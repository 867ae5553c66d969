import { randomUUID } from 'node:crypto';
import type { AuthInfo, JSONRPCMessage } from '@modelcontextprotocol/server';
import { sessionOwner } from '@portcullis/resource-server';
import type { FastifyBaseLogger } from 'fastify';
import { ProxyError } from './errors.js';
import type { RpcMessage } from './jsonrpc.js';
import type { ProxyMetrics } from './metrics.js';
import type { StdioUpstreamOptions } from './options.js';
import type { SessionBindings } from './sessions.js';
import { describeExit, StdioProcess } from './stdio-process.js';
import { StdioSession } from './stdio-session.js';

/** Why a stdio session could not be opened, with the status the client gets. */
export class StdioSessionError extends ProxyError {
  constructor(
    code: ConstructorParameters<typeof ProxyError>[0],
    readonly status: 502 | 503 | 504,
    /** What the client is told (the log gets `message`, which may name the command). */
    readonly publicMessage: string,
    message: string,
    readonly kind: 'spawn' | 'exited' | 'timeout' | 'limit',
  ) {
    super(code, message);
    this.name = 'StdioSessionError';
  }
}

/**
 * The stdio upstream's sessions: one child process per 2025-era MCP session, bound to the caller that sent
 * `initialize`. Limits the number of children (`upstream.maxProcesses`, and `upstream.maxProcessesPerCaller`
 * for each caller), ends sessions that stay idle for `sessions.idleMs`, and stops every child on {@link close}.
 */
export class StdioSessions {
  readonly #sessions = new Map<string, { session: StdioSession; idle: NodeJS.Timeout }>();
  readonly #children = new Set<StdioProcess>();
  /** Children alive or starting per caller ({@link sessionOwner}). */
  readonly #perCaller = new Map<string, number>();
  #starting = 0;
  #closed = false;

  constructor(
    private readonly upstream: StdioUpstreamOptions,
    private readonly bindings: SessionBindings,
    private readonly idleMs: number,
    private readonly metrics: ProxyMetrics,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Child processes alive (or starting). */
  get processes(): number {
    return this.#children.size + this.#starting;
  }

  /** The live or crashed session `id`, its idle timer refreshed. */
  get(id: string): StdioSession | undefined {
    const entry = this.#sessions.get(id);
    entry?.idle.refresh();
    return entry?.session;
  }

  /**
   * Spawn a child, have it answer `initialize` within `upstream.timeoutMs`, then create the session and
   * bind it to `auth`. The session's transport replays the child's answer when it handles the request.
   * When the child answers `initialize` with an error, it is stopped and that error is returned instead.
   * @throws {StdioSessionError} 503 at the process limit (overall or the caller's), 502 when the child cannot
   * start or exits, 504 when it does not answer in time.
   */
  async open(
    initialize: RpcMessage & { id: string | number },
    auth: AuthInfo | undefined,
  ): Promise<StdioSession | JSONRPCMessage> {
    const max = this.upstream.maxProcesses;
    const child = await this.spawn(sessionOwner(auth));
    const response = await this.handshake(child, initialize);
    if ('error' in response || this.#closed) {
      // initialize refused by the server (the client gets its error), or the proxy is shutting down.
      await child.stop();
      if (this.#closed) throw this.#limit('all', max);
      return response;
    }
    const id = randomUUID();
    try {
      await this.bindings.bind(id, auth);
    } catch (error) {
      await child.stop();
      throw error;
    }
    const session = new StdioSession(id, child, { id: initialize.id, response }, this.log);
    const idle = setTimeout(() => void session.end(), this.idleMs).unref();
    session.onend = () => void this.#forget(id);
    this.#sessions.set(id, { session, idle });
    this.log.info({ pid: child.pid }, `[stdio ${child.pid}] started for a new session`);
    return session;
  }

  /**
   * Spawn a child for `owner` ({@link sessionOwner} of its caller) within `upstream.maxProcesses` and
   * `upstream.maxProcessesPerCaller`; it counts until it exits, and {@link close} stops it.
   * @throws {StdioSessionError} 503 at either process limit or when closing, 502 when it cannot start.
   */
  async spawn(owner: string): Promise<StdioProcess> {
    const max = this.upstream.maxProcesses;
    if (this.#closed || this.processes >= max) throw this.#limit('all', max);
    const perCaller = this.upstream.maxProcessesPerCaller;
    if ((this.#perCaller.get(owner) ?? 0) >= perCaller) throw this.#limit('caller', perCaller);
    this.#starting += 1;
    this.#count(owner, 1);
    let child: StdioProcess;
    try {
      child = await StdioProcess.start(this.upstream, this.log);
    } catch (error) {
      this.#count(owner, -1);
      throw new StdioSessionError(
        'ERR_PORTCULLIS_PROXY_STDIO_SPAWN_FAILED',
        502,
        'the proxy could not start its stdio MCP server',
        (error as Error).message,
        'spawn',
      );
    } finally {
      this.#starting -= 1;
    }
    this.#children.add(child);
    this.metrics.stdioProcesses.set(this.processes);
    void child.exited.then(() => {
      this.#children.delete(child);
      this.#count(owner, -1);
      this.metrics.stdioProcesses.set(this.processes);
    });
    return child;
  }

  #count(owner: string, delta: number): void {
    const count = (this.#perCaller.get(owner) ?? 0) + delta;
    if (count > 0) this.#perCaller.set(owner, count);
    else this.#perCaller.delete(owner);
  }

  /** The 503 at `upstream.maxProcesses` (`all`, also when closing) or at `upstream.maxProcessesPerCaller`. */
  #limit(which: 'all' | 'caller', max: number): StdioSessionError {
    const [publicMessage, message] =
      which === 'caller'
        ? [
            'the caller has reached its limit of stdio MCP server processes; end one of its sessions (DELETE) or try again later',
            `a caller is at its limit of ${max} stdio processes (upstream.maxProcessesPerCaller)`,
          ]
        : [
            'the proxy runs as many stdio MCP server processes as it may; try again later',
            this.#closed
              ? 'stdio upstream closing: no new sessions'
              : `stdio upstream at its limit of ${max} processes (upstream.maxProcesses)`,
          ];
    return new StdioSessionError('ERR_PORTCULLIS_PROXY_STDIO_LIMIT', 503, publicMessage, message, 'limit');
  }

  /** Forget a session (after a crash was reported, or when it ended). */
  async #forget(id: string): Promise<void> {
    const entry = this.#sessions.get(id);
    if (entry === undefined) return;
    clearTimeout(entry.idle);
    this.#sessions.delete(id);
    try {
      await this.bindings.release(id);
    } catch (error) {
      // The session is over either way; a binding the store cannot delete now expires after sessions.idleMs.
      this.log.warn({ err: error }, 'stdio session ended, but its binding could not be released');
    }
  }

  /** End session `id`: stop its child and release its binding. Resolves once the child is gone. */
  async end(id: string): Promise<void> {
    const entry = this.#sessions.get(id);
    if (entry === undefined) return;
    await this.#forget(id);
    await entry.session.end();
  }

  /** Stop every child (proxy shutdown), whatever fails on the way; new sessions are refused from now on. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#sessions.keys()].map((id) => this.end(id)));
    await Promise.allSettled([...this.#children].map((child) => child.stop()));
  }

  /**
   * Send `initialize` to a fresh child and wait for its answer (`upstream.timeoutMs`); the child is stopped
   * when it exits or does not answer in time.
   * @throws {StdioSessionError} 502 when it exits first, 504 when it does not answer in time.
   */
  async handshake(
    child: StdioProcess,
    initialize: RpcMessage & { id: string | number },
  ): Promise<JSONRPCMessage> {
    const { command } = this.upstream;
    let timer: NodeJS.Timeout | undefined;
    const answered = new Promise<JSONRPCMessage>((resolve) => {
      child.onmessage = (message) => {
        if ((message as { id?: unknown }).id === initialize.id && !('method' in message)) resolve(message);
      };
    });
    const exited = child.exited.then((exit) => {
      throw new StdioSessionError(
        'ERR_PORTCULLIS_PROXY_STDIO_EXITED',
        502,
        'the stdio MCP server exited before answering initialize',
        `the stdio MCP server ${JSON.stringify(command)} exited (${describeExit(exit)}) before answering initialize; see its [stdio ${child.pid}] lines in this log`,
        'exited',
      );
    });
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(
          new StdioSessionError(
            'ERR_PORTCULLIS_PROXY_UPSTREAM_TIMEOUT',
            504,
            'the stdio MCP server did not answer initialize in time',
            `the stdio MCP server ${JSON.stringify(command)} did not answer initialize within ${this.upstream.timeoutMs} ms (upstream.timeoutMs)`,
            'timeout',
          ),
        );
      }, this.upstream.timeoutMs);
    });
    child.send(initialize as JSONRPCMessage);
    try {
      return await Promise.race([answered, exited, timeout]);
    } catch (error) {
      await child.stop();
      throw error;
    } finally {
      clearTimeout(timer);
      exited.catch(() => undefined);
    }
  }
}
