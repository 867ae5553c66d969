import type { StartIdpOptions } from '@portcullis/idp';

/** Default MCP resources of the local stack (the demo MCP server and the auth proxy). */
export const DEFAULT_RESOURCES = 'http://localhost:9090/mcp,http://localhost:3030/mcp';
/** Default scopes of every resource. */
export const DEFAULT_SCOPES = 'mcp:tools mcp:admin';
/** DEV ONLY demo users (`username:password`, comma-separated). Never use them anywhere reachable. */
export const DEFAULT_USERS = 'alice:alice-pass,bob:bob-pass';

const NAMES: Readonly<Record<string, string>> = { alice: 'Alice Example', bob: 'Bob Example' };

function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function flag(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new Error(`${name} must be true or false`);
}

function port(value: string | undefined): number {
  if (value === undefined || value === '') return 8080;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) {
    throw new Error('PORTCULLIS_IDP_PORT must be an integer between 0 and 65535');
  }
  return parsed;
}

/**
 * Turn environment variables into `startIdp()` options. Only this app reads the environment.
 *
 * | Variable | Default |
 * | --- | --- |
 * | `PORTCULLIS_IDP_PORT` | `8080` (`0` picks a free port) |
 * | `PORTCULLIS_IDP_HOST` | `127.0.0.1` |
 * | `PORTCULLIS_IDP_ISSUER` | `http://localhost:<port>` (with port 0: `http://127.0.0.1:<bound port>`) |
 * | `PORTCULLIS_IDP_RESOURCES` | `http://localhost:9090/mcp,http://localhost:3030/mcp` |
 * | `PORTCULLIS_IDP_SCOPES` | `mcp:tools mcp:admin` (for every resource) |
 * | `PORTCULLIS_IDP_USERS` | `alice:alice-pass,bob:bob-pass` (DEV ONLY) |
 * | `PORTCULLIS_IDP_OFFLINE_ACCESS` | `false` |
 * | `PORTCULLIS_IDP_CIMD_ALLOW_HTTP_LOOPBACK` | `false` (dev only) |
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv): StartIdpOptions {
  const listenPort = port(env.PORTCULLIS_IDP_PORT);
  const scopes = (env.PORTCULLIS_IDP_SCOPES ?? DEFAULT_SCOPES).split(/\s+/).filter(Boolean);
  const issuer =
    env.PORTCULLIS_IDP_ISSUER || (listenPort === 0 ? undefined : `http://localhost:${listenPort}`);
  return {
    issuer,
    host: env.PORTCULLIS_IDP_HOST || '127.0.0.1',
    port: listenPort,
    resources: list(env.PORTCULLIS_IDP_RESOURCES ?? DEFAULT_RESOURCES).map((uri) => ({ uri, scopes })),
    users: list(env.PORTCULLIS_IDP_USERS ?? DEFAULT_USERS).map((entry) => {
      const colon = entry.indexOf(':');
      if (colon < 1) throw new Error('PORTCULLIS_IDP_USERS entries must look like username:password');
      const username = entry.slice(0, colon);
      return { username, password: entry.slice(colon + 1), name: NAMES[username] ?? username };
    }),
    offlineAccess: flag('PORTCULLIS_IDP_OFFLINE_ACCESS', env.PORTCULLIS_IDP_OFFLINE_ACCESS),
    cimd: {
      allowHttpLoopback: flag(
        'PORTCULLIS_IDP_CIMD_ALLOW_HTTP_LOOPBACK',
        env.PORTCULLIS_IDP_CIMD_ALLOW_HTTP_LOOPBACK,
      ),
    },
  };
}
