import { isLoopbackHost, isScopeToken, protectedResourceMetadataUrls } from '@portcullis/metadata';
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import { InvalidProxyOptionsError } from './errors.js';
import { isStore, type Store } from './store.js';

/** Default public base URL of the proxy (the local stack). */
export const DEFAULT_PUBLIC_URL = 'http://localhost:9090';
/** Default path of the MCP endpoint under the public base URL. */
export const DEFAULT_MCP_PATH = '/mcp';
/** Default listen address and port. */
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 9090;
/** Default time to wait for the upstream's response headers, in milliseconds. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 30_000;
/** Default most stdio child processes (one per MCP session) at once. */
export const DEFAULT_STDIO_MAX_PROCESSES = 16;
/** Default lifetime of the forwarded identity JWT, in seconds. */
export const DEFAULT_IDENTITY_TTL_S = 60;
/** Default request body limit, in bytes (4 MiB, the MCP SDK's own limit). */
export const DEFAULT_BODY_BYTES = 4 * 1024 * 1024;
/** Default idle time after which a session binding is forgotten, in milliseconds. */
export const DEFAULT_SESSION_IDLE_MS = 30 * 60_000;
/** Default time in-flight requests get to finish on shutdown before streams are ended, in milliseconds. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
/** Default timeout of each `/readyz` probe, in milliseconds. */
export const DEFAULT_READINESS_TIMEOUT_MS = 2_000;
/** Default prefix of every key the proxy writes to Redis. */
export const DEFAULT_REDIS_KEY_PREFIX = 'portcullis:';
/** Default time allowed to (re)connect to Redis before a command fails, in milliseconds. */
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 2_000;
/** Default time allowed for one Redis command's answer, in milliseconds. */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 1_000;
/** Path of the proxy's JWK Set (RFC 7517), relative to the public base URL. */
export const JWKS_PATH = '/.well-known/jwks.json';
/** Default names of the identity headers in `headers` identity mode. */
export const DEFAULT_IDENTITY_HEADERS = Object.freeze({
  subject: 'x-portcullis-subject',
  clientId: 'x-portcullis-client-id',
  scope: 'x-portcullis-scope',
  issuer: 'x-portcullis-issuer',
});

const scope = z.string().refine(isScopeToken, 'must be a scope-token (RFC 6749 §3.3)');
const scopes = z.array(scope);
const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name')
  .transform((v) => v.toLowerCase());

function secureUrl(what: string) {
  return z.string().refine((v) => {
    if (!URL.canParse(v)) return false;
    const url = new URL(v);
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  }, `${what} must be an https URL (http is allowed only for loopback)`);
}

const identitySchema = z.discriminatedUnion('mode', [
  z.strictObject({
    /** Forward a proxy-signed JWT (`typ: at+jwt`, ES256) in `Authorization`. */
    mode: z.literal('jwt'),
    /** `iss` of the identity JWT. Default: `publicUrl`. */
    issuer: secureUrl('upstream.identity.issuer').optional(),
    /** Lifetime of one identity JWT, in seconds (never past the client token's `exp`). */
    ttlSeconds: z.number().int().min(5).max(3600).default(DEFAULT_IDENTITY_TTL_S),
    /** File holding the private signing key as a JWK (EC P-256). Default: a key generated at start. */
    keyFile: z.string().min(1).optional(),
    /** The private signing key as a JWK object (programmatic alternative to `keyFile`). */
    privateJwk: z.record(z.string(), z.unknown()).optional(),
  }),
  z.strictObject({
    /** Forward the identity in configured headers (for upstreams that trust a private network). */
    mode: z.literal('headers'),
    headers: z
      .strictObject({
        subject: headerName.default(DEFAULT_IDENTITY_HEADERS.subject),
        clientId: headerName.default(DEFAULT_IDENTITY_HEADERS.clientId),
        scope: headerName.default(DEFAULT_IDENTITY_HEADERS.scope),
        issuer: headerName.default(DEFAULT_IDENTITY_HEADERS.issuer),
      })
      .default({ ...DEFAULT_IDENTITY_HEADERS }),
  }),
]);

/** Default of `upstream.legacySse` (the 2024-11-05 HTTP+SSE transport): off. */
export const DEFAULT_LEGACY_SSE = Object.freeze({
  enabled: false,
  ssePath: '/sse',
  messagesPath: '/messages',
});

const legacyPath = z.string().regex(/^\/[^?#]*$/, 'must be a path starting with /');
const legacySseSchema = z.strictObject({
  enabled: z.boolean().default(DEFAULT_LEGACY_SSE.enabled),
  /** Upstream path of the SSE `GET`; the proxy serves the same path. */
  ssePath: legacyPath.default(DEFAULT_LEGACY_SSE.ssePath),
  /** Upstream path of the message `POST`s; the proxy serves the same path. */
  messagesPath: legacyPath.default(DEFAULT_LEGACY_SSE.messagesPath),
});

/** An MCP server over Streamable HTTP (`kind` may be omitted). */
const httpUpstreamSchema = z.strictObject({
  kind: z.literal('http').default('http'),
  /** The upstream MCP endpoint; the `aud` of the forwarded identity. */
  url: secureUrl('upstream.url'),
  /** Time allowed until the upstream's response headers; streams that are open are never cut. */
  timeoutMs: z.number().int().positive().default(DEFAULT_UPSTREAM_TIMEOUT_MS),
  /** Extra client request headers to forward (the MCP headers always are). */
  forwardHeaders: z.array(headerName).default([]),
  identity: identitySchema.default({ mode: 'jwt', ttlSeconds: DEFAULT_IDENTITY_TTL_S }),
  /** The 2024-11-05 HTTP+SSE transport: upstream paths (on `url`'s origin), served by the proxy at the same paths. */
  legacySse: legacySseSchema.default({ ...DEFAULT_LEGACY_SSE }),
});

/** A stdio MCP server the proxy spawns itself, one process per MCP session (no shell). */
const stdioUpstreamSchema = z.strictObject({
  kind: z.literal('stdio'),
  /** Executable to run (looked up in `PATH`, never through a shell). */
  command: z.string().min(1),
  /** Its arguments, passed as they are. */
  args: z.array(z.string()).default([]),
  /** Extra environment; the child otherwise gets only HOME, LOGNAME, PATH, SHELL, TERM, USER. */
  env: z.record(z.string().min(1), z.string()).default({}),
  /** Working directory of the child. Default: the proxy's. */
  cwd: z.string().min(1).optional(),
  /** Most child processes (sessions) at once; one more `initialize` gets 503. */
  maxProcesses: z.number().int().positive().default(DEFAULT_STDIO_MAX_PROCESSES),
  /** Time allowed for a new child to answer `initialize`. */
  timeoutMs: z.number().int().positive().default(DEFAULT_UPSTREAM_TIMEOUT_MS),
});

const redisUrl = z
  .string()
  .refine((v) => URL.canParse(v) && /^rediss?:$/.test(new URL(v).protocol), {
    message: 'store.url must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0',
  })
  .refine(
    (v) => !URL.canParse(v) || new URL(v).protocol !== 'redis:' || isLoopbackHost(new URL(v).hostname),
    {
      message: 'store.url must use rediss:// (TLS) unless the host is loopback (127.0.0.1, ::1, localhost)',
    },
  )
  .refine((v) => !URL.canParse(v) || /^\/?(\d{1,2})?$/.test(new URL(v).pathname), {
    message: 'store.url path must be empty or a database number, e.g. /0',
  });

/** Where the proxy keeps its state (session bindings; later facade mode's registrations, consent, relay state). */
const storeSchema = z.preprocess(
  (v) => (isStore(v) ? { kind: 'custom', store: v } : v),
  z.discriminatedUnion('kind', [
    /** This process's memory (default): one replica only. */
    z.strictObject({ kind: z.literal('memory'), maxEntries: z.number().int().positive().optional() }),
    /** Redis, shared by every replica using the same URL and prefix. */
    z.strictObject({
      kind: z.literal('redis'),
      url: redisUrl,
      keyPrefix: z
        .string()
        .regex(/^[A-Za-z0-9:._-]{1,64}$/, 'must be 1–64 letters, digits, ":", ".", "_" or "-"')
        .default(DEFAULT_REDIS_KEY_PREFIX),
      connectTimeoutMs: z.number().int().positive().default(DEFAULT_REDIS_CONNECT_TIMEOUT_MS),
      commandTimeoutMs: z.number().int().positive().default(DEFAULT_REDIS_COMMAND_TIMEOUT_MS),
    }),
    /** A `Store` object given programmatically (`store: myStore` is accepted as a shorthand). */
    z.strictObject({ kind: z.literal('custom'), store: z.custom<Store>(isStore, 'must implement Store') }),
  ]),
);

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
  idp: z.strictObject({
    issuer: secureUrl('idp.issuer'),
    jwksUri: secureUrl('idp.jwksUri'),
    /** More accepted `iss` values (e.g. an issuer alias). */
    additionalIssuers: z.array(z.string().min(1)).default([]),
    algorithms: z.array(z.string().min(1)).min(1).optional(),
    clockToleranceSec: z.number().int().min(0).max(300).optional(),
    cooldownMs: z.number().int().min(0).optional(),
    cacheMaxAgeMs: z.number().int().min(0).optional(),
    timeoutMs: z.number().int().positive().optional(),
  }),
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
    .strictObject({ bodyBytes: z.number().int().positive().default(DEFAULT_BODY_BYTES) })
    .default({ bodyBytes: DEFAULT_BODY_BYTES }),
  /** 2025-era session bindings (upstream `Mcp-Session-Id` → caller). */
  sessions: z
    .strictObject({ idleMs: z.number().int().positive().default(DEFAULT_SESSION_IDLE_MS) })
    .default({ idleMs: DEFAULT_SESSION_IDLE_MS }),
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

/** Facade mode (the proxy as authorization server too): accepted by the schema, refused by resolveOptions. */
const facadeOptionsSchema = z.looseObject({ mode: z.literal('facade') });

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
  | { mode: 'facade'; [key: string]: unknown };
/** The store options as written. */
export type StoreOptionsInput =
  | { kind: 'memory'; maxEntries?: number }
  | { kind: 'redis'; url: string; keyPrefix?: string; connectTimeoutMs?: number; commandTimeoutMs?: number };
/** The store options after defaults. */
export type StoreOptions = z.output<typeof storeSchema>;
/** An HTTP upstream after defaults. */
export type HttpUpstreamOptions = z.output<typeof httpUpstreamSchema>;
/** A stdio upstream after defaults. */
export type StdioUpstreamOptions = z.output<typeof stdioUpstreamSchema>;
/** The identity forwarding settings after defaults. */
export type IdentityOptions = z.output<typeof identitySchema>;

/** The options after {@link resolveOptions}: defaults filled, derived values added, frozen. */
export type ResolvedProxyOptions = Readonly<
  Omit<z.output<typeof directOptionsSchema>, 'allowedHosts' | 'allowedOrigins' | 'scopesSupported'> & {
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
 * @throws {InvalidProxyOptionsError} listing every problem with its path; `ERR_PORTCULLIS_PROXY_NOT_IMPLEMENTED`
 * for `mode: 'facade'`.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function resolveOptions(input: unknown): ResolvedProxyOptions {
  const parsed = proxyOptionsSchema.safeParse(input);
  if (!parsed.success) throw new InvalidProxyOptionsError(parsed.error.issues.map(formatIssue));
  const o = parsed.data;
  if (o.mode === 'facade') {
    throw new InvalidProxyOptionsError(
      [
        'mode "facade" (the proxy as authorization server relaying to the IdP) is not implemented yet; use mode "direct" with an IdP that issues tokens for the proxy URL',
      ],
      'ERR_PORTCULLIS_PROXY_NOT_IMPLEMENTED',
    );
  }
  const base = new URL(o.publicUrl);
  const issues: string[] = [];
  if (base.pathname !== '/' || base.search !== '' || base.hash !== '' || base.username !== '') {
    issues.push('publicUrl must be an origin (scheme, host, port): no path, query, fragment or userinfo');
  }
  if (o.upstream.kind === 'http') issues.push(...httpUpstreamIssues(o.upstream));
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
