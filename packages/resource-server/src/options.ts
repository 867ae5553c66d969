import type { AuthInfo, McpServer } from '@modelcontextprotocol/server';
import {
  canonicalResourceUri,
  isLoopbackHost,
  isScopeToken,
  protectedResourceMetadataUrls,
} from '@portcullis/metadata';
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import {
  DEFAULT_ALGORITHMS,
  DEFAULT_BODY_LIMIT,
  DEFAULT_CLOCK_TOLERANCE_S,
  DEFAULT_HTTP_TIMEOUT_MS,
  DEFAULT_INTROSPECTION_CACHE_MAX_TTL_MS,
  DEFAULT_JWKS_CACHE_MAX_AGE_MS,
  DEFAULT_JWKS_COOLDOWN_MS,
  DEFAULT_MAX_SESSIONS,
  DEFAULT_MAX_SESSIONS_PER_CALLER,
  DEFAULT_REQUIRED_SCOPES,
  DEFAULT_SESSION_IDLE_MS,
  DEFAULT_VERIFIED_CACHE_MAX,
  DEFAULT_VERIFIED_CACHE_TTL_MS,
  MIN_JWKS_COOLDOWN_MS,
} from './defaults.js';
import { InvalidOptionsError } from './errors.js';

const SYMMETRIC = /^HS\d+$/;

/** What the server factory receives for each server instance it builds. */
export interface ServerFactoryContext {
  /** `modern` for a 2026-07-28 request, `legacy` for a new 2025-era session. */
  readonly era: 'legacy' | 'modern';
  /** The caller that opened the session (legacy) or sent the request (modern). */
  readonly authInfo: AuthInfo | undefined;
}

/** Builds a fresh, unconnected `McpServer` for one request (modern) or one session (legacy). */
export type McpServerFactory = (context: ServerFactoryContext) => McpServer | Promise<McpServer>;

const scope = z.string().refine(isScopeToken, 'must be a scope-token (RFC 6749 §3.3)');
const scopes = z.array(scope);
/**
 * Scopes that end up in a `WWW-Authenticate` challenge (and, for `scopes.default`, in PRM `scopes_supported`).
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#refresh-tokens
 */
const challengeScopes = scopes.refine(
  (s) => !s.includes('offline_access'),
  'must not contain offline_access: it would be sent in the WWW-Authenticate challenge scope and PRM scopes_supported (MCP 2026-07-28)',
);
const httpUrl = z.string().refine((v) => URL.canParse(v), 'must be an absolute URL');

function secureUrl(what: string) {
  return httpUrl.refine((v) => {
    // An unparsable URL is already reported by `httpUrl`; zod still runs this refinement, which must not throw.
    if (!URL.canParse(v)) return true;
    const url = new URL(v);
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  }, `${what} must be an https URL (http is allowed only for loopback)`);
}

/** The options' fields; {@link resourceServerOptionsSchema} adds the checks across fields. */
export const resourceServerOptionsShape = z.strictObject({
  /** Canonical URL of the MCP endpoint, e.g. `https://mcp.example.com/mcp`; PRM `resource` and token `aud`. */
  resource: secureUrl('resource').refine((v) => {
    try {
      return canonicalResourceUri(v) === v;
    } catch {
      return false;
    }
  }, 'must be a canonical resource URI (lowercase scheme and host, no fragment, no default port)'),
  /** Issuers of the authorization servers listed in PRM `authorization_servers`. */
  authorizationServers: z.array(secureUrl('authorization server')).min(1, 'must list at least one issuer'),
  /** Token issuers accepted (`iss`). Default: `authorizationServers`. */
  issuers: z.array(z.string().min(1)).min(1).optional(),
  /** JWT access tokens, verified with a remote JWKS. */
  jwt: z
    .strictObject({
      jwksUri: secureUrl('jwt.jwksUri'),
      algorithms: z
        .array(z.string().min(1))
        .min(1)
        .refine((algs) => !algs.some((a) => a.toLowerCase() === 'none'), 'must not contain "none"')
        .refine((algs) => !algs.some((a) => SYMMETRIC.test(a)), 'must list asymmetric algorithms only')
        .default([...DEFAULT_ALGORITHMS]),
      clockToleranceSec: z.number().int().min(0).max(300).default(DEFAULT_CLOCK_TOLERANCE_S),
      /**
       * Accept only `typ: at+jwt` (RFC 9068 §2.1). Default false: a missing `typ` and `typ: JWT` (Keycloak,
       * Entra ID) are accepted too; any other `typ` (`dpop+jwt`, `logout+jwt`, …) is always refused.
       */
      requireAtJwt: z.boolean().default(false),
      /** Minimum time between JWKS refetches (unknown `kid`) and between retries after a failed fetch. */
      cooldownMs: z
        .number()
        .int()
        .min(
          MIN_JWKS_COOLDOWN_MS,
          `must be at least ${MIN_JWKS_COOLDOWN_MS} ms, or a bad kid or a down JWKS endpoint would cause a JWKS request per token`,
        )
        .default(DEFAULT_JWKS_COOLDOWN_MS),
      cacheMaxAgeMs: z.number().int().min(0).default(DEFAULT_JWKS_CACHE_MAX_AGE_MS),
      timeoutMs: z.number().int().positive().default(DEFAULT_HTTP_TIMEOUT_MS),
      /** How long a verified JWT is remembered (never past its `exp`); `0` verifies every request. */
      verifiedCacheTtlMs: z.number().int().min(0).default(DEFAULT_VERIFIED_CACHE_TTL_MS),
      /** Most verified JWTs remembered at once. */
      verifiedCacheMax: z.number().int().positive().default(DEFAULT_VERIFIED_CACHE_MAX),
    })
    .optional(),
  /**
   * Opaque tokens, checked with RFC 7662 introspection using the resource server's client credentials. Without
   * `jwt`, every token (JWT-shaped or not) is introspected; with `jwt`, JWT-shaped tokens are verified locally
   * (and, with `jwts`, introspected too).
   */
  introspection: z
    .strictObject({
      endpoint: secureUrl('introspection.endpoint'),
      clientId: z.string().min(1),
      clientSecret: z.string().min(1),
      cacheMaxTtlMs: z.number().int().min(0).default(DEFAULT_INTROSPECTION_CACHE_MAX_TTL_MS),
      timeoutMs: z.number().int().positive().default(DEFAULT_HTTP_TIMEOUT_MS),
      /**
       * Also introspect JWT access tokens once their signature and claims check out, so that a token the
       * authorization server revoked is refused within `cacheMaxTtlMs` instead of at its `exp`. Default false.
       * Needs `jwt`.
       */
      jwts: z.boolean().default(false),
    })
    .optional(),
  /** Required scopes: for every request, per JSON-RPC method, per tool, and the hierarchy between them. */
  scopes: z
    .strictObject({
      default: challengeScopes.default([...DEFAULT_REQUIRED_SCOPES]),
      methods: z.record(z.string().min(1), challengeScopes).default({}),
      tools: z.record(z.string().min(1), challengeScopes).default({}),
      hierarchy: z.record(scope, scopes).default({}),
    })
    .default({ default: [...DEFAULT_REQUIRED_SCOPES], methods: {}, tools: {}, hierarchy: {} }),
  /** PRM `scopes_supported`: the minimal set for basic use. Default: `scopes.default`. */
  scopesSupported: scopes
    .refine((s) => !s.includes('offline_access'), 'must not contain offline_access (MCP 2026-07-28)')
    .optional(),
  /** Hide from `tools/list` the tools the caller's token may not call. */
  filterToolsList: z.boolean().default(true),
  /** PRM `resource_name`. */
  resourceName: z.string().min(1).optional(),
  /** PRM `resource_documentation`. */
  resourceDocumentation: httpUrl.optional(),
  /** Hostnames accepted in `Host`. Default: the loopback names for a loopback resource, else its hostname. */
  allowedHosts: z.array(z.string().min(1)).min(1).optional(),
  /** Hostnames accepted in `Origin` on the MCP endpoint. Default: `allowedHosts`. */
  allowedOrigins: z.array(z.string().min(1)).optional(),
  /** 2025-era (stateful) sessions. */
  sessions: z
    .strictObject({
      max: z.number().int().positive().default(DEFAULT_MAX_SESSIONS),
      /** Sessions one caller (issuer, subject, client) may hold at once. */
      maxPerCaller: z.number().int().positive().default(DEFAULT_MAX_SESSIONS_PER_CALLER),
      idleMs: z.number().int().positive().default(DEFAULT_SESSION_IDLE_MS),
    })
    .default({
      max: DEFAULT_MAX_SESSIONS,
      maxPerCaller: DEFAULT_MAX_SESSIONS_PER_CALLER,
      idleMs: DEFAULT_SESSION_IDLE_MS,
    }),
  bodyLimit: z.number().int().positive().default(DEFAULT_BODY_LIMIT),
  /** Serve without any token check. Benchmarks only; refused unless the resource is loopback. */
  dangerouslyDisableAuth: z.boolean().default(false),
  /**
   * Builds the MCP server. Needed by `mcpEndpointPlugin` and `createMcpResourceServer`; a gateway that only uses
   * `protectedResourcePlugin` and `mcpAuthPlugin` (e.g. `@portcullis/proxy`) leaves it out.
   */
  server: z
    .custom<McpServerFactory>((v) => typeof v === 'function', 'must be a function returning an McpServer')
    .optional(),
  /**
   * The clock, in epoch milliseconds, for token expiry, the verification and introspection caches, the JWKS
   * failure cooldown and session idleness. Default: `Date.now`. Tests inject one to stay deterministic.
   */
  now: z
    .custom<() => number>((v) => typeof v === 'function', 'must be a function returning epoch milliseconds')
    .optional(),
  /** A pino-compatible logger. Default: pino at `info`, authorization headers redacted. */
  logger: z.custom<FastifyBaseLogger>((v) => typeof v === 'object' && v !== null).optional(),
});

/** Combinations of token options that contradict each other. */
export function checkTokenOptions(
  o: { jwt?: unknown; introspection?: { jwts: boolean } | undefined },
  ctx: z.core.$RefinementCtx,
): void {
  if (o.introspection?.jwts === true && o.jwt === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['introspection', 'jwts'],
      message:
        'introspection.jwts needs jwt: it introspects JWT access tokens after their local JWKS checks, and without jwt every token is introspected anyway; configure jwt or remove introspection.jwts',
    });
  }
}

/**
 * The zod schema of the options. Strict: unknown keys are errors, so typos fail at start-up; contradicting
 * combinations (`introspection.jwts` without `jwt`) are refused too.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 */
export const resourceServerOptionsSchema = resourceServerOptionsShape.superRefine(checkTokenOptions);

/** The options as written by the developer (defaults optional). */
export type ResourceServerOptionsInput = z.input<typeof resourceServerOptionsSchema>;

/** The options after {@link resolveOptions}: defaults filled, derived values added, frozen. */
export type ResolvedResourceServerOptions = Readonly<
  Omit<
    z.output<typeof resourceServerOptionsSchema>,
    'issuers' | 'scopesSupported' | 'allowedHosts' | 'allowedOrigins'
  > & {
    issuers: readonly string[];
    scopesSupported: readonly string[];
    allowedHosts: readonly string[];
    allowedOrigins: readonly string[];
    /** Path of the MCP endpoint, taken from `resource`. */
    mcpPath: string;
    /** Absolute URL of the path-aware PRM document. */
    resourceMetadataUrl: string;
  }
>;

/** One zod issue as a message that starts with its path. */
export function formatIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.');
  const message = issue.message;
  if (path === '') return message;
  return message.startsWith(path) || message.startsWith(path.split('.')[0] ?? path)
    ? message
    : `${path} ${message}`;
}

/**
 * Validate options once at start-up, fill defaults and derive the PRM URL, MCP path and allow-lists.
 * @throws {InvalidOptionsError} listing every problem with its path.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function resolveOptions(input: unknown): ResolvedResourceServerOptions {
  const parsed = resourceServerOptionsSchema.safeParse(input);
  if (!parsed.success) throw new InvalidOptionsError(parsed.error.issues.map(formatIssue));
  const o = parsed.data;
  const url = new URL(o.resource);
  const issues: string[] = [];
  if (o.jwt === undefined && o.introspection === undefined && !o.dangerouslyDisableAuth) {
    issues.push('jwt or introspection must be configured so that access tokens can be verified');
  }
  if (o.dangerouslyDisableAuth && !isLoopbackHost(url.hostname)) {
    issues.push('dangerouslyDisableAuth is allowed only for a loopback resource');
  }
  if (issues.length > 0) throw new InvalidOptionsError(issues);
  const loopback = isLoopbackHost(url.hostname);
  const allowedHosts = o.allowedHosts ?? (loopback ? ['localhost', '127.0.0.1', '[::1]'] : [url.hostname]);
  const mcpPath = url.pathname === '' ? '/' : url.pathname;
  return Object.freeze({
    ...o,
    issuers: Object.freeze([...(o.issuers ?? o.authorizationServers)]),
    scopesSupported: Object.freeze([...(o.scopesSupported ?? o.scopes.default)]),
    allowedHosts: Object.freeze([...allowedHosts]),
    allowedOrigins: Object.freeze([...(o.allowedOrigins ?? allowedHosts)]),
    mcpPath,
    resourceMetadataUrl: protectedResourceMetadataUrls(o.resource)[0] ?? '',
  });
}
