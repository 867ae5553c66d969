// The layout the throughput targets are judged on: the proxy as it is deployed, a process of its own given one
// core (CPU 1), the client and the upstream in this process on CPU 0. Direct is client → upstream on CPU 0
// alone. It answers "what does putting the proxy, on one core, in front of an upstream cost the client", where
// the shared-core figures (proxy-overhead.ts) answer "what does the proxy cost in CPU time when it shares one
// core with everything". The proxy child also reports its own CPU time per request. Needs two CPUs and
// `taskset`; skipped otherwise.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { createReferenceMcpServer } from '@portcullis/app-mcp-server';
import { freePort, startLocalIssuer } from '@portcullis/test-support';
import { exportJWK, generateKeyPair } from 'jose';
import { pino } from 'pino';
import { median, medianRun, type Run, toolsCallRun } from './load.js';
import { cpuTimeOf, startChild, stopChild } from './rss.js';
import { identityShapedToken, PROXY_LOG_LEVEL } from './stack.js';

/** Medians of the direct and the proxied path at one concurrency. */
export interface OwnCoreLevel {
  readonly direct: Run;
  readonly proxy: Run;
  /** CPU time of the proxy process per request, in ms (its `process.cpuUsage()`, all threads). */
  readonly proxyCpuMs: number;
}

/** The figures of this layout, or why it was not measured. */
export type OwnCoreFigures =
  | { readonly load: OwnCoreLevel; readonly unloaded: OwnCoreLevel }
  | { readonly skipped: string };

const RUN_LIMIT_MS = 20_000;

/**
 * `warmup` requests per path first: the proxy child starts cold, while the direct path's upstream has served
 * the shared-core phases already. Then `rounds` alternating rounds of `requests` at `concurrency` and
 * `latencyRequests` at 1, per path.
 */
export async function measureOwnCore(config: {
  readonly warmup: number;
  readonly requests: number;
  readonly concurrency: number;
  readonly latencyRequests: number;
  readonly rounds: number;
}): Promise<OwnCoreFigures> {
  // cpus(), not availableParallelism(): this process is pinned to CPU 0 by then, the machine may have more.
  if (cpus().length < 2) return { skipped: 'one CPU only' };
  try {
    execFileSync('taskset', ['-c', '1', 'true'], { stdio: 'ignore' });
  } catch {
    return { skipped: 'no taskset, or CPU 1 not allowed' };
  }
  const issuer = await startLocalIssuer();
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = 'bench-identity';
  const [port, upstreamPort] = [await freePort(), await freePort()];
  const proxyUrl = `http://127.0.0.1:${port}`;
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}/mcp`;
  const child = await startChild(
    {
      port,
      issuer: issuer.issuer,
      jwksUri: issuer.jwksUri,
      upstreamUrl,
      logLevel: PROXY_LOG_LEVEL,
      privateJwk: { ...(await exportJWK(privateKey)), kid },
    },
    1,
  );
  const upstream = createReferenceMcpServer({
    resource: upstreamUrl,
    issuer: proxyUrl,
    jwksUri: `${proxyUrl}/.well-known/jwks.json`,
    logger: pino({ level: 'silent' }),
  });
  try {
    await upstream.listen({ host: '127.0.0.1', port: upstreamPort });
    const paths = {
      direct: { mcp: upstreamUrl, token: await identityShapedToken(privateKey, kid, proxyUrl, upstreamUrl) },
      proxy: {
        mcp: `${proxyUrl}/mcp`,
        token: await issuer.sign(`${proxyUrl}/mcp`, { exp: Math.floor(Date.now() / 1000) + 900 }),
      },
    };
    for (const { mcp, token } of Object.values(paths)) {
      await toolsCallRun(mcp, token, config.warmup, config.concurrency, RUN_LIMIT_MS);
    }
    const load = { direct: [] as Run[], proxy: [] as Run[], proxyCpu: [] as number[] };
    const unloaded = { direct: [] as Run[], proxy: [] as Run[], proxyCpu: [] as number[] };
    const run = async (path: 'direct' | 'proxy', runs: typeof load, count: number, concurrency: number) => {
      const { mcp, token } = paths[path];
      const cpuBefore = path === 'proxy' ? await cpuTimeOf(child) : 0;
      const result = await toolsCallRun(mcp, token, count, concurrency, RUN_LIMIT_MS);
      runs[path].push(result);
      if (path === 'proxy') runs.proxyCpu.push(((await cpuTimeOf(child)) - cpuBefore) / result.requests);
    };
    for (let round = 0; round < config.rounds; round++) {
      for (const path of round % 2 === 0 ? (['direct', 'proxy'] as const) : (['proxy', 'direct'] as const)) {
        await run(path, load, config.requests, config.concurrency);
        await run(path, unloaded, config.latencyRequests, 1);
      }
    }
    const level = (runs: typeof load): OwnCoreLevel => ({
      direct: medianRun(runs.direct),
      proxy: medianRun(runs.proxy),
      proxyCpuMs: median(runs.proxyCpu),
    });
    return { load: level(load), unloaded: level(unloaded) };
  } finally {
    await stopChild(child);
    await upstream.close();
    await issuer.close();
  }
}
