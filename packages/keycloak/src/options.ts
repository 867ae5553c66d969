import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { KeycloakError } from './errors.js';

/** The Keycloak release this package is built and tested against. */
export const KEYCLOAK_VERSION = '26.7.3';
/** The official image, for machines that reach a container registry. */
export const OFFICIAL_IMAGE = `quay.io/keycloak/keycloak:${KEYCLOAK_VERSION}`;
/** The image `docker/keycloak/build-image.sh` builds locally, with no registry. */
export const LOCAL_IMAGE = `localhost/portcullis-keycloak:${KEYCLOAK_VERSION}`;
/** The MCP server URL the realm puts in `aud` unless told otherwise (the e2e stack's URL). */
export const DEFAULT_RESOURCE_URL = 'http://localhost:9090/mcp';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** The realm file shipped in the repository (`docker/keycloak/realm-mcp.json`). */
export const DEFAULT_REALM_FILE = `${repoRoot}docker/keycloak/realm-mcp.json`;

/** The Java home of the `java` on PATH (e.g. Debian's OpenJDK 17), or undefined. */
function javaOnPath(): string | undefined {
  try {
    const java = execFileSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).trim();
    return java ? dirname(dirname(realpathSync(java))) : undefined;
  } catch {
    return undefined;
  }
}

const truthy = (value: string | undefined): boolean => value === 'true' || value === '1';
const temurin25 = '/usr/lib/jvm/temurin-25-jdk-amd64';

const startOptionsSchema = z.strictObject({
  /** Image to run. Default: env `PORTCULLIS_KEYCLOAK_IMAGE`, else the official `quay.io/keycloak/keycloak:26.7.3`. */
  image: z
    .string()
    .min(1)
    .default(() => process.env.PORTCULLIS_KEYCLOAK_IMAGE ?? OFFICIAL_IMAGE),
  /** Realm JSON imported at start. Default: `docker/keycloak/realm-mcp.json`. */
  realmFile: z.string().min(1).default(DEFAULT_REALM_FILE),
  /** The realm's name inside `realmFile`; only used to build the issuer. Default `mcp`. */
  realm: z.string().min(1).default('mcp'),
  /** The MCP server's canonical URL, put in `aud` by the `mcp:*` scopes (`${MCP_RESOURCE_URL}`). */
  resourceUrl: z.url().default(() => process.env.MCP_RESOURCE_URL ?? DEFAULT_RESOURCE_URL),
  /** Access token lifespan in seconds (`${MCP_ACCESS_TOKEN_LIFESPAN}`). Default 300; lower it for refresh tests. */
  accessTokenLifespan: z.int().min(10).default(300),
  /** Keycloak features (`--features`). Default `resource-indicators` (RFC 8707); `cimd` is off, see the README. */
  features: z.array(z.string().regex(/^[a-z0-9-]+(:v\d+)?$/)).default(['resource-indicators']),
  /**
   * `optimized` runs `kc.sh start --optimized` (production mode, no re-augmentation: about 10–20 s faster) and only
   * works with an image pre-built with the same build options (`build-image.sh`: health on, `resource-indicators`).
   * `dev` runs `kc.sh start-dev`. Default: `optimized` for the local portcullis image with default features, else `dev`.
   */
  mode: z.enum(['dev', 'optimized']).optional(),
  /** Host port of the HTTP listener, on 127.0.0.1. Default: a free port picked before start. */
  hostPort: z.int().min(1).max(65535).optional(),
  /** How long to wait for `/health/ready`, in ms. Default 180 000 (2 cores need 30–90 s). */
  startupTimeoutMs: z.int().positive().default(180_000),
  /** `auto` tries Testcontainers first, then the process fallback if allowed. Default `auto`. */
  runtime: z.enum(['auto', 'testcontainers', 'process']).default('auto'),
  /**
   * Whether `auto` may fall back to running the server distribution as a child process.
   * Default: env `PORTCULLIS_KEYCLOAK_ALLOW_PROCESS=true`, else true outside CI and false when `CI` is set.
   */
  allowProcessFallback: z
    .boolean()
    .default(() => truthy(process.env.PORTCULLIS_KEYCLOAK_ALLOW_PROCESS) || !process.env.CI),
  /** Unpacked server distribution for the process runtime. Default: env `PORTCULLIS_KEYCLOAK_DIST`, else the cache. */
  distDir: z.string().min(1).optional(),
  /** Java for the process runtime. Default: env `JAVA_HOME`, else Temurin 25 when installed, else `java` on PATH. */
  javaHome: z.string().min(1).optional(),
  /** JVM heap flags (`JAVA_OPTS_KC_HEAP`). Default `-Xms64m -Xmx512m`. */
  heap: z.string().default('-Xms64m -Xmx512m'),
  /** Bootstrap admin of the master realm (for the Admin REST API). Default admin / admin. */
  adminUsername: z.string().min(1).default('admin'),
  adminPassword: z.string().min(1).default('admin'),
  /** Where progress lines go. Default: stderr, prefixed `[portcullis-keycloak]`. */
  log: z
    .custom<(line: string) => void>((value) => typeof value === 'function')
    .default(() => (line: string) => console.error(`[portcullis-keycloak] ${line}`)),
});

/** Options of {@link startKeycloak}, as the caller writes them. */
export type StartKeycloakOptions = z.input<typeof startOptionsSchema>;
/** Options of {@link startKeycloak} after defaults. */
export type ResolvedStartOptions = z.output<typeof startOptionsSchema> & {
  javaHome: string | undefined;
  mode: 'dev' | 'optimized';
};

/** Validate once, at start. Throws `ERR_PORTCULLIS_KEYCLOAK_INVALID_OPTIONS` naming the bad fields. */
export function resolveStartOptions(options: StartKeycloakOptions = {}): ResolvedStartOptions {
  const parsed = startOptionsSchema.safeParse(options);
  if (!parsed.success) throw invalid('startKeycloak', parsed.error);
  const fallbackJava = () => (existsSync(temurin25) ? temurin25 : javaOnPath());
  const javaHome =
    parsed.data.javaHome ??
    process.env.JAVA_HOME ??
    (parsed.data.runtime === 'testcontainers' ? undefined : fallbackJava());
  const baked =
    parsed.data.image.startsWith('localhost/portcullis-keycloak:') &&
    parsed.data.features.join() === 'resource-indicators';
  return { ...parsed.data, javaHome, mode: parsed.data.mode ?? (baked ? 'optimized' : 'dev') };
}

const checkOptionsSchema = z.strictObject({
  /** The MCP server URL a token must carry in `aud`. */
  resource: z.url(),
  /** A realm user for the login + consent + token checks. Without one, those checks are skipped. */
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  /** Scope requested at `/authorize`. Default `openid mcp:tools`. */
  scope: z.string().min(1).default('openid mcp:tools'),
  /** Also send RFC 8707 `resource` at `/authorize` and `/token`, as MCP clients do. Default true. */
  sendResource: z.boolean().default(true),
  /** Per-request timeout in ms. Default 15 000. */
  timeoutMs: z.int().positive().default(15_000),
});

/** Options of {@link checkRealm}. */
export type CheckRealmOptions = z.input<typeof checkOptionsSchema>;
export type ResolvedCheckOptions = z.output<typeof checkOptionsSchema>;

/** Validate the realm-check options. Throws `ERR_PORTCULLIS_KEYCLOAK_INVALID_OPTIONS`. */
export function resolveCheckOptions(options: CheckRealmOptions): ResolvedCheckOptions {
  const parsed = checkOptionsSchema.safeParse(options);
  if (!parsed.success) throw invalid('checkRealm', parsed.error);
  if ((parsed.data.username === undefined) !== (parsed.data.password === undefined)) {
    throw new KeycloakError(
      'ERR_PORTCULLIS_KEYCLOAK_INVALID_OPTIONS',
      'checkRealm: give both username and password, or neither.',
    );
  }
  return parsed.data;
}

function invalid(where: string, error: z.ZodError): KeycloakError {
  const fields = error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  return new KeycloakError(
    'ERR_PORTCULLIS_KEYCLOAK_INVALID_OPTIONS',
    `${where}: invalid options (${fields.join('; ')}). Fix these fields and retry.`,
    { cause: error },
  );
}
