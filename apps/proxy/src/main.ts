import { readFileSync } from 'node:fs';
import {
  createProxyServer,
  describeRuntimeTuning,
  InvalidProxyOptionsError,
  ProxyError,
  type ResolvedProxyOptions,
  resolveOptions,
} from '@portcullis/proxy';
import { createRedactingLogger } from '@portcullis/resource-server';
import type { FastifyInstance } from 'fastify';
import { flagsOf, loadConfig, type ProxyAppConfig, ProxyConfigError, USAGE } from './config.js';

/** `portcullis-proxy --help`. */
export const HELP = `${USAGE}

The Portcullis auth proxy: the OAuth resource server (and in facade mode also the authorization server) that
MCP clients see, in front of an MCP server. It listens on 127.0.0.1:9090 unless the config says otherwise.

  -c, --config <file>    the YAML config (or PORTCULLIS_PROXY_CONFIG); examples in examples/*.yaml
  --stdio -- <command>   spawn this stdio MCP server (one per session or caller) instead of an http upstream
  --check                validate the config and read the files it names (keys), then exit without
                         listening: 0 and a summary when valid, 1 and the first problem when not
  -h, --help             this text
  -V, --version          the version

Environment (overrides the file): PORTCULLIS_PROXY_PORT, PORTCULLIS_PROXY_HOST, PORTCULLIS_PROXY_PUBLIC_URL,
PORTCULLIS_PROXY_UPSTREAM_URL, PORTCULLIS_PROXY_IDP_ISSUER, PORTCULLIS_PROXY_IDP_JWKS_URI,
PORTCULLIS_PROXY_IDP_INTROSPECTION_CLIENT_SECRET, PORTCULLIS_PROXY_FACADE_STORE_KEY,
PORTCULLIS_PROXY_FACADE_PREVIOUS_STORE_KEYS (comma-separated), PORTCULLIS_PROXY_IDENTITY_KEY_FILE,
PORTCULLIS_PROXY_LOG_LEVEL (default info).

Runtime tuning: unless PORTCULLIS_PROXY_RUNTIME_TUNING=off, the command re-executes node once, in place (same
PID), with --max-semi-space-size=8 --no-concurrent-recompilation and MALLOC_ARENA_MAX=1: about 50 MB less
memory with 1000 open streams. A setting you give (command line, NODE_OPTIONS, environment) wins. The
start-up log line shows what is in effect ("runtimeTuning").

SIGTERM or SIGINT stops it: no new requests, in-flight ones finish, open streams end after
shutdown.drainTimeoutMs. SIGHUP reads the identity key files again (upstream.identity.keyFile and
publishedKeyFiles): key rotation without a restart; on an error the keys in use stay (logged).
`;

/** `portcullis-proxy --version`: this app's version and the Node.js running it. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return `portcullis-proxy ${pkg.version} (Node.js ${process.version})\n`;
}

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
  const { app, options } = build(config);
  const address = await app.listen({ host: options.listen.host, port: options.listen.port });
  app.log.info(
    {
      address,
      resource: options.resource,
      runtimeTuning: describeRuntimeTuning(process.execArgv, env),
      upstream:
        options.upstream.kind === 'http'
          ? options.upstream.url
          : `stdio: ${[options.upstream.command, ...options.upstream.args].join(' ')}`,
    },
    'portcullis proxy listening',
  );
  return { app, options, address, close: () => app.close() };
}

function build(config: ProxyAppConfig): { app: FastifyInstance; options: ResolvedProxyOptions } {
  const options = resolveOptions(config.options);
  const app = createProxyServer({
    ...(config.options as object),
    logger: createRedactingLogger({ level: config.logLevel }),
  } as Parameters<typeof createProxyServer>[0]);
  return { app, options };
}

/**
 * What the command line asks for instead of running: the text of `--help` or `--version`, or the summary of
 * `--check` (the config validated and the proxy built and made ready, which reads its key files, without
 * listening); `undefined` to run.
 * @throws {ProxyConfigError | InvalidProxyOptionsError} as {@link run}, for `--check` too.
 */
export async function answerWithoutRunning(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const flags = flagsOf(argv);
  if (flags.includes('--help') || flags.includes('-h')) return HELP;
  if (flags.includes('--version') || flags.includes('-V')) return version();
  const config = await loadConfig(argv, env);
  if (!config.check) return undefined;
  const { app, options } = build({ ...config, logLevel: 'warn' });
  try {
    await app.ready();
  } finally {
    await app.close();
  }
  const upstream =
    options.upstream.kind === 'http'
      ? options.upstream.url
      : `stdio: ${[options.upstream.command, ...options.upstream.args].join(' ')}`;
  const mode = options.facade === undefined ? 'direct' : 'facade';
  return `portcullis-proxy: ${config.configFile ?? 'the configuration'} is valid: ${mode} mode, ${options.resource} in front of ${upstream}, listening on ${options.listen.host}:${options.listen.port}\n`;
}

/**
 * What to print when the proxy cannot start: the message alone for the errors that explain themselves (bad
 * arguments or options, a coded `ProxyError` such as an unreadable key file, with its cause's message), the
 * whole error (stack included) for anything unexpected.
 */
export function startFailure(error: unknown): unknown {
  if (error instanceof InvalidProxyOptionsError || error instanceof ProxyConfigError) return error.message;
  if (error instanceof ProxyError) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.code}: ${error.message}${cause}`;
  }
  return error instanceof Error ? error : String(error);
}

/** The command's work after the runtime tuning (`bin.ts`): answer `--help`, `--version`, `--check`, or run until a signal. */
export async function main(): Promise<void> {
  const answer = await answerWithoutRunning(process.argv.slice(2), process.env);
  if (answer !== undefined) {
    process.stdout.write(answer);
    return;
  }
  const running = await run(process.argv.slice(2), process.env);
  const stop = () => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Key rotation without a restart: the identity key files are read again (the outcome is logged).
  process.on('SIGHUP', () => void running.app.reloadKeys());
}
