import { parseArgs } from 'node:util';
import { isLoopbackHost } from '@portcullis/metadata';
import { commandOpener } from '../browser.js';
import type { BrowserOpener, ClientEvent, OAuthClientOptionsInput } from '../options.js';

/** Exit codes of the `portcullis` CLI (stable; scripts may rely on them). */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** The tool answered with `isError: true`, or `doctor` found a failing check. */
  toolError: 1,
  /** Bad command line: unknown command or flag, missing argument, invalid JSON. */
  usage: 2,
  /** The server or its authorization server is misconfigured (discovery, metadata, PKCE, registration). */
  discovery: 3,
  /** Login, token or permission failure (denied, state/iss mismatch, token request, step-up limit, 401). */
  authorization: 4,
  /** Network or MCP protocol failure. */
  network: 5,
  /** The local token store cannot be read or written. */
  store: 6,
} as const;

/** Flags every command accepts. */
export const GLOBAL_OPTIONS = {
  'browser-command': { type: 'string' },
  'no-browser': { type: 'boolean' },
  'store-dir': { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'client-issuer': { type: 'string' },
  'client-metadata-url': { type: 'string' },
  'client-name': { type: 'string' },
  'allow-http-loopback': { type: 'boolean' },
  'allow-private-network': { type: 'boolean' },
  'offline-access': { type: 'boolean' },
  protocol: { type: 'string' },
  'login-timeout': { type: 'string' },
  'redirect-port': { type: 'string' },
  login: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** A usage error: printed with the help hint and exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The parsed command line. */
export interface CommandLine {
  readonly command: string | undefined;
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
}

/** Parse `argv` (without `node` and the script) with node:util parseArgs; throws {@link UsageError}. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: GLOBAL_OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    const [command, ...rest] = positionals;
    return { command, positionals: rest, values };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function flag(values: CommandLine['values'], name: string, env: string | undefined): string | undefined {
  const value = values[name];
  if (typeof value === 'string') return value;
  return env === undefined || env === '' ? undefined : env;
}

function isLoopbackHttp(url: string): boolean {
  const parsed = URL.parse(url);
  return parsed?.protocol === 'http:' && isLoopbackHost(parsed.hostname);
}

function bool(values: CommandLine['values'], name: string, env: string | undefined): boolean {
  return values[name] === true || env === '1' || env === 'true';
}

/**
 * The library options for `serverUrl` from flags, falling back to `PORTCULLIS_*` variables: the browser opener
 * (`--browser-command` / `PORTCULLIS_BROWSER`, a program that gets the URL as its last argument), the store,
 * pre-registered credentials and the CIMD URL.
 */
export function clientOptionsFrom(
  line: CommandLine,
  serverUrl: string,
  env: NodeJS.ProcessEnv,
  onEvent: (event: ClientEvent) => void,
  onBrowserError: (message: string) => void,
): OAuthClientOptionsInput {
  const v = line.values;
  const browser = flag(v, 'browser-command', env.PORTCULLIS_BROWSER);
  let openBrowser: BrowserOpener | undefined;
  if (v['no-browser'] === true) openBrowser = async () => {};
  else if (browser !== undefined) openBrowser = commandOpener(browser, (e) => onBrowserError(e.message));
  const clientId = flag(v, 'client-id', env.PORTCULLIS_CLIENT_ID);
  const clientSecret = flag(v, 'client-secret', env.PORTCULLIS_CLIENT_SECRET);
  const issuer = flag(v, 'client-issuer', env.PORTCULLIS_CLIENT_ISSUER);
  const protocol = flag(v, 'protocol', env.PORTCULLIS_PROTOCOL);
  if (protocol !== undefined && !['auto', 'legacy', '2026-07-28'].includes(protocol)) {
    throw new UsageError(`--protocol must be auto, legacy or 2026-07-28, got ${JSON.stringify(protocol)}`);
  }
  const timeout = flag(v, 'login-timeout', undefined);
  if (timeout !== undefined && !/^\d+$/.test(timeout)) {
    throw new UsageError(`--login-timeout must be a number of seconds, got ${JSON.stringify(timeout)}`);
  }
  const port = flag(v, 'redirect-port', env.PORTCULLIS_REDIRECT_PORT);
  if (port !== undefined && !/^\d{1,5}$/.test(port)) {
    throw new UsageError(`--redirect-port must be a TCP port, got ${JSON.stringify(port)}`);
  }
  if (clientSecret !== undefined && clientId === undefined) {
    throw new UsageError('--client-secret needs --client-id');
  }
  return {
    serverUrl,
    storeDir: flag(v, 'store-dir', env.PORTCULLIS_HOME),
    clientName: flag(v, 'client-name', undefined),
    clientMetadataUrl: flag(v, 'client-metadata-url', env.PORTCULLIS_CLIENT_METADATA_URL),
    preRegistered: clientId === undefined ? [] : [{ clientId, clientSecret, issuer }],
    openBrowser,
    // A server the user names as http on this machine (the local stack) implies http loopback for its
    // discovery too; a remote server never gets it without the flag.
    allowLoopbackHttp:
      bool(v, 'allow-http-loopback', env.PORTCULLIS_ALLOW_HTTP_LOOPBACK) || isLoopbackHttp(serverUrl),
    allowPrivateNetwork: bool(v, 'allow-private-network', env.PORTCULLIS_ALLOW_PRIVATE_NETWORK),
    offlineAccess: bool(v, 'offline-access', env.PORTCULLIS_OFFLINE_ACCESS),
    protocol: protocol as OAuthClientOptionsInput['protocol'],
    callbackTimeoutMs: timeout === undefined ? undefined : Number(timeout) * 1000,
    callbackPort: port === undefined ? undefined : Number(port),
    onEvent,
  };
}

/** Parse a JSON object argument (`call <tool> <json>`); throws {@link UsageError} with the position. */
export function parseJsonObject(text: string | undefined, what: string): Record<string, unknown> {
  if (text === undefined || text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `${what} is not valid JSON (${error instanceof Error ? error.message : String(error)}); example: '{"name": "joe"}'`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`${what} must be a JSON object, e.g. '{"name": "joe"}'`);
  }
  return value as Record<string, unknown>;
}
