// Authenticated vs unauthenticated `tools/call` on the same server code, same process, same core, loopback
// only. Prints requests/s and p50/p99 latency, and the auth run as a ratio of the no-auth baseline.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/server';
import type { FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { pino } from 'pino';
import { Pool } from 'undici';
import { z } from 'zod';
import { createMcpResourceServer } from '../src/index.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const TIME_LIMIT_MS = 20_000;

interface Run {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function factory(): McpServer {
  const server = new McpServer({ name: 'bench', version: '1.0.0' });
  server.registerTool('echo', { inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  return server;
}

async function start(
  auth: boolean,
  jwksUri: string,
  issuer: string,
  verifiedCacheTtlMs?: number,
): Promise<{ app: FastifyInstance; resource: string }> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const resource = `http://127.0.0.1:${port}/mcp`;
  const app = createMcpResourceServer({
    resource,
    authorizationServers: [issuer],
    jwt: { jwksUri, ...(verifiedCacheTtlMs === undefined ? {} : { verifiedCacheTtlMs }) },
    dangerouslyDisableAuth: !auth,
    server: factory,
    logger: pino({ level: 'silent' }),
  });
  await app.listen({ host: '127.0.0.1', port });
  return { app, resource };
}

async function measure(resource: string, token: string | undefined, count: number): Promise<Run> {
  const url = new URL(resource);
  const pool = new Pool(url.origin, { connections: CONCURRENCY, pipelining: 1 });
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: {
      name: 'echo',
      arguments: { text: 'hi' },
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': 'tools/call',
    'mcp-name': 'echo',
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
  };
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count && performance.now() - started < TIME_LIMIT_MS) {
      next++;
      const t0 = performance.now();
      const response = await pool.request({ method: 'POST', path: url.pathname, headers, body });
      await response.body.text();
      if (response.statusCode !== 200) throw new Error(`unexpected status ${response.statusCode}`);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = performance.now() - started;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return {
    rps: (latencies.length / elapsed) * 1000,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

function median(runs: Run[], key: keyof Run): number {
  const values = runs.map((r) => r[key]).sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const kid = randomUUID();
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256' }] });
  const jwksServer = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(jwks),
  );
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`;
  const off = await start(false, `${issuer}/jwks`, issuer);
  const on = await start(true, `${issuer}/jwks`, issuer);
  const uncached = await start(true, `${issuer}/jwks`, issuer, 0);
  const sign = (audience: string) =>
    new SignJWT({ sub: 'bench', client_id: 'bench', scope: 'mcp:tools' })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
  const token = await sign(on.resource);
  const uncachedToken = await sign(uncached.resource);

  await measure(off.resource, undefined, 300);
  await measure(on.resource, token, 300);
  const baseline: Run[] = [];
  const authed: Run[] = [];
  const everyRequest: Run[] = [];
  await measure(uncached.resource, uncachedToken, 300);
  for (let round = 0; round < ROUNDS; round++) {
    baseline.push(await measure(off.resource, undefined, REQUESTS));
    authed.push(await measure(on.resource, token, REQUESTS));
    everyRequest.push(await measure(uncached.resource, uncachedToken, REQUESTS));
  }
  const row = (name: string, runs: Run[]) =>
    `| ${name} | ${median(runs, 'rps').toFixed(0)} | ${median(runs, 'p50').toFixed(2)} | ${median(runs, 'p99').toFixed(2)} |`;
  console.log(
    `tools/call, ${REQUESTS} requests × ${ROUNDS} rounds, concurrency ${CONCURRENCY}, Node ${process.version}`,
  );
  console.log('| mode | requests/s | p50 ms | p99 ms |\n| --- | --- | --- | --- |');
  console.log(row('no auth (baseline)', baseline));
  console.log(row('JWT auth, warm verification cache', authed));
  console.log(row('JWT auth, signature checked on every request', everyRequest));
  const report = (name: string, runs: Run[]) => {
    const ratio = median(runs, 'rps') / median(baseline, 'rps');
    console.log(
      `${name}: throughput ${(ratio * 100).toFixed(1)}% of baseline (cost ${((1 - ratio) * 100).toFixed(1)}%), ` +
        `p50 ×${(median(runs, 'p50') / median(baseline, 'p50')).toFixed(2)}, p99 ×${(median(runs, 'p99') / median(baseline, 'p99')).toFixed(2)}`,
    );
  };
  report('warm cache', authed);
  report('no cache', everyRequest);
  await on.app.close();
  await uncached.app.close();
  await off.app.close();
  jwksServer.close();
}

await main();
