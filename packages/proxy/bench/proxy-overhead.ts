// `pnpm bench`: the auth proxy against direct access to the same upstream, measured in the same run.
// 1. Authenticated `tools/call hello-world` → the reference MCP server, with client, proxy and upstream sharing
//    one core: what the proxy costs in CPU time, under load (concurrency 8) and unloaded (concurrency 1),
//    p50/p99; also through a bare forwarder, the floor of any Node hop.
// 2. A `POST` answered with an SSE stream of 1,000 events: time to all events, per-event latency.
// 3. RSS of the proxy (a child process) with 1,000 open authenticated SSE `GET` streams.
// 4. `tools/call` with the proxy as deployed, a process of its own on one core (CPU 1): the layout the
//    throughput targets are judged on (own-core.ts).
// Loopback only; every loop is bounded in count and time; the process pins itself (and so the proxy child)
// to CPU 0 with `taskset` when it can. The figures to quote are the ratios against the direct baseline.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { median, medianRun, percentile, type Run, type StreamRun, sseRun, toolsCallRun } from './load.js';
import { measureOwnCore } from './own-core.js';
import { printReport, type SseFigures, type ToolsFigures } from './report.js';
import { measureRss } from './rss.js';
import { SSE_EVENTS } from './sse-upstream.js';
import { type Stack, startStack, type Target } from './stack.js';

/** Knobs, all with defaults that finish in about a minute on a shared 2-core machine. */
export const CONFIG = {
  /** Requests per path before measuring, so that every path runs optimized code. */
  warmup: Number(process.env.BENCH_WARMUP ?? 5_000),
  requests: Number(process.env.BENCH_REQUESTS ?? 3_000),
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? 8),
  latencyRequests: Number(process.env.BENCH_LATENCY_REQUESTS ?? 1_000),
  rounds: Number(process.env.BENCH_ROUNDS ?? 5),
  sseStreams: Number(process.env.BENCH_SSE_STREAMS ?? 10),
  openStreams: Number(process.env.BENCH_OPEN_STREAMS ?? 1_000),
};
const RUN_LIMIT_MS = 20_000;

type Path = 'direct' | 'proxy';
const PATHS: readonly Path[] = ['direct', 'proxy'];
/** `tools/call` also runs through the bare forwarder (bare-forwarder.ts): what any Node.js hop costs. */
type ToolsPath = Path | 'floor';
const TOOLS_PATHS: readonly ToolsPath[] = ['direct', 'proxy', 'floor'];

/** Pin every thread of this process to CPU 0; children started later inherit the affinity. */
function pinToOneCore(): string {
  if (process.env.BENCH_PIN === '0') return 'not pinned (BENCH_PIN=0)';
  try {
    execFileSync('taskset', ['-a', '-c', '-p', '0', String(process.pid)], { stdio: 'ignore' });
    return 'client, proxy and upstream pinned to CPU 0 (taskset -a -c -p 0, inherited by the RSS child)';
  } catch {
    return 'not pinned (no taskset): client, proxy and upstream share this process and the machine';
  }
}

/** Round `r` runs the paths in alternating order, so that none always runs on a warmer process. */
const order = <P>(paths: readonly P[], round: number): readonly P[] =>
  round % 2 === 0 ? paths : [...paths].reverse();

async function benchToolsCall(stack: Stack): Promise<ToolsFigures> {
  for (const path of TOOLS_PATHS) {
    await toolsCallRun(
      stack.tools[path].mcp,
      stack.tools[path].token,
      CONFIG.warmup,
      CONFIG.concurrency,
      RUN_LIMIT_MS,
    );
  }
  const load: Record<ToolsPath, Run[]> = { direct: [], proxy: [], floor: [] };
  const unloaded: Record<ToolsPath, Run[]> = { direct: [], proxy: [], floor: [] };
  for (let round = 0; round < CONFIG.rounds; round++) {
    for (const path of order(TOOLS_PATHS, round)) {
      const { mcp, token } = stack.tools[path];
      load[path].push(await toolsCallRun(mcp, token, CONFIG.requests, CONFIG.concurrency, RUN_LIMIT_MS));
      unloaded[path].push(await toolsCallRun(mcp, token, CONFIG.latencyRequests, 1, RUN_LIMIT_MS));
    }
  }
  const medians = (runs: Record<ToolsPath, Run[]>) => ({
    direct: medianRun(runs.direct),
    proxy: medianRun(runs.proxy),
    floor: medianRun(runs.floor),
  });
  return { load: medians(load), unloaded: medians(unloaded) };
}

/** `sseStreams` streams one after the other: median time to all events, percentiles over all events. */
async function sseRound(target: Target): Promise<SseFigures> {
  const streams: StreamRun[] = [];
  for (let i = 0; i < CONFIG.sseStreams; i++) {
    const run = await sseRun(target.mcp, target.token, RUN_LIMIT_MS);
    if (run.events !== SSE_EVENTS) throw new Error(`got ${run.events} of ${SSE_EVENTS} events`);
    streams.push(run);
  }
  const latencies = streams.flatMap((s) => s.latencies).sort((a, b) => a - b);
  return {
    totalMs: median(streams.map((s) => s.totalMs)),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

async function benchSse(stack: Stack): Promise<Record<Path, SseFigures>> {
  for (const path of PATHS) {
    for (let i = 0; i < 3; i++) await sseRun(stack.sse[path].mcp, stack.sse[path].token, RUN_LIMIT_MS);
  }
  const rounds: Record<Path, SseFigures[]> = { direct: [], proxy: [] };
  for (let round = 0; round < CONFIG.rounds; round++) {
    for (const path of order(PATHS, round)) rounds[path].push(await sseRound(stack.sse[path]));
  }
  const medianOf = (list: SseFigures[]): SseFigures => ({
    totalMs: median(list.map((r) => r.totalMs)),
    p50: median(list.map((r) => r.p50)),
    p99: median(list.map((r) => r.p99)),
  });
  return { direct: medianOf(rounds.direct), proxy: medianOf(rounds.proxy) };
}

async function main(): Promise<void> {
  const pinning = pinToOneCore();
  const loadAtStart = loadavg()[0] ?? 0;
  const started = performance.now();
  const stack = await startStack();
  let tools: ToolsFigures;
  let sse: Record<Path, SseFigures>;
  try {
    tools = await benchToolsCall(stack);
    sse = await benchSse(stack);
  } finally {
    await stack.close();
  }
  const memory = await measureRss(CONFIG.openStreams);
  const ownCore = await measureOwnCore(CONFIG);
  printReport({
    pinning,
    loadAtStart,
    seconds: (performance.now() - started) / 1000,
    config: CONFIG,
    tools,
    sse,
    memory,
    ownCore,
  });
}

await main();
