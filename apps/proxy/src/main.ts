#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import {
  createProxyServer,
  InvalidProxyOptionsError,
  type ResolvedProxyOptions,
  resolveOptions,
} from '@portcullis/proxy';
import { createRedactingLogger } from '@portcullis/resource-server';
import type { FastifyInstance } from 'fastify';
import { loadConfig, ProxyConfigError } from './config.js';

/** A running proxy. */
export interface RunningProxyApp {
  readonly app: FastifyInstance;
  readonly options: ResolvedProxyOptions;
  /** The address it listens on. */
  readonly address: string;
  /** Stop: close the listener, let in-flight requests finish, end open streams after the drain timeout. */
  close(): Promise<void>;
}

/**
 * `portcullis-proxy --config portcullis.yaml [--stdio -- <command> [args…]]`: load and validate the config (exits on the first problem with
 * a precise message), build the proxy and listen on `listen.host:listen.port` (127.0.0.1:9090 by default).
 */
export async function run(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<RunningProxyApp> {
  const config = await loadConfig(argv, env);
  const options = resolveOptions(config.options);
  const app = createProxyServer({
    ...(config.options as object),
    logger: createRedactingLogger({ level: config.logLevel }),
  } as Parameters<typeof createProxyServer>[0]);
  const address = await app.listen({ host: options.listen.host, port: options.listen.port });
  app.log.info(
    {
      address,
      resource: options.resource,
      upstream:
        options.upstream.kind === 'http'
          ? options.upstream.url
          : `stdio: ${[options.upstream.command, ...options.upstream.args].join(' ')}`,
    },
    'portcullis proxy listening',
  );
  return { app, options, address, close: () => app.close() };
}

async function main(): Promise<void> {
  const running = await run(process.argv.slice(2), process.env);
  const stop = () => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  main().catch((error: unknown) => {
    const known = error instanceof InvalidProxyOptionsError || error instanceof ProxyConfigError;
    console.error(known || !(error instanceof Error) ? String((error as Error).message ?? error) : error);
    process.exit(1);
  });
}
