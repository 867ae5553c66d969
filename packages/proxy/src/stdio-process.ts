import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import type { FastifyBaseLogger } from 'fastify';
import { ProxyError } from './errors.js';
import type { StdioUpstreamOptions } from './options.js';

/** Environment variables a child inherits from the proxy (the MCP SDK's safe list); nothing else leaks. */
const INHERITED_ENV =
  process.platform === 'win32'
    ? [
        'APPDATA',
        'HOMEDRIVE',
        'HOMEPATH',
        'LOCALAPPDATA',
        'PATH',
        'PATHEXT',
        'SYSTEMROOT',
        'TEMP',
        'USERPROFILE',
      ]
    : ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'];
/** Grace after closing stdin, then after SIGTERM, before the next step of the stop sequence. */
const STOP_GRACE_MS = 2_000;
/** Longest stdout line (one JSON-RPC message) accepted from a child. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;
/** Longest stderr line copied into the proxy log. */
const MAX_LOG_LINE = 2_000;
/** After the child exits, how long what it wrote may still be read before its pipes are closed. */
const EXIT_DRAIN_MS = 200;

/** How a child process ended. */
export interface StdioExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** `code 3` or `signal SIGKILL`, for messages. */
export function describeExit(exit: StdioExit): string {
  return exit.signal === null ? `code ${exit.code}` : `signal ${exit.signal}`;
}

/** The environment a child gets: the inherited variables of the proxy's, then `extra`. */
export function childEnv(extra: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED_ENV) {
    const value = process.env[key];
    if (value !== undefined && !value.startsWith('()')) env[key] = value;
  }
  return { ...env, ...extra };
}

/**
 * Call `line` for every line of `input` (ended by `\n` or `\r\n`) with at most `max` of its characters. A
 * longer line is passed on (`cut` true) as soon as that is known, and the rest of it is dropped unread: a line
 * without an end never holds more than `max + 2` characters in memory.
 */
export function splitLines(input: Readable, max: number, line: (text: string, cut: boolean) => void): void {
  let current = '';
  let dropping = false;
  input.setEncoding('utf8');
  input.on('data', (chunk: string) => {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf('\n', start);
      const end = newline < 0 ? chunk.length : newline;
      // Up to two characters past `max`: the `\r` of a `\r\n` end, and one that shows the line is longer.
      if (!dropping) current += chunk.slice(start, Math.min(end, start + max + 2 - current.length));
      if (newline < 0) {
        if (!dropping && current.length >= max + 2) {
          line(current.slice(0, max), true);
          current = '';
          dropping = true;
        }
        return;
      }
      if (!dropping) {
        const text = current.endsWith('\r') ? current.slice(0, -1) : current;
        line(text.slice(0, max), text.length > max);
      }
      current = '';
      dropping = false;
      start = newline + 1;
    }
  });
  input.once('close', () => {
    if (!dropping && current !== '') line(current.slice(0, max), current.length > max);
  });
}

/**
 * One stdio MCP server process: spawned without a shell (arguments as an array), JSON-RPC messages as
 * newline-delimited JSON on stdin/stdout, stderr copied line by line into the proxy log with a
 * `[stdio <pid>]` prefix. Stopping follows the MCP stdio shutdown order: close stdin, SIGTERM, SIGKILL.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#stdio
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/lifecycle#stdio
 */
export class StdioProcess {
  /** Called for every JSON-RPC message the child writes. */
  onmessage: ((message: JSONRPCMessage) => void) | undefined;
  /**
   * Resolves once the process has exited and its output is read; pipes that a process it started holds open
   * are closed shortly after its exit.
   */
  readonly exited: Promise<StdioExit>;
  readonly #child: ChildProcess;
  readonly #exit: Promise<StdioExit>;
  #stopping: Promise<StdioExit> | undefined;

  private constructor(child: ChildProcess, log: FastifyBaseLogger) {
    this.#child = child;
    this.#exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    // The exit is the end, not the close of the pipes: a process the child started may hold them open.
    this.exited = this.#exit.then(async (exit) => {
      let timer: NodeJS.Timeout | undefined;
      const drained = new Promise((resolve) => {
        timer = setTimeout(resolve, EXIT_DRAIN_MS);
      });
      await Promise.race([closed, drained]);
      clearTimeout(timer);
      child.stdout?.destroy();
      child.stderr?.destroy();
      await closed;
      return exit;
    });
    let buffered = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        this.#line(buffered.slice(0, newline), log);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
      }
      if (buffered.length > MAX_LINE_BYTES) {
        log.error(
          { pid: this.pid },
          `[stdio ${this.pid}] a stdout message exceeds ${MAX_LINE_BYTES} bytes; stopping`,
        );
        buffered = '';
        void this.stop();
      }
    });
    child.stdin?.on('error', () => {}); // EPIPE after the child died: its exit is handled.
    if (child.stderr !== null) {
      splitLines(child.stderr, MAX_LOG_LINE, (line, cut) => {
        const mark = cut ? ` … [line cut at ${MAX_LOG_LINE} characters]` : '';
        log.info({ pid: this.pid }, `[stdio ${this.pid}] ${line}${mark}`);
      });
    }
  }

  /**
   * Spawn `upstream.command` with `upstream.args`.
   * @throws {ProxyError} `ERR_PORTCULLIS_PROXY_STDIO_SPAWN_FAILED` naming the command when it cannot start.
   */
  static async start(upstream: StdioUpstreamOptions, log: FastifyBaseLogger): Promise<StdioProcess> {
    const child = spawn(upstream.command, upstream.args, {
      env: childEnv(upstream.env),
      ...(upstream.cwd === undefined ? {} : { cwd: upstream.cwd }),
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
      windowsHide: true,
    });
    try {
      await once(child, 'spawn');
    } catch (cause) {
      const where = upstream.cwd === undefined ? '' : ` in ${upstream.cwd}`;
      throw new ProxyError(
        'ERR_PORTCULLIS_PROXY_STDIO_SPAWN_FAILED',
        `could not start the stdio MCP server ${JSON.stringify(upstream.command)}${where}: ${(cause as Error).message}; check upstream.command (an executable in PATH, run without a shell) and upstream.cwd`,
        { cause },
      );
    }
    return new StdioProcess(child, log);
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  /** `true` once {@link stop} was called: an exit after that is not a crash. */
  get stopping(): boolean {
    return this.#stopping !== undefined;
  }

  /** Write one message to the child's stdin (dropped when the child is gone). */
  send(message: JSONRPCMessage): void {
    const stdin = this.#child.stdin;
    if (stdin === null || stdin.destroyed || stdin.writableEnded) return;
    stdin.write(`${JSON.stringify(message)}\n`);
  }

  /** Stop the child: close stdin, SIGTERM after a grace period, SIGKILL after another. Idempotent. */
  stop(): Promise<StdioExit> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<StdioExit> {
    const child = this.#child;
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin?.end();
      for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
        if (await this.#exitsWithin(STOP_GRACE_MS)) break;
        child.kill(signal);
      }
    }
    return this.exited;
  }

  async #exitsWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const exited = await Promise.race([this.#exit.then(() => true), timeout]);
    clearTimeout(timer);
    return exited;
  }

  #line(line: string, log: FastifyBaseLogger): void {
    if (line.trim() === '') return;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      message = undefined;
    }
    if (
      typeof message !== 'object' ||
      message === null ||
      (message as { jsonrpc?: unknown }).jsonrpc !== '2.0'
    ) {
      log.warn({ pid: this.pid }, `[stdio ${this.pid}] ignored a stdout line that is not a JSON-RPC message`);
      return;
    }
    this.onmessage?.(message as JSONRPCMessage);
  }
}
