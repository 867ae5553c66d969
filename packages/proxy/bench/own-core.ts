// A layout the issue does not ask for, measured for comparison: the proxy in a process of its own on CPU 1,
// client and upstream in this process on CPU 0. Direct is client → upstream on CPU 0 alone. It answers "does
// a proxy given one core keep up with its upstream", where the main figures answer "what does the proxy cost
// when it shares one core with everything". Needs two CPUs and `taskset`; skipped otherwise.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { createReferenceMcpServer } from '@portcullis/app-mcp-server';
import { freePort, startLocalIssuer } from '@portcullis/test-support';
import { exportJWK, generateKeyPair } from 'jose';
import { pino } from 'pino';
import { medianRun, type Run, toolsCallRun } from './load.js';
import { startChild, stopChild } from './rss.js';
import { identityShapedToken, PROXY_LOG_LEVEL } from './stack.js';

/** Medians of the direct and the proxied path at one concurrency. */
export interface OwnCoreLevel {
  readonly direct: Run;
  readonly proxy: Run;
}

/** The figures of this layout, or why it was not measured. */
export type OwnCoreFigures =
  | { readonly load: OwnCoreLevel; readonly unloaded: OwnCoreLevel }
  | { readonly skipped: string };

const RUN_LIMIT_MS = 20_000;

/** `rounds` alternating rounds of `requests` at `concurrency` and `latencyRequests` at 1, per path. */
export async function measureOwnCore(config: {
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
      await toolsCallRun(mcp, token, 500, config.concurrency, RUN_LIMIT_MS);
    }
    const load = { direct: [] as Run[], proxy: [] as Run[] };
    const unloaded = { direct: [] as Run[], proxy: [] as Run[] };
    for (let round = 0; round < config.rounds; round++) {
      for (const path of round % 2 === 0 ? (['direct', 'proxy'] as const) : (['proxy', 'direct'] as const)) {
        const { mcp, token } = paths[path];
        load[path].push(await toolsCallRun(mcp, token, config.requests, config.concurrency, RUN_LIMIT_MS));
        unloaded[path].push(await toolsCallRun(mcp, token, config.latencyRequests, 1, RUN_LIMIT_MS));
      }
    }
    return {
      load: { direct: medianRun(load.direct), proxy: medianRun(load.proxy) },
      unloaded: { direct: medianRun(unloaded.direct), proxy: medianRun(unloaded.proxy) },
    };
  } finally {
    await stopChild(child);
    await upstream.close();
    await issuer.close();
  }
}
