// Memory of the proxy with many open SSE streams: the proxy runs alone in a child process (proxy-child.mjs,
// from dist/), the streaming upstream and the clients stay in this process, and the proxy's VmRSS is read
// from /proc/<pid>/status. Every client holds its own token (distinct callers, as 1,000 users would be).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, startLocalIssuer } from '@portcullis/test-support';
import { Pool } from 'undici';
import { describeRuntimeTuning, missingRuntimeTuning } from '../src/runtime-tuning.js';
import { startSseUpstream } from './sse-upstream.js';
import { PROXY_LOG_LEVEL } from './stack.js';

/** The proxy's memory at one moment, in bytes: VmRSS (`undefined` without /proc) and its V8 heap. */
export interface Memory {
  readonly rss: number | undefined;
  /** The anonymous part of `rss` (heap, stacks, buffers); the rest is mostly the mapped node binary. */
  readonly anon: number | undefined;
  readonly heapUsed: number | undefined;
  readonly heapTotal: number | undefined;
  /** Resident part of V8's young generation (`new_space`), which V8 grows with the survival rate. */
  readonly youngResident: number | undefined;
}

/** What the child answers to `memory`: `process.memoryUsage()` and `v8.getHeapSpaceStatistics()`. */
interface ChildMemory extends NodeJS.MemoryUsage {
  readonly spaces: readonly { space_name: string; physical_space_size: number }[];
}

/** What the RSS part measured. */
export interface RssResult {
  readonly streams: number;
  readonly opened: number;
  readonly idle: Memory;
  readonly open: Memory;
  readonly afterClose: Memory;
  readonly note: string | undefined;
}

const BATCH = 50;
const PHASE_LIMIT_MS = 60_000;
const CHILD = fileURLToPath(new URL('./proxy-child.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
/** Extra node flags for the proxy child only, e.g. `--max-semi-space-size=2`. */
const EXTRA_FLAGS = (process.env.BENCH_CHILD_NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
/**
 * The runtime tuning the `portcullis-proxy` command applies (`src/runtime-tuning.ts`), so that the child runs
 * as the command does; `BENCH_CHILD_NODE_OPTIONS` and the environment win over it, as an operator's settings
 * do, and `PORTCULLIS_PROXY_RUNTIME_TUNING=off` leaves it out.
 */
const TUNING = missingRuntimeTuning(EXTRA_FLAGS, process.env) ?? { nodeFlags: [], env: {} };
/** The child's node flags. */
export const CHILD_FLAGS = [...TUNING.nodeFlags, ...EXTRA_FLAGS];
/** The child's environment. */
const CHILD_ENV = { ...process.env, ...TUNING.env };
/** The runtime settings the child runs with, for the report (`describeRuntimeTuning`). */
export const CHILD_RUNTIME = describeRuntimeTuning(CHILD_FLAGS, CHILD_ENV);

/** What the benchmark passes to the child in BENCH_PROXY_CHILD (read by proxy-child.mjs). */
export interface ChildConfig {
  readonly port: number;
  readonly issuer: string;
  readonly jwksUri: string;
  readonly upstreamUrl: string;
  readonly logLevel: string;
  /** The identity signing key (`upstream.identity.privateJwk`), for an upstream that trusts this proxy. */
  readonly privateJwk?: Record<string, unknown>;
}

/** A `kB` field of /proc/<pid>/status in bytes. */
function status(pid: number | undefined, field: 'VmRSS' | 'RssAnon'): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/status`)) return undefined;
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
    readFileSync(`/proc/${pid}/status`, 'utf8'),
  )?.[1];
  return kb === undefined ? undefined : Number(kb) * 1024;
}

/** The soft limit on open files of this process (children inherit it). */
function fileLimit(): number {
  try {
    return Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()) || 1024;
  } catch {
    return 1024;
  }
}

/** The child's CPU time so far (user + system, all threads), in ms, as it reports it over IPC (at most 2 s). */
export async function cpuTimeOf(child: ChildProcess): Promise<number> {
  const usage = await new Promise<NodeJS.CpuUsage>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the proxy child did not report its CPU time')), 2_000);
    child.once('message', (answer) => {
      clearTimeout(timer);
      resolve(answer as NodeJS.CpuUsage);
    });
    child.send('cpu');
  });
  return (usage.user + usage.system) / 1000;
}

/** VmRSS from /proc and the heap figures the child reports over IPC (at most 2 s). */
async function memoryOf(child: ChildProcess): Promise<Memory> {
  const heap = await new Promise<ChildMemory | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 2_000);
    child.once('message', (usage) => {
      clearTimeout(timer);
      resolve(usage as ChildMemory);
    });
    child.send('memory');
  });
  const { pid } = child;
  return {
    rss: status(pid, 'VmRSS'),
    anon: status(pid, 'RssAnon'),
    heapUsed: heap?.heapUsed,
    heapTotal: heap?.heapTotal,
    youngResident: heap?.spaces.find((space) => space.space_name === 'new_space')?.physical_space_size,
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Poll `done` every 50 ms for at most `ms`. */
async function until(done: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!done() && performance.now() < deadline) await sleep(50);
  return done();
}

/**
 * Start the proxy child (`proxy-child.mjs`) and wait until it listens; `cpu` pins it to that CPU (`taskset`)
 * instead of the CPU this process runs on.
 */
export async function startChild(config: ChildConfig, cpu?: number): Promise<ChildProcess> {
  const node = [process.execPath, ...CHILD_FLAGS, CHILD];
  const [command, ...args] = cpu === undefined ? node : ['taskset', '-c', String(cpu), ...node];
  const child = spawn(command as string, args, {
    env: { ...CHILD_ENV, BENCH_PROXY_CHILD: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (String(chunk).includes('ready')) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    child.once('exit', () => resolve(false));
  });
  if (!ready) {
    child.kill('SIGKILL');
    throw new Error('the proxy child process did not start (is dist/ built? pnpm build)');
  }
  return child;
}

/** Stop the proxy child: SIGTERM, SIGKILL after 10 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** One authenticated SSE `GET` through the proxy, read and discarded until `signal` aborts it. */
async function openStream(pool: Pool, token: string, signal: AbortSignal): Promise<void> {
  const response = await pool.request({
    method: 'GET',
    path: '/mcp',
    headers: {
      accept: 'text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      authorization: `Bearer ${token}`,
    },
    signal,
  });
  if (response.statusCode !== 200) throw new Error(`GET stream answered ${response.statusCode}`);
  response.body.on('error', () => {});
  response.body.resume();
}

/** Open `wanted` authenticated SSE `GET` streams through a child proxy and read its RSS. */
export async function measureRss(wanted: number): Promise<RssResult> {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run pnpm build in packages/proxy first`);
  const limit = fileLimit();
  // This process holds a client and an upstream socket per stream, the child two sockets per stream.
  const streams = Math.min(wanted, Math.floor((limit - 200) / 2));
  const note = streams < wanted ? `only ${streams} streams: ulimit -n is ${limit}` : undefined;
  const issuer = await startLocalIssuer();
  const upstream = await startSseUpstream();
  const port = await freePort();
  const mcp = `http://127.0.0.1:${port}/mcp`;
  const newPool = () => new Pool(`http://127.0.0.1:${port}`, { connections: streams + 10, pipelining: 1 });
  let child: ChildProcess | undefined;
  try {
    const exp = Math.floor(Date.now() / 1000) + 900;
    const tokens = await Promise.all(
      Array.from({ length: streams }, (_, i) => issuer.sign(mcp, { sub: `user-${i}`, exp })),
    );
    child = await startChild({
      port,
      issuer: issuer.issuer,
      jwksUri: issuer.jwksUri,
      upstreamUrl: upstream.url,
      logLevel: PROXY_LOG_LEVEL,
    });
    // Warm-up: a few streams opened and closed, so that the idle figure is a proxy that has served requests.
    const warmPool = newPool();
    const warm = new AbortController();
    await Promise.all(tokens.slice(0, BATCH).map((token) => openStream(warmPool, token, warm.signal)));
    await until(() => upstream.held() === Math.min(BATCH, streams), 10_000);
    warm.abort();
    await warmPool.destroy().catch(() => {});
    await until(() => upstream.held() === 0, 10_000);
    await sleep(1_000);
    const idle = await memoryOf(child);

    const streamPool = newPool();
    const streamController = new AbortController();
    let opened = 0;
    const started = performance.now();
    for (let i = 0; i < streams && performance.now() - started < PHASE_LIMIT_MS; i += BATCH) {
      const batch = tokens.slice(i, i + BATCH).map(async (token) => {
        await openStream(streamPool, token, streamController.signal);
        opened++;
      });
      await Promise.all(batch);
    }
    await until(() => upstream.held() === opened, 10_000);
    await sleep(1_000);
    const withStreams = await memoryOf(child);

    streamController.abort();
    await streamPool.destroy().catch(() => {});
    await until(() => upstream.held() === 0, 10_000);
    await sleep(1_000);
    return { streams, opened, idle, open: withStreams, afterClose: await memoryOf(child), note };
  } finally {
    if (child !== undefined) await stopChild(child);
    await upstream.close();
    await issuer.close();
  }
}
