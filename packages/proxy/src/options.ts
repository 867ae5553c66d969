import { isLoopbackHost, isScopeToken, protectedResourceMetadataUrls } from '@portcullis/metadata';
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import { InvalidProxyOptionsError } from './errors.js';
import { type FacadeOptions, facadeIssues, facadeSchema } from './options-facade.js';
import { idpSchema } from './options-idp.js';
import { type StoreOptionsInput, storeSchema } from './options-store.js';
import {
  type HttpUpstreamOptions,
  httpUpstreamSchema,
  secureUrl,
  stdioUpstreamSchema,
} from './options-upstream.js';
import type { Store } from './store.js';

export {
  DEFAULT_FACADE_CALLBACK_PATH,
  DEFAULT_FACADE_CLIENT_TTL_DAYS,
  DEFAULT_FACADE_CODE_TTL_MS,
  DEFAULT_FACADE_MAX_CLIENTS,
  DEFAULT_FACADE_REQUEST_TTL_MS,
  type FacadeOptions,
} from './options-facade.js';
export {
  DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
  DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
  DEFAULT_REDIS_KEY_PREFIX,
  type StoreOptions,
  type StoreOptionsInput,
} from './options-store.js';
export {
  DEFAULT_IDENTITY_HEADERS,
  DEFAULT_IDENTITY_TTL_S,
  DEFAULT_LEGACY_SSE,
  DEFAULT_STDIO_MAX_PROCESSES,
  DEFAULT_STDIO_MAX_PROCESSES_PER_CALLER,
  DEFAULT_UPSTREAM_TIMEOUT_MS,
  type HttpUpstreamOptions,
  type IdentityOptions,
  type StdioUpstreamOptions,
} from './options-upstream.js';

/** Default public base URL of the proxy (the local stack). */
export const DEFAULT_PUBLIC_URL = 'http://localhost:9090';
/** Default path of the MCP endpoint under the public base URL. */
export const DEFAULT_MCP_PATH = '/mcp';
/** Default listen address and port. */
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 9090;
/** Default request body limit, in bytes (4 MiB, the MCP SDK's own limit). */
export const DEFAULT_BODY_BYTES = 4 * 1024 * 1024;
/** Default time a request body has to arrive whole, from its headers on, in milliseconds (then 408). */
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;
/** Default idle time after which a session binding is forgotten, in milliseconds. */
export const DEFAULT_SESSION_IDLE_MS = 30 * 60_000;
/** Default time in-flight requests get to finish on shutdown before streams are ended, in milliseconds. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
/** Default interval at which an open stream's token is checked again at the IdP (`idp.introspection`), in ms. */
export const DEFAULT_STREAM_RECHECK_MS = 60_000;
/** Longest `streams.recheckMs` (24 h; a Node.js timer cannot wait more than about 24.8 days). */
export const MAX_RECHECK_MS = 86_400_000;
/** Default timeout of each `/readyz` probe, in milliseconds. */
export const DEFAULT_READINESS_TIMEOUT_MS = 2_000;
/** Path of the proxy's JWK Set (RFC 7517), relative to the public base URL. */
export const JWKS_PATH = '/.well-known/jwks.json';

const scope = z.string().refine(isScopeToken, 'must be a scope-token (RFC 6749 §3.3)');
const scopes = z.array(scope);

/**
 * Direct mode (MCP 2025-06-18 and later): the proxy is the resource server clients see, validates the
 * IdP's tokens for its own public URL and forwards a proxy-minted identity upstream.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#roles
 */
export const directOptionsSchema = z.strictObject({
  mode: z.literal('direct'),
  /** Public origin clients use, e.g. `https://mcp.example.com`; no path, query or fragment. */
  publicUrl: secureUrl('publicUrl').default(DEFAULT_PUBLIC_URL),
  /** Path of the MCP endpoint under `publicUrl`. PRM `resource` = `publicUrl` + `mcpPath`. */
  mcpPath: z
    .string()
    .regex(/^\/[^?#]*$/, 'must be a path starting with /')
    .default(DEFAULT_MCP_PATH),
  /** Where the app listens (the library never listens). */
  listen: z
    .strictObject({
      host: z.string().min(1).default(DEFAULT_HOST),
      port: z.number().int().min(0).max(65_535).default(DEFAULT_PORT),
    })
    .default({ host: DEFAULT_HOST, port: DEFAULT_PORT }),
  /** The identity provider whose tokens clients present. */
  idp: idpSchema,
  upstream: z.discriminatedUnion('kind', [httpUpstreamSchema, stdioUpstreamSchema]),
  /** Required scopes: for every request, per JSON-RPC method, per tool, and the hierarchy between them. */
  scopes: z
    .strictObject({
      default: scopes.default(['mcp:tools']),
      methods: z.record(z.string().min(1), scopes).default({}),
      tools: z.record(z.string().min(1), scopes).default({}),
      hierarchy: z.record(scope, scopes).default({}),
    })
    .default({ default: ['mcp:tools'], methods: {}, tools: {}, hierarchy: {} }),
  /** PRM `scopes_supported`. Default: `scopes.default`. */
  scopesSupported: scopes.optional(),
  /** PRM `resource_name`. */
  resourceName: z.string().min(1).optional(),
  /** Hostnames accepted in `Host`. Default: loopback names for a loopback `publicUrl`, else its hostname. */
  allowedHosts: z.array(z.string().min(1)).min(1).optional(),
  /** Hostnames accepted in `Origin`. Default: `allowedHosts` plus the hostnames of `cors.origins`. */
  allowedOrigins: z.array(z.string().min(1)).optional(),
  /** Browser clients (e.g. MCP Inspector) allowed by CORS, as exact origins (`http://localhost:6274`). */
  cors: z.strictObject({ origins: z.array(z.url()).default([]) }).default({ origins: [] }),
  limits: z
    .strictObject({
      bodyBytes: z.number().int().positive().default(DEFAULT_BODY_BYTES),
      bodyTimeoutMs: z.number().int().min(100).max(600_000).default(DEFAULT_BODY_TIMEOUT_MS),
    })
    .default({ bodyBytes: DEFAULT_BODY_BYTES, bodyTimeoutMs: DEFAULT_BODY_TIMEOUT_MS }),
  /** 2025-era session bindings (upstream `Mcp-Session-Id` → caller). */
  sessions: z
    .strictObject({ idleMs: z.number().int().positive().default(DEFAULT_SESSION_IDLE_MS) })
    .default({ idleMs: DEFAULT_SESSION_IDLE_MS }),
  /**
   * Open-ended streams (SSE `GET` streams, 2026-07-28 `subscriptions/listen`, the 2024-11-05 SSE stream) live
   * no longer than the token that opened them: they end when it expires (`endAtTokenExpiry`) and, with
   * `idp.introspection`, when a check every `recheckMs` (0: never) finds it no longer active.
   */
  streams: z
    .strictObject({
      endAtTokenExpiry: z.boolean().default(true),
      recheckMs: z
        .number()
        .int()
        .refine(
          (ms) => ms === 0 || (ms >= 1000 && ms <= MAX_RECHECK_MS),
          `streams.recheckMs must be 0 (never) or from 1000 ms to ${MAX_RECHECK_MS} ms (24 h)`,
        )
        .default(DEFAULT_STREAM_RECHECK_MS),
    })
    .default({ endAtTokenExpiry: true, recheckMs: DEFAULT_STREAM_RECHECK_MS }),
  shutdown: z
    .strictObject({ drainTimeoutMs: z.number().int().min(0).default(DEFAULT_DRAIN_TIMEOUT_MS) })
    .default({ drainTimeoutMs: DEFAULT_DRAIN_TIMEOUT_MS }),
  readiness: z
    .strictObject({ timeoutMs: z.number().int().positive().default(DEFAULT_READINESS_TIMEOUT_MS) })
    .default({ timeoutMs: DEFAULT_READINESS_TIMEOUT_MS }),
  /** A pino-compatible logger. Default: pino JSON at `info`, secrets redacted. */
  logger: z.custom<FastifyBaseLogger>((v) => typeof v === 'object' && v !== null).optional(),
  /** State store (session bindings). Default: in memory, this process only. */
  store: storeSchema.default({ kind: 'memory' }),
});

/**
 * Facade mode (the original guide's flow): the proxy is also the authorization server clients see. It serves
 * RFC 8414 metadata under its own issuer (`publicUrl`), registers clients, relays authorization through its
 * own callback at the IdP (so `iss` is the proxy's) and forwards token requests; tokens are the IdP's.
 * @see https://www.rfc-editor.org/rfc/rfc8414
 */
export const facadeOptionsSchema = directOptionsSchema.extend({
  mode: z.literal('facade'),
  facade: facadeSchema.default(facadeSchema.parse({})),
});

/** The zod schema of the proxy options: a discriminated union on `mode` (default `direct`). */
export const proxyOptionsSchema = z.preprocess(
  (v) => (typeof v === 'object' && v !== null && !('mode' in v) ? { ...v, mode: 'direct' } : v),
  z.discriminatedUnion('mode', [directOptionsSchema, facadeOptionsSchema]),
);

/** The options as written (defaults optional). */
export type ProxyOptionsInput =
  | (Omit<z.input<typeof directOptionsSchema>, 'mode' | 'store'> & {
      mode?: 'direct';
      /** `{ kind: 'memory' }` (default), `{ kind: 'redis', url, keyPrefix? }`, or a `Store` object. */
      store?: StoreOptionsInput | Store;
    })
  | (Omit<z.input<typeof facadeOptionsSchema>, 'store'> & {
      store?: StoreOptionsInput | Store;
    });

/** The options after {@link resolveOptions}: defaults filled, derived values added, frozen. */
export type ResolvedProxyOptions = Readonly<
  Omit<
    z.output<typeof directOptionsSchema>,
    'mode' | 'allowedHosts' | 'allowedOrigins' | 'scopesSupported'
  > & {
    mode: 'direct' | 'facade';
    /** The facade block (facade mode only). */
    facade: FacadeOptions | undefined;
    /** The authorization server clients are told about: the proxy (facade) or the IdP (direct). */
    authorizationServer: string;
    /** Canonical public URL of the MCP endpoint: PRM `resource` and the required token `aud`. */
    resource: string;
    /** Absolute URL of the path-aware PRM document. */
    resourceMetadataUrl: string;
    /** `iss` of the forwarded identity JWT. */
    identityIssuer: string;
    /** Absolute URL of the proxy's JWK Set. */
    jwksUrl: string;
    scopesSupported: readonly string[];
    allowedHosts: readonly string[];
    allowedOrigins: readonly string[];
  }
>;

function formatIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.');
  if (path === '' || issue.message.startsWith(path)) return issue.message;
  return `${path} ${issue.message}`;
}

/** The HTTP upstream of `options`; throws for a stdio upstream (callers check `kind` first). */
export function httpUpstreamOf(options: ResolvedProxyOptions): HttpUpstreamOptions {
  if (options.upstream.kind !== 'http') throw new TypeError('this needs an http upstream');
  return options.upstream;
}

function httpUpstreamIssues(upstream: HttpUpstreamOptions): string[] {
  const issues: string[] = [];
  if (upstream.identity.mode === 'headers') {
    const names = Object.values(upstream.identity.headers);
    if (upstream.forwardHeaders.some((h) => names.includes(h))) {
      issues.push('upstream.forwardHeaders must not list the identity headers (header injection)');
    }
  }
  const forbidden = ['authorization', 'cookie', 'proxy-authorization', 'host'];
  const clash = upstream.forwardHeaders.filter((h) => forbidden.includes(h));
  if (clash.length > 0) issues.push(`upstream.forwardHeaders must not list ${clash.join(', ')}`);
  return issues;
}

/**
 * Validate the options once at start-up, fill defaults and derive the public MCP URL, PRM URL, identity
 * issuer and allow-lists.
 * @throws {InvalidProxyOptionsError} listing every problem with its path.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function resolveOptions(input: unknown): ResolvedProxyOptions {
  const parsed = proxyOptionsSchema.safeParse(input);
  if (!parsed.success) throw new InvalidProxyOptionsError(parsed.error.issues.map(formatIssue));
  const o = parsed.data;
  const facade = o.mode === 'facade' ? o.facade : undefined;
  const base = new URL(o.publicUrl);
  const issues: string[] = [];
  if (base.pathname !== '/' || base.search !== '' || base.hash !== '' || base.username !== '') {
    issues.push('publicUrl must be an origin (scheme, host, port): no path, query, fragment or userinfo');
  }
  if (o.upstream.kind === 'http') issues.push(...httpUpstreamIssues(o.upstream));
  if (facade !== undefined) issues.push(...facadeIssues(facade));
  if (issues.length > 0) throw new InvalidProxyOptionsError(issues);

  const publicUrl = base.origin;
  const resource = `${publicUrl}${o.mcpPath}`;
  const loopback = isLoopbackHost(base.hostname);
  const allowedHosts = o.allowedHosts ?? (loopback ? ['localhost', '127.0.0.1', '[::1]'] : [base.hostname]);
  const corsHosts = o.cors.origins.map((origin) => new URL(origin).hostname);
  const identityIssuer =
    o.upstream.kind === 'http' && o.upstream.identity.mode === 'jwt' ? o.upstream.identity.issuer : undefined;
  return Object.freeze({
    ...o,
    facade,
    authorizationServer: facade === undefined ? o.idp.issuer : publicUrl,
    publicUrl,
    resource,
    resourceMetadataUrl: protectedResourceMetadataUrls(resource)[0] ?? '',
    identityIssuer: identityIssuer ?? publicUrl,
    jwksUrl: `${publicUrl}${JWKS_PATH}`,
    scopesSupported: Object.freeze([...(o.scopesSupported ?? o.scopes.default)]),
    allowedHosts: Object.freeze([...allowedHosts]),
    allowedOrigins: Object.freeze([...new Set([...(o.allowedOrigins ?? allowedHosts), ...corsHosts])]),
  });
}
