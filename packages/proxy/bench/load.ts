// Load generation: undici with a fixed number of workers in a bounded loop (count and time), the same
// approach as packages/resource-server/bench. No load-generator package: autocannon would add a dependency
// and its own timing loop to a process that already holds client, proxy and upstream.
import { Pool, request } from 'undici';

/** One measured run of requests. */
export interface Run {
  /** Requests answered (fewer than asked when the time limit ended the run). */
  readonly requests: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  /**
   * CPU time of this process (client, proxy and upstream, all threads) per request, in ms. Unlike `rps` it
   * hardly moves when other work on the machine takes the core away.
   */
  readonly cpuMs: number;
}

/** One SSE stream: time from sending the request to its end, and each event's latency in ms. */
export interface StreamRun {
  readonly totalMs: number;
  readonly events: number;
  readonly latencies: number[];
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** The medians of each figure of `list`. */
export function medianRun(list: readonly Run[]): Run {
  return {
    requests: median(list.map((r) => r.requests)),
    rps: median(list.map((r) => r.rps)),
    p50: median(list.map((r) => r.p50)),
    p99: median(list.map((r) => r.p99)),
    cpuMs: median(list.map((r) => r.cpuMs)),
  };
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** Headers of a 2026-07-28 (stateless) MCP `POST`. */
function mcpHeaders(token: string, tool: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': 'tools/call',
    'mcp-name': tool,
    authorization: `Bearer ${token}`,
  };
}

function toolsCall(tool: string, args: Record<string, unknown>): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: {
      name: tool,
      arguments: args,
      _meta: {
        progressToken: 1,
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  });
}

/**
 * `count` authenticated `tools/call hello-world` requests over `concurrency` keep-alive connections, at most
 * `timeLimitMs`. Every answer must be 200 with the greeting.
 */
export async function toolsCallRun(
  mcp: string,
  token: string,
  count: number,
  concurrency: number,
  timeLimitMs: number,
): Promise<Run> {
  const url = new URL(mcp);
  const pool = new Pool(url.origin, { connections: concurrency, pipelining: 1 });
  const headers = mcpHeaders(token, 'hello-world');
  const body = toolsCall('hello-world', { name: 'joe' });
  const latencies: number[] = [];
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const worker = async () => {
    while (next < count && performance.now() - started < timeLimitMs) {
      next++;
      const t0 = performance.now();
      const response = await pool.request({ method: 'POST', path: url.pathname, headers, body });
      const text = await response.body.text();
      if (response.statusCode !== 200 || !text.includes('Hello, joe!')) {
        throw new Error(`unexpected answer from ${mcp}: ${response.statusCode} ${text.slice(0, 200)}`);
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  await pool.close();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    rps: (latencies.length / elapsed) * 1000,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuMs: (user + system) / 1000 / latencies.length,
  };
}

/**
 * One `POST` answered with an SSE stream (see sse-upstream.ts). An event's latency is the time from the
 * upstream writing it (its `t`, same process and clock) to the client reading the chunk that completes it.
 */
export async function sseRun(mcp: string, token: string, timeLimitMs: number): Promise<StreamRun> {
  const started = performance.now();
  const response = await request(mcp, {
    method: 'POST',
    headers: mcpHeaders(token, 'count-to-1000'),
    body: toolsCall('count-to-1000', {}),
    signal: AbortSignal.timeout(timeLimitMs),
  });
  if (
    response.statusCode !== 200 ||
    !String(response.headers['content-type']).startsWith('text/event-stream')
  ) {
    throw new Error(`unexpected answer from ${mcp}: ${response.statusCode} ${await response.body.text()}`);
  }
  const latencies: number[] = [];
  let buffer = '';
  for await (const chunk of response.body) {
    const now = performance.now();
    buffer += String(chunk);
    let end = buffer.indexOf('\n\n');
    while (end !== -1) {
      const stamp = /"t":([\d.]+)/.exec(buffer.slice(0, end));
      if (stamp?.[1] !== undefined) latencies.push(now - Number(stamp[1]));
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
    }
  }
  return { totalMs: performance.now() - started, events: latencies.length, latencies };
}
