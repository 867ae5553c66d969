// The proxy alone in a child process, so that the RSS the benchmark reads is the proxy's and nothing else's.
// Run by plain `node` (Node's built-in type stripping: type-only syntax here) on the built package, `dist/`,
// so no TypeScript loader sits in the measured process. Configured by the BENCH_PROXY_CHILD environment
// variable (JSON); prints `ready` once listening; answers the IPC message `memory` with
// `process.memoryUsage()` and the V8 heap spaces; exits on SIGTERM, when the IPC channel closes (the parent
// is gone), or after three minutes, whichever comes first.
import { getHeapSpaceStatistics } from 'node:v8';
import { createRedactingLogger } from '@portcullis/resource-server';
import { pino } from 'pino';

/** What the parent passes in BENCH_PROXY_CHILD. */
export interface ChildConfig {
  readonly port: number;
  readonly issuer: string;
  readonly jwksUri: string;
  readonly upstreamUrl: string;
  readonly logLevel: string;
  /** The identity signing key (`upstream.identity.privateJwk`), for an upstream that trusts this proxy. */
  readonly privateJwk?: Record<string, unknown>;
}

const config = JSON.parse(process.env.BENCH_PROXY_CHILD ?? '{}') as ChildConfig;
const entry = new URL('../dist/index.js', import.meta.url).href;
const { createProxyServer } = (await import(entry)) as typeof import('../src/index.js');

const app = createProxyServer({
  publicUrl: `http://127.0.0.1:${config.port}`,
  idp: { issuer: config.issuer, jwksUri: config.jwksUri },
  upstream: {
    url: config.upstreamUrl,
    ...(config.privateJwk === undefined ? {} : { identity: { mode: 'jwt', privateJwk: config.privateJwk } }),
  },
  scopes: { default: ['mcp:tools'] },
  logger: createRedactingLogger({
    level: config.logLevel,
    destination: pino.destination({ dest: '/dev/null', sync: true }),
  }),
});
await app.listen({ host: '127.0.0.1', port: config.port });
process.stdout.write('ready\n');

let stopping = false;
const stop = (code: number) => {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(code), 5_000).unref();
  void app.close().finally(() => process.exit(code));
};
process.once('SIGTERM', () => stop(0));
process.once('disconnect', () => stop(0));
process.on('message', (message) => {
  if (message === 'memory') process.send?.({ ...process.memoryUsage(), spaces: getHeapSpaceStatistics() });
});
setTimeout(() => stop(2), 180_000).unref();
