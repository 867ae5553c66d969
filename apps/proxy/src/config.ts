import { readFile } from 'node:fs/promises';
import { isLoopbackHost } from '@portcullis/metadata';
import { parse } from 'yaml';

/** What `portcullis-proxy` was asked to run. */
export interface ProxyAppConfig {
  /** The proxy options (YAML file plus environment overrides), not yet validated. */
  readonly options: Record<string, unknown>;
  /** pino level. */
  readonly logLevel: string;
  /** The config file read, if any. */
  readonly configFile: string | undefined;
  /** `--check`: validate, then exit without listening. */
  readonly check: boolean;
}

/** The error `portcullis-proxy` prints before exiting 1. */
export class ProxyConfigError extends Error {
  readonly code = 'ERR_PORTCULLIS_PROXY_INVALID_OPTIONS';
}

type Env = Readonly<Record<string, string | undefined>>;

/** The one-line usage, also the start of every command-line error. */
export const USAGE =
  'usage: portcullis-proxy [--config portcullis.yaml] [--check] [--stdio -- <command> [args…]] | --help | --version';

/** The flags before `--` (after it comes the stdio command and its own arguments). */
export function flagsOf(argv: readonly string[]): readonly string[] {
  const dashes = argv.indexOf('--');
  return dashes < 0 ? argv : argv.slice(0, dashes);
}

/**
 * The command line: `[--config <file> | --config=<file> | -c <file>] [--check] [--stdio -- <command> [args…]]`
 * (`--help` and `--version` are answered before this).
 */
function parseArgs(
  argv: readonly string[],
  env: Env,
): { file: string | undefined; stdio: string[] | undefined; check: boolean } {
  const dashes = argv.indexOf('--');
  const flags = flagsOf(argv);
  const command = dashes < 0 ? undefined : argv.slice(dashes + 1);
  const fail = (why: string) =>
    new ProxyConfigError(`${USAGE}: ${why} (got ${JSON.stringify(argv.join(' '))})`);
  let file: string | undefined;
  let stdio = false;
  let check = false;
  for (let i = 0; i < flags.length; i += 1) {
    const flag = flags[i] ?? '';
    if (flag === '--stdio' && !stdio) stdio = true;
    else if (flag === '--check' && !check) check = true;
    else if (flag.startsWith('--config=') && file === undefined) file = flag.slice('--config='.length);
    else if ((flag === '--config' || flag === '-c') && file === undefined) {
      const value = flags[i + 1];
      if (value === undefined || value.startsWith('-')) throw fail(`${flag} needs a file`);
      file = value;
      i += 1;
    } else throw fail(`unexpected ${JSON.stringify(flag)}`);
  }
  if (stdio !== (command !== undefined)) throw fail('--stdio and "-- <command>" go together');
  if (command !== undefined && (command[0] ?? '') === '') throw fail('--stdio needs a command after --');
  return { file: file ?? env.PORTCULLIS_PROXY_CONFIG, stdio: command, check };
}

/**
 * Point `options.upstream` at the stdio command: a stdio upstream from the file keeps its other keys (`env`,
 * `cwd`, `maxProcesses`, `maxProcessesPerCaller`, `timeoutMs`, `filterToolsList`); an http one is replaced.
 */
function stdioUpstream(options: Record<string, unknown>, command: readonly string[], env: Env): void {
  for (const name of ['PORTCULLIS_PROXY_UPSTREAM_URL', 'PORTCULLIS_PROXY_IDENTITY_KEY_FILE'] as const) {
    if (env[name] !== undefined)
      throw new ProxyConfigError(`${name} applies to an http upstream, not to --stdio`);
  }
  const current = options.upstream as Record<string, unknown> | undefined;
  const keep = current?.kind === 'stdio' ? current : {};
  options.upstream = { ...keep, kind: 'stdio', command: command[0], args: command.slice(1) };
}

function port(value: string, name: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65_535)
    throw new ProxyConfigError(`${name} must be a TCP port (0-65535), got ${JSON.stringify(value)}`);
  return n;
}

function section(options: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = options[key];
  const object = typeof value === 'object' && value !== null ? { ...(value as Record<string, unknown>) } : {};
  options[key] = object;
  return object;
}

/**
 * Read `--config <file>` (or `PORTCULLIS_PROXY_CONFIG`) as YAML, take `--stdio -- <command> [args…]` as the
 * upstream (a stdio MCP server spawned per session, without a shell) and apply the environment overrides:
 * `PORTCULLIS_PROXY_PORT`, `PORTCULLIS_PROXY_HOST`, `PORTCULLIS_PROXY_PUBLIC_URL` (default
 * `http://localhost:<port>` when neither sets it), `PORTCULLIS_PROXY_UPSTREAM_URL`, `PORTCULLIS_PROXY_IDP_ISSUER`,
 * `PORTCULLIS_PROXY_IDP_JWKS_URI`, `PORTCULLIS_PROXY_IDP_INTROSPECTION_CLIENT_SECRET` and
 * `PORTCULLIS_PROXY_FACADE_STORE_KEY` and `PORTCULLIS_PROXY_FACADE_PREVIOUS_STORE_KEYS` (comma-separated) (secrets
 * kept out of the file),
 * `PORTCULLIS_PROXY_IDENTITY_KEY_FILE` and `PORTCULLIS_PROXY_LOG_LEVEL`.
 * A non-loopback bind needs an https public URL (RS-26, RS-31).
 * @throws {ProxyConfigError} naming the argument, file or variable at fault.
 */
export async function loadConfig(argv: readonly string[], env: Env): Promise<ProxyAppConfig> {
  const { file, stdio, check } = parseArgs(argv, env);
  let options: Record<string, unknown> = {};
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (cause) {
      throw new ProxyConfigError(`cannot read the config file ${file}: ${(cause as Error).message}`);
    }
    const parsed: unknown = parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ProxyConfigError(`the config file ${file} must hold a YAML mapping`);
    }
    options = { ...(parsed as Record<string, unknown>) };
  }
  const listen = section(options, 'listen');
  if (env.PORTCULLIS_PROXY_PORT !== undefined)
    listen.port = port(env.PORTCULLIS_PROXY_PORT, 'PORTCULLIS_PROXY_PORT');
  if (env.PORTCULLIS_PROXY_HOST !== undefined) listen.host = env.PORTCULLIS_PROXY_HOST;
  if (env.PORTCULLIS_PROXY_PUBLIC_URL !== undefined) options.publicUrl = env.PORTCULLIS_PROXY_PUBLIC_URL;
  else if (options.publicUrl === undefined && typeof listen.port === 'number' && listen.port !== 0) {
    options.publicUrl = `http://localhost:${listen.port}`;
  }
  if (stdio !== undefined) stdioUpstream(options, stdio, env);
  if (env.PORTCULLIS_PROXY_UPSTREAM_URL !== undefined)
    section(options, 'upstream').url = env.PORTCULLIS_PROXY_UPSTREAM_URL;
  if (env.PORTCULLIS_PROXY_IDP_ISSUER !== undefined)
    section(options, 'idp').issuer = env.PORTCULLIS_PROXY_IDP_ISSUER;
  if (env.PORTCULLIS_PROXY_IDP_JWKS_URI !== undefined)
    section(options, 'idp').jwksUri = env.PORTCULLIS_PROXY_IDP_JWKS_URI;
  if (env.PORTCULLIS_PROXY_IDP_INTROSPECTION_CLIENT_SECRET !== undefined) {
    const idp = section(options, 'idp');
    section(idp, 'introspection').clientSecret = env.PORTCULLIS_PROXY_IDP_INTROSPECTION_CLIENT_SECRET;
  }
  if (env.PORTCULLIS_PROXY_FACADE_STORE_KEY !== undefined) {
    section(options, 'facade').storeKey = env.PORTCULLIS_PROXY_FACADE_STORE_KEY;
  }
  if (env.PORTCULLIS_PROXY_FACADE_PREVIOUS_STORE_KEYS !== undefined) {
    // Comma-separated: a key with a comma in it goes in the file instead.
    section(options, 'facade').previousStoreKeys = env.PORTCULLIS_PROXY_FACADE_PREVIOUS_STORE_KEYS.split(',')
      .map((key) => key.trim())
      .filter((key) => key !== '');
  }
  if (env.PORTCULLIS_PROXY_IDENTITY_KEY_FILE !== undefined) {
    const upstream = section(options, 'upstream');
    upstream.identity = {
      mode: 'jwt',
      ...(upstream.identity as object),
      keyFile: env.PORTCULLIS_PROXY_IDENTITY_KEY_FILE,
    };
  }
  const host = typeof listen.host === 'string' ? listen.host : '127.0.0.1';
  const publicUrl = typeof options.publicUrl === 'string' ? options.publicUrl : '';
  if (!isLoopbackHost(host) && !publicUrl.startsWith('https:')) {
    throw new ProxyConfigError(`listen.host ${host} is not loopback, so publicUrl must be an https URL`);
  }
  return { options, logLevel: env.PORTCULLIS_PROXY_LOG_LEVEL ?? 'info', configFile: file, check };
}
