import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from '@portcullis/test-support';

/** The `redis-server` executable on `PATH` (Debian package `redis-server`), or `undefined`. */
export function findRedisServer(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

/**
 * The binary, or `undefined` with the reason to skip. In CI (`CI` set) a missing `redis-server` is an error:
 * `tooling/scripts/ci-services.sh` installs it.
 */
export function requireRedisServer(): { binary: string | undefined; skip: string | undefined } {
  const binary = findRedisServer();
  if (binary !== undefined) return { binary, skip: undefined };
  if (process.env.CI) {
    throw new Error('redis-server is not on PATH but CI is set: run tooling/scripts/ci-services.sh first');
  }
  return {
    binary,
    skip: 'redis-server is not installed (apt-get install redis-server); Redis tests skipped',
  };
}

/** A `redis-server` this test started on 127.0.0.1, without persistence, in a temporary directory. */
export interface TestRedis {
  readonly port: number;
  /** `redis://127.0.0.1:<port>/0`. */
  readonly url: string;
  /** Stop the server (SIGTERM, waits for the exit). */
  stop(): Promise<void>;
  /** Start it again on the same port (empty: nothing is saved). */
  start(): Promise<void>;
  /** Stop it and remove its directory. */
  close(): Promise<void>;
}

/** `true` once something on `port` answers `PING` with `+PONG`. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(String(data).startsWith('+PONG')));
  });
}

/** Start `redis-server --port <free> --bind 127.0.0.1 --save '' --appendonly no --daemonize no`. */
export async function startRedisServer(binary: string): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-redis-'));
  let child: ChildProcess | undefined;
  let output = '';

  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    args.push('--daemonize', 'no', '--dir', dir, '--protected-mode', 'yes');
    const proc = spawn(binary, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout?.on('data', (d) => {
      output = (output + String(d)).slice(-4000);
    });
    proc.stderr?.on('data', (d) => {
      output = (output + String(d)).slice(-4000);
    });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) break;
      if (await pong(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill('SIGKILL');
    throw new Error(`redis-server did not start on 127.0.0.1:${port}:\n${output}`);
  };

  const stop = async () => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    stop,
    start,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
