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
}

/** The error `portcullis-proxy` prints before exiting 1. */
export class ProxyConfigError extends Error {
  readonly code = 'ERR_PORTCULLIS_PROXY_INVALID_OPTIONS';
}

type Env = Readonly<Record<string, string | undefined>>;

function configPath(argv: readonly string[], env: Env): string | undefined {
  const [first, second, ...rest] = argv;
  if (first === undefined) return env.PORTCULLIS_PROXY_CONFIG;
  if (first.startsWith('--config=') && second === undefined) return first.slice('--config='.length);
  const flag = first === '--config' || first === '-c';
  if (flag && second !== undefined && !second.startsWith('-') && rest.length === 0) return second;
  throw new ProxyConfigError(
    `usage: portcullis-proxy --config portcullis.yaml (got ${JSON.stringify(argv.join(' '))})`,
  );
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
 * Read `--config <file>` (or `PORTCULLIS_PROXY_CONFIG`) as YAML and apply the environment overrides:
 * `PORTCULLIS_PROXY_PORT`, `PORTCULLIS_PROXY_HOST`, `PORTCULLIS_PROXY_PUBLIC_URL` (default
 * `http://localhost:<port>` when neither sets it), `PORTCULLIS_PROXY_UPSTREAM_URL`, `PORTCULLIS_PROXY_IDP_ISSUER`,
 * `PORTCULLIS_PROXY_IDP_JWKS_URI`, `PORTCULLIS_PROXY_IDENTITY_KEY_FILE` and `PORTCULLIS_PROXY_LOG_LEVEL`.
 * A non-loopback bind needs an https public URL (RS-26, RS-31).
 * @throws {ProxyConfigError} naming the argument, file or variable at fault.
 */
export async function loadConfig(argv: readonly string[], env: Env): Promise<ProxyAppConfig> {
  const file = configPath(argv, env);
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
  if (env.PORTCULLIS_PROXY_UPSTREAM_URL !== undefined)
    section(options, 'upstream').url = env.PORTCULLIS_PROXY_UPSTREAM_URL;
  if (env.PORTCULLIS_PROXY_IDP_ISSUER !== undefined)
    section(options, 'idp').issuer = env.PORTCULLIS_PROXY_IDP_ISSUER;
  if (env.PORTCULLIS_PROXY_IDP_JWKS_URI !== undefined)
    section(options, 'idp').jwksUri = env.PORTCULLIS_PROXY_IDP_JWKS_URI;
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
  return { options, logLevel: env.PORTCULLIS_PROXY_LOG_LEVEL ?? 'info', configFile: file };
}
