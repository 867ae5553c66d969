// The benchmark's output: Markdown tables with absolute figures, the proxy against the direct baseline of
// the same run, and the targets of the issue with whether each is met. Informational: the exit code does not
// depend on the targets (the benchmark is not a test).

import { loadavg } from 'node:os';
import type { Run } from './load.js';
import type { OwnCoreFigures, OwnCoreLevel } from './own-core.js';
import { CHILD_RUNTIME, type Memory, type RssResult } from './rss.js';
import { SSE_EVENTS } from './sse-upstream.js';
import { PROXY_LOG_LEVEL } from './stack.js';

/** Median figures of the SSE streams of one path. */
export interface SseFigures {
  readonly totalMs: number;
  readonly p50: number;
  readonly p99: number;
}

/** Medians of one load level: direct, through the proxy, through the bare forwarder (the floor). */
export interface ToolsLevel {
  readonly direct: Run;
  readonly proxy: Run;
  readonly floor: Run;
}

/** `tools/call` under load (the configured concurrency) and unloaded (concurrency 1), per path. */
export interface ToolsFigures {
  readonly load: ToolsLevel;
  readonly unloaded: ToolsLevel;
}

export interface Report {
  readonly pinning: string;
  /** 1-minute load average of the machine when the benchmark started. */
  readonly loadAtStart: number;
  readonly seconds: number;
  readonly config: {
    readonly warmup: number;
    readonly requests: number;
    readonly concurrency: number;
    readonly latencyRequests: number;
    readonly rounds: number;
    readonly sseStreams: number;
  };
  readonly tools: ToolsFigures;
  readonly sse: { readonly direct: SseFigures; readonly proxy: SseFigures };
  readonly memory: RssResult;
  readonly ownCore: OwnCoreFigures;
}

const MB = 1_000_000;
const RSS_TARGET = 150 * MB;
const ms = (v: number) => `${v.toFixed(2)} ms`;
const plus = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(2)} ms`;
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const mb = (v: number | undefined) => (v === undefined ? 'n/a' : `${(v / MB).toFixed(1)} MB`);
const verdict = (ok: boolean | undefined) => (ok === undefined ? 'n/a' : ok ? 'met' : '**not met**');
const table = (head: readonly string[], rows: readonly (readonly string[])[]) =>
  [head, head.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');

function viaRow(label: string, direct: Run, via: Run): string[] {
  return [
    label,
    via.rps.toFixed(0),
    pct(via.rps / direct.rps),
    `${ms(via.p50)} (${plus(via.p50 - direct.p50)})`,
    `${ms(via.p99)} (${plus(via.p99 - direct.p99)})`,
    `${ms(via.cpuMs)} (${plus(via.cpuMs - direct.cpuMs)})`,
    pct(direct.cpuMs / via.cpuMs),
  ];
}

function toolsRows({ direct, proxy, floor }: ToolsLevel): string[][] {
  return [
    [
      'direct (client → upstream)',
      direct.rps.toFixed(0),
      '100%',
      ms(direct.p50),
      ms(direct.p99),
      ms(direct.cpuMs),
      '100%',
    ],
    viaRow('proxy (client → proxy → upstream)', direct, proxy),
    viaRow('floor: bare forwarder (node:http + undici, no checks)', direct, floor),
  ];
}

const TOOLS_HEAD = ['Path', 'Requests/s', 'vs. direct', 'p50', 'p99', 'CPU/request', 'vs. direct (CPU)'];

/** Microseconds per event of a stream that took `totalMs`. */
const perEvent = (totalMs: number) => ((totalMs * 1000) / SSE_EVENTS).toFixed(1);

const memoryRow = (state: string, m: Memory) => [
  state,
  mb(m.rss),
  mb(m.anon),
  mb(m.heapUsed),
  mb(m.heapTotal),
  mb(m.youngResident),
];

/** The own-core layout's rows: the proxy's CPU time is its own process's, reported apart. */
function ownCoreRows(label: string, { direct, proxy, proxyCpuMs }: OwnCoreLevel): string[][] {
  return [
    [`${label}: direct`, direct.rps.toFixed(0), '100%', ms(direct.p50), ms(direct.p99), '–'],
    [
      `${label}: proxy`,
      proxy.rps.toFixed(0),
      pct(proxy.rps / direct.rps),
      `${ms(proxy.p50)} (${plus(proxy.p50 - direct.p50)})`,
      `${ms(proxy.p99)} (${plus(proxy.p99 - direct.p99)})`,
      `${proxyCpuMs.toFixed(3)} ms (one core: ≈ ${(1000 / proxyCpuMs).toFixed(0)} requests/s)`,
    ],
  ];
}

function printOwnCore(ownCore: OwnCoreFigures, config: Report['config']): void {
  const title =
    '\nThe layout of the throughput targets: the proxy as deployed, a process of its own on one core (CPU 1), ' +
    'client and upstream on CPU 0 (direct: client → upstream on CPU 0); ' +
    `${config.warmup} requests per path to warm up, medians of ${config.rounds} rounds of ${config.requests} ` +
    `requests at concurrency ${config.concurrency} and ${config.latencyRequests} at concurrency 1`;
  if ('skipped' in ownCore) {
    console.log(`${title}: not measured (${ownCore.skipped})`);
    return;
  }
  console.log(title);
  console.log(
    table(
      ['Path', 'Requests/s', 'vs. direct', 'p50', 'p99', 'proxy CPU/request'],
      [
        ...ownCoreRows(`concurrency ${config.concurrency}`, ownCore.load),
        ...ownCoreRows('concurrency 1', ownCore.unloaded),
      ],
    ),
  );
}

/** Rows of the targets the own-core layout is judged on, or why there are none. */
function ownCoreTargets(ownCore: OwnCoreFigures, concurrency: number): string[][] {
  const layout = 'proxy on one core of its own';
  if ('skipped' in ownCore) {
    return [[`tools/call throughput ≥ 80% of direct (${layout})`, `not measured: ${ownCore.skipped}`, 'n/a']];
  }
  const { load, unloaded } = ownCore;
  const throughput = load.proxy.rps / load.direct.rps;
  const addedLoaded = load.proxy.p50 - load.direct.p50;
  const addedUnloaded = unloaded.proxy.p50 - unloaded.direct.p50;
  return [
    [
      `tools/call throughput ≥ 80% of direct, concurrency ${concurrency} (${layout})`,
      pct(throughput),
      verdict(throughput >= 0.8),
    ],
    [
      `tools/call added p50 ≤ 1 ms, concurrency ${concurrency} (${layout})`,
      plus(addedLoaded),
      verdict(addedLoaded <= 1),
    ],
    [`tools/call added p50 ≤ 1 ms, unloaded (${layout})`, plus(addedUnloaded), verdict(addedUnloaded <= 1)],
  ];
}

export function printReport({
  pinning,
  loadAtStart,
  seconds,
  config,
  tools,
  sse,
  memory,
  ownCore,
}: Report): void {
  const { load, unloaded } = tools;
  console.log(
    `\nNode ${process.version}, ${pinning}; proxy log level ${PROXY_LOG_LEVEL} (to /dev/null); ` +
      `${seconds.toFixed(0)} s; load average ${loadAtStart.toFixed(1)} at the start, ` +
      `${(loadavg()[0] ?? 0).toFixed(1)} at the end\n`,
  );
  console.log(
    'Authenticated tools/call hello-world (2026-07-28, stateless).\n' +
      'What the proxy costs in CPU time: client, proxy and upstream sharing one core (CPU 0), so that every ' +
      'microsecond the proxy spends is taken from the client and the upstream; ' +
      `${config.warmup} requests per path to warm up, medians of ${config.rounds} rounds; ` +
      `under load: ${config.requests} requests per path and round at concurrency ${config.concurrency}`,
  );
  console.log(table(TOOLS_HEAD, toolsRows(load)));
  console.log(`\nUnloaded: ${config.latencyRequests} requests per path and round at concurrency 1`);
  console.log(table(TOOLS_HEAD, toolsRows(unloaded)));
  printOwnCore(ownCore, config);

  console.log(
    `\nSSE stream of ${SSE_EVENTS} events (POST → text/event-stream, one event per event-loop turn), ` +
      `${config.rounds} rounds × ${config.sseStreams} streams per path, medians`,
  );
  const { direct, proxy } = sse;
  console.log(
    table(
      ['Path', 'All events', 'Per event', 'Event latency p50', 'p99'],
      [
        ['direct', ms(direct.totalMs), `${perEvent(direct.totalMs)} µs`, ms(direct.p50), ms(direct.p99)],
        [
          'proxy',
          `${ms(proxy.totalMs)} (×${(proxy.totalMs / direct.totalMs).toFixed(2)})`,
          `${perEvent(proxy.totalMs)} µs (+${perEvent(proxy.totalMs - direct.totalMs)} µs)`,
          `${ms(proxy.p50)} (${plus(proxy.p50 - direct.p50)})`,
          `${ms(proxy.p99)} (${plus(proxy.p99 - direct.p99)})`,
        ],
      ],
    ),
  );

  console.log(
    `\nProxy memory (child process on dist/, runtime as the portcullis-proxy command: ${CHILD_RUNTIME}; ` +
      `/proc/<pid>/status): ` +
      `${memory.opened} of ${memory.streams} ` +
      `authenticated SSE GET streams, one token per stream${memory.note === undefined ? '' : ` (${memory.note})`}`,
  );
  console.log(
    table(
      [
        'State',
        'RSS (VmRSS)',
        'anonymous (RssAnon)',
        'V8 heap used',
        'V8 heap total',
        'V8 young generation, resident',
      ],
      [
        memoryRow('idle (after a warm-up of 50 streams)', memory.idle),
        memoryRow(`${memory.opened} open SSE streams`, memory.open),
        memoryRow('after closing them', memory.afterClose),
      ],
    ),
  );

  const shared = load.proxy.rps / load.direct.rps;
  const sharedFloor = load.floor.rps / load.direct.rps;
  const addedUnloaded = unloaded.proxy.p50 - unloaded.direct.p50;
  const addedLoaded = load.proxy.p50 - load.direct.p50;
  const addedEvent = proxy.p50 - direct.p50;
  const rss = memory.open.rss;
  const rssOk = rss === undefined ? undefined : rss < RSS_TARGET && memory.opened >= 1_000;
  console.log(
    `\nTargets\n${table(
      ['Target', 'Measured', 'Result'],
      [
        ...ownCoreTargets(ownCore, config.concurrency),
        [
          'tools/call added p50 ≤ 1 ms, unloaded (sharing one core)',
          plus(addedUnloaded),
          verdict(addedUnloaded <= 1),
        ],
        ['SSE: added p50 per event ≤ 1 ms', plus(addedEvent), verdict(addedEvent <= 1)],
        ['RSS < 150 MB with 1,000 open SSE streams', mb(rss), verdict(rssOk)],
      ],
    )}`,
  );
  console.log(
    `\nCPU cost with client, proxy and upstream sharing one core (reported, not judged; README, "Benchmark")\n${table(
      ['Figure', 'Measured'],
      [
        [`throughput vs. direct, concurrency ${config.concurrency}`, pct(shared)],
        ['… the bare forwarder, which checks nothing', pct(sharedFloor)],
        ['… from CPU time per request', pct(load.direct.cpuMs / load.proxy.cpuMs)],
        ['… the bare forwarder, from CPU time', pct(load.direct.cpuMs / load.floor.cpuMs)],
        [`added p50, concurrency ${config.concurrency}`, plus(addedLoaded)],
        ['CPU time the proxy adds per request', plus(load.proxy.cpuMs - load.direct.cpuMs)],
        ['… the bare forwarder', plus(load.floor.cpuMs - load.direct.cpuMs)],
      ],
    )}`,
  );
}
