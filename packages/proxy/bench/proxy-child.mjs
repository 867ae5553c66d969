// The proxy alone in a child process, so that the RSS the benchmark reads is the proxy's and nothing else's.
// Plain JavaScript on the built package, `dist/`, run by plain `node`: a `.ts` file here would make Node load
// its TypeScript stripper (about 17 MB of RSS, measured), which the shipped command (`dist/bin.js`) never
// does. Configured by the BENCH_PROXY_CHILD environment variable (JSON, `ChildConfig` in rss.ts); prints
// `ready` once listening; answers the IPC message `memory` with `process.memoryUsage()` and the V8 heap
// spaces, and `cpu` with `process.cpuUsage()`; exits on SIGTERM, when the IPC channel closes (the parent is
// gone), or after three minutes, whichever comes first.
import { getHeapSpaceStatistics } from 'node:v8';
import { createRedactingLogger } from '@portcullis/resource-server';
import { pino } from 'pino';

const config = JSON.parse(process.env.BENCH_PROXY_CHILD ?? '{}');
const { createProxyServer } = await import(new URL('../dist/index.js', import.meta.url).href);

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
const stop = (code) => {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(code), 5_000).unref();
  void app.close().finally(() => process.exit(code));
};
process.once('SIGTERM', () => stop(0));
process.once('disconnect', () => stop(0));
process.on('message', (message) => {
  if (message === 'memory') process.send?.({ ...process.memoryUsage(), spaces: getHeapSpaceStatistics() });
  if (message === 'cpu') process.send?.(process.cpuUsage());
});
setTimeout(() => stop(2), 180_000).unref();
