import type { IdpUser, StartIdpOptions } from '@portcullis/idp';
import { z } from 'zod';

/** Default MCP resources of the local stack (the demo MCP server and the auth proxy). */
export const DEFAULT_RESOURCES = 'http://localhost:9090/mcp,http://localhost:3030/mcp';
/** Default scopes of every resource. */
export const DEFAULT_SCOPES = 'mcp:tools mcp:admin';
/** Keycloak mode: the MCP URL the realm's `mcp:*` scopes put in `aud` (the auth proxy of the local stack). */
export const DEFAULT_MCP_RESOURCE = 'http://localhost:9090/mcp';
/** DEV ONLY demo users (`username:password`, comma-separated). Never use them anywhere reachable. */
export const DEFAULT_USERS = 'alice:alice-pass,bob:bob-pass';

const NAMES: Readonly<Record<string, string>> = { alice: 'Alice Example', bob: 'Bob Example' };

/** An unset or empty variable means "use the default". */
const unset = (value: unknown) => (value === '' ? undefined : value);

function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

const flag = (name: string) =>
  z.preprocess(
    unset,
    z
      .enum(['true', '1', 'false', '0'], { error: `${name} must be true or false (or 1 or 0)` })
      .default('false')
      .transform((value) => value === 'true' || value === '1'),
  );

const port = z.preprocess(
  unset,
  z
    .string()
    .default('8080')
    .transform((value, ctx) => {
      const parsed = Number(value);
      if (/^\d+$/.test(value) && parsed <= 65_535) return parsed;
      ctx.addIssue({
        code: 'custom',
        message: 'PORTCULLIS_IDP_PORT must be an integer between 0 and 65535',
      });
      return z.NEVER;
    }),
);

// Messages never echo the value: PORTCULLIS_IDP_USERS holds passwords.
const users = z
  .string()
  .default(DEFAULT_USERS)
  .transform((value, ctx): IdpUser[] => {
    const entries = list(value);
    if (entries.some((entry) => entry.indexOf(':') < 1 || entry.indexOf(':') === entry.length - 1)) {
      ctx.addIssue({
        code: 'custom',
        message: 'PORTCULLIS_IDP_USERS entries must look like username:password',
      });
      return z.NEVER;
    }
    return entries.map((entry) => {
      const colon = entry.indexOf(':');
      const username = entry.slice(0, colon);
      return { username, password: entry.slice(colon + 1), name: NAMES[username] ?? username };
    });
  });

/**
 * The environment variables this app reads, as a zod schema. Strict on the `PORTCULLIS_IDP_*` keys: an
 * unknown one (a typo such as `PORTCULLIS_IDP_PROT`) is an error instead of a silently ignored setting.
 * `PORTCULLIS_IDP` (the mode) and `PORTCULLIS_IDP_LOG_LEVEL` are read by `main.ts`; other variables are ignored.
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
 * | `MCP_RESOURCE_URL` | `http://localhost:9090/mcp` (Keycloak mode only) |
 */
export const envSchema = z.object({
  PORTCULLIS_IDP: z.string().optional(),
  PORTCULLIS_IDP_LOG_LEVEL: z.string().optional(),
  PORTCULLIS_IDP_PORT: port,
  PORTCULLIS_IDP_HOST: z.preprocess(unset, z.string().default('127.0.0.1')),
  PORTCULLIS_IDP_ISSUER: z.preprocess(
    unset,
    z.url({ error: 'PORTCULLIS_IDP_ISSUER must be an absolute URL' }).optional(),
  ),
  PORTCULLIS_IDP_RESOURCES: z.preprocess(
    unset,
    z
      .string()
      .default(DEFAULT_RESOURCES)
      .transform(list)
      .refine((uris) => uris.length > 0, 'PORTCULLIS_IDP_RESOURCES must list at least one URL'),
  ),
  PORTCULLIS_IDP_SCOPES: z.preprocess(
    unset,
    z
      .string()
      .default(DEFAULT_SCOPES)
      .transform((value) => value.split(/\s+/).filter(Boolean))
      .refine((scopes) => scopes.length > 0, 'PORTCULLIS_IDP_SCOPES must list at least one scope'),
  ),
  PORTCULLIS_IDP_USERS: z.preprocess(unset, users),
  /** Keycloak mode only: the MCP URL the realm's `mcp:*` scopes put in `aud`. */
  MCP_RESOURCE_URL: z.preprocess(
    unset,
    z.url({ error: 'MCP_RESOURCE_URL must be an absolute URL' }).default(DEFAULT_MCP_RESOURCE),
  ),
  PORTCULLIS_IDP_OFFLINE_ACCESS: flag('PORTCULLIS_IDP_OFFLINE_ACCESS'),
  PORTCULLIS_IDP_CIMD_ALLOW_HTTP_LOOPBACK: flag('PORTCULLIS_IDP_CIMD_ALLOW_HTTP_LOOPBACK'),
});

const KNOWN = new Set(Object.keys(envSchema.shape));

/** The validated environment: defaults filled in. */
export type IdpEnv = z.output<typeof envSchema>;

/**
 * Validate the environment against {@link envSchema}.
 * @throws Error whose message names every offending variable (never its value).
 */
export function parseEnv(env: NodeJS.ProcessEnv): IdpEnv {
  const unknown = Object.keys(env).filter((name) => name.startsWith('PORTCULLIS_IDP_') && !KNOWN.has(name));
  if (unknown.length > 0) {
    throw new Error(`unknown environment variable ${unknown.join(', ')} (known: ${[...KNOWN].join(', ')})`);
  }
  const result = envSchema.safeParse(env);
  if (result.success) return result.data;
  throw new Error(
    result.error.issues
      .map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        return issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`;
      })
      .join('; '),
  );
}

/** Turn environment variables into `startIdp()` options (embedded mode). Only this app reads the environment. */
export function optionsFromEnv(env: NodeJS.ProcessEnv): StartIdpOptions {
  const e = parseEnv(env);
  const port = e.PORTCULLIS_IDP_PORT;
  const scopes = e.PORTCULLIS_IDP_SCOPES;
  return {
    issuer: e.PORTCULLIS_IDP_ISSUER ?? (port === 0 ? undefined : `http://localhost:${port}`),
    host: e.PORTCULLIS_IDP_HOST,
    port,
    resources: e.PORTCULLIS_IDP_RESOURCES.map((uri) => ({ uri, scopes })),
    users: e.PORTCULLIS_IDP_USERS,
    offlineAccess: e.PORTCULLIS_IDP_OFFLINE_ACCESS,
    cimd: { allowHttpLoopback: e.PORTCULLIS_IDP_CIMD_ALLOW_HTTP_LOOPBACK },
  };
}

/** What Keycloak mode needs from the environment: the host port (never 0) and the MCP resource URL. */
export function keycloakOptionsFromEnv(env: NodeJS.ProcessEnv): { hostPort: number; resourceUrl: string } {
  const e = parseEnv(env);
  if (e.PORTCULLIS_IDP_PORT === 0) {
    throw new Error('PORTCULLIS_IDP_PORT must be an integer between 1 and 65535 for Keycloak');
  }
  return { hostPort: e.PORTCULLIS_IDP_PORT, resourceUrl: e.MCP_RESOURCE_URL };
}
