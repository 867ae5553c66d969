import { canonicalResourceUri, isScopeToken, isSecureUrl } from '@portcullis/metadata';
import { z } from 'zod';
import { IdpError } from './errors.js';
import type { HostResolver } from './ssrf-guard.js';

/** Default access token lifetime in seconds (short-lived, AS-11). */
export const DEFAULT_ACCESS_TOKEN_TTL_S = 900;
/** Default authorization code lifetime in seconds (OAuth 2.1 §4.1.2: short-lived, at most 10 minutes). */
export const DEFAULT_AUTHORIZATION_CODE_TTL_S = 60;
/** Default refresh token lifetime in seconds (14 days; rotation never extends it for public clients). */
export const DEFAULT_REFRESH_TOKEN_TTL_S = 14 * 24 * 3600;
/** Default time budget for one client ID metadata document fetch, in milliseconds. */
export const DEFAULT_CIMD_TIMEOUT_MS = 5_000;
/** Default size cap for one client ID metadata document, in bytes (CIMD draft §6.6 suggests 5 KB). */
export const DEFAULT_CIMD_MAX_BYTES = 5_120;
/** Default cap on dynamically registered clients kept in memory (see `registration.maxClients`). */
export const DEFAULT_MAX_REGISTERED_CLIENTS = 1_000;

const scopeToken = z
  .string()
  .refine(isScopeToken, 'must be a scope token (RFC 6749 §3.3: no spaces or quotes)');

/** The parsed URL if `value` is an https URL, or an http URL on a loopback host; otherwise undefined. */
function secureUrl(value: string): URL | undefined {
  return isSecureUrl(value, { allowLoopbackHttp: true }) ? (URL.parse(value) ?? undefined) : undefined;
}

/** Why `value` is not a canonical resource URI (RFC 8707 §2), or undefined when it is one. */
function canonicalProblem(value: string): string | undefined {
  try {
    const canonical = canonicalResourceUri(value);
    return canonical === value ? undefined : `must be in canonical form: ${canonical}`;
  } catch (error) {
    return `must be a canonical resource URI (${error instanceof Error ? error.message : String(error)})`;
  }
}

const issuerSchema = z.string().superRefine((value, ctx) => {
  const url = secureUrl(value);
  if (!url) {
    ctx.addIssue({ code: 'custom', message: 'must be an https URL (http is allowed only for loopback)' });
  } else if (url.search || url.hash || value.includes('?') || value.includes('#')) {
    ctx.addIssue({ code: 'custom', message: 'must not have a query or fragment (RFC 8414 §2)' });
  } else if (url.username || url.password) {
    ctx.addIssue({ code: 'custom', message: 'must not contain user information' });
  } else if (value.endsWith('/')) {
    ctx.addIssue({ code: 'custom', message: 'must not end with "/" (clients compare it byte for byte)' });
  }
});

const resourceSchema = z.strictObject({
  /**
   * The resource's canonical URI, sent by clients as RFC 8707 `resource` and used verbatim as the token `aud`.
   * @see RFC 8707 §2
   */
  uri: z.string().superRefine((value, ctx) => {
    if (!secureUrl(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be an https URL (http is allowed only for loopback)' });
    } else if (value.includes('#')) {
      ctx.addIssue({ code: 'custom', message: 'must not contain a fragment (RFC 8707 §2)' });
    } else {
      const problem = canonicalProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }
  }),
  /** Scopes this resource accepts; only these end up in its tokens' `scope` claim. */
  scopes: z.array(scopeToken).min(1, 'must list at least one scope'),
  /** Lifetime of access tokens for this resource, in seconds. Default: `ttl.accessToken`. */
  accessTokenTtl: z.number().int().min(1).max(86_400).optional(),
  /** Human-readable name shown on the consent page. Default: the URI. */
  name: z.string().min(1).optional(),
  /**
   * `jwt` (default): RFC 9068 JWTs the resource server verifies on its own. `opaque`: random strings the
   * resource server introspects (RFC 7662); unlike JWTs they can be revoked (RFC 7009) with effect at once.
   */
  accessTokenFormat: z.enum(['jwt', 'opaque']).default('jwt'),
});

const introspectorSchema = z.strictObject({
  clientId: z.string().min(1),
  clientSecret: z.string().min(16, 'must be at least 16 characters'),
});

const userSchema = z
  .strictObject({
    /** Login name typed into `input[name=username]`. */
    username: z.string().min(1),
    /** Dev/test only: clear-text password, scrypt-hashed at start. */
    password: z.string().min(1).optional(),
    /** A hash from `hashPassword()` (`scrypt$N$r$p$salt$hash`). */
    passwordHash: z.string().startsWith('scrypt$', 'must come from hashPassword()').optional(),
    /** Token `sub`. Default: the username. */
    sub: z.string().min(1).optional(),
    /** OIDC `name` claim. */
    name: z.string().optional(),
    /** OIDC `email` claim. */
    email: z.email().optional(),
  })
  .refine((u) => (u.password === undefined) !== (u.passwordHash === undefined), {
    message: 'must have exactly one of password or passwordHash',
  });

const jwkSchema = z.looseObject({ kty: z.enum(['EC', 'RSA']), d: z.string(), kid: z.string().optional() });

const cimdSchema = z.strictObject({
  /** Accept https `client_id` URLs and fetch their metadata documents. Default: true. */
  enabled: z.boolean().default(true),
  /**
   * Dev/test only: fetch documents whose https URL names a loopback host over plain http on the same port, and
   * allow the loopback target. Default: false.
   */
  allowHttpLoopback: z.boolean().default(false),
  /** Host names exempt from the private-address refusal (e.g. an internal client registry). Default: none. */
  allowedHosts: z.array(z.string().min(1)).default([]),
  /** Time budget for one fetch, in milliseconds. Default: 5000. */
  timeoutMs: z.number().int().min(100).max(30_000).default(DEFAULT_CIMD_TIMEOUT_MS),
  /** Largest accepted document, in bytes. Default: 5120. */
  maxBytes: z.number().int().min(256).max(1_048_576).default(DEFAULT_CIMD_MAX_BYTES),
  /** Cache bounds applied to the document's Cache-Control/Expires, in seconds. Default: 30 and 86400. */
  cacheSeconds: z
    .strictObject({ min: z.number().int().min(0).default(30), max: z.number().int().min(0).default(86_400) })
    .default({ min: 30, max: 86_400 }),
  /** Host name resolver used by the SSRF guard. Default: `dns.lookup` with `all: true`. Inject it in tests. */
  resolver: z.custom<HostResolver>((v) => typeof v === 'function', 'must be a function').optional(),
});

const registrationSchema = z.strictObject({
  /** Accept RFC 7591 registrations at `/register`. Default: true. */
  enabled: z.boolean().default(true),
  /**
   * Most dynamically registered clients kept at once. Registered clients never expire (the store is in memory)
   * unless deleted with their registration access token (RFC 7592), so open registration needs a bound: past
   * it, `/register` answers `503 temporarily_unavailable` until clients are deleted or the process restarts.
   * Default: 1000.
   */
  maxClients: z.number().int().min(1).max(100_000).default(DEFAULT_MAX_REGISTERED_CLIENTS),
});

const ttlSchema = z.strictObject({
  /** Access token lifetime, in seconds. Default: 900. @see RFC 6749 §4.2.2 (`expires_in`) */
  accessToken: z.number().int().min(1).max(86_400).default(DEFAULT_ACCESS_TOKEN_TTL_S),
  /** Authorization code lifetime, in seconds, at most 600. Default: 60. @see OAuth 2.1 §4.1.2 */
  authorizationCode: z.number().int().min(1).max(600).default(DEFAULT_AUTHORIZATION_CODE_TTL_S),
  /** Refresh token lifetime, in seconds. Default: 1209600 (14 days). @see OAuth 2.1 §4.3 */
  refreshToken: z.number().int().min(60).default(DEFAULT_REFRESH_TOKEN_TTL_S),
  /** ID token lifetime, in seconds. Default: 3600. */
  idToken: z.number().int().min(1).default(3_600),
  /** Login/consent interaction lifetime, in seconds. Default: 600. */
  interaction: z.number().int().min(30).default(600),
  /** End-user session lifetime, in seconds. Default: 86400. */
  session: z.number().int().min(60).default(86_400),
  /** Consent (Grant) lifetime, in seconds. Default: 1209600. */
  grant: z.number().int().min(60).default(1_209_600),
});

/** The zod schema of {@link IdpOptionsInput}; strict: unknown keys are errors. */
export const idpOptionsSchema = z
  .strictObject({
    /** The issuer identifier, byte for byte as published in metadata and `iss`. @see RFC 8414 §2, RFC 9207 */
    issuer: issuerSchema,
    /** Interface `startIdp()` binds to. Default: 127.0.0.1. */
    host: z.string().min(1).default('127.0.0.1'),
    /** TCP port `startIdp()` listens on; 0 picks a free one. Default: 0. */
    port: z.number().int().min(0).max(65_535).default(0),
    /** Protected resources (MCP servers) tokens may be issued for. Default: none. @see RFC 8707 */
    resources: z.array(resourceSchema).default([]),
    /** Resource used when an authorization request names none. Must be one of `resources`. Default: none. */
    defaultResource: z.string().optional(),
    /** Seeded end-users. Default: none. */
    users: z.array(userSchema).default([]),
    /** OpenID Connect scopes offered besides the resource scopes. Default: openid, profile, email. */
    scopes: z.array(scopeToken).default(['openid', 'profile', 'email']),
    /**
     * Issue refresh tokens only when `offline_access` is granted, and list it in `scopes_supported` (AS-23).
     * When false, every client registered with the `refresh_token` grant gets one. Default: false.
     */
    offlineAccess: z.boolean().default(false),
    /** Dynamic client registration. @see RFC 7591 */
    registration: registrationSchema.default(registrationSchema.parse({})),
    /** Client ID metadata documents. @see draft-ietf-oauth-client-id-metadata-document */
    cimd: cimdSchema.default(cimdSchema.parse({})),
    /** Artifact lifetimes. */
    ttl: ttlSchema.default(ttlSchema.parse({})),
    /**
     * Confidential clients (resource servers, auth proxies) that may introspect any access token at the
     * introspection endpoint (RFC 7662) with `client_secret_basic`. Other clients may introspect and revoke
     * (RFC 7009) only their own tokens. Default: none.
     */
    introspectors: z.array(introspectorSchema).default([]),
    /** Token signing. Keys are generated at start when absent (not persisted). @see RFC 7517 */
    signing: z
      .strictObject({
        alg: z.enum(['ES256', 'RS256']).default('ES256'),
        keys: z.array(jwkSchema).min(1).optional(),
      })
      .default({ alg: 'ES256' }),
    /** Keys signing the session/interaction cookies, newest first. Default: random per start. */
    cookieKeys: z.array(z.string().min(32, 'must be at least 32 characters')).min(1).optional(),
  })
  .superRefine((o, ctx) => {
    const uris = new Set(o.resources.map((r) => r.uri));
    if (o.defaultResource !== undefined && !uris.has(o.defaultResource)) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultResource'],
        message: 'must be the uri of one of resources',
      });
    }
    if (uris.size !== o.resources.length) {
      ctx.addIssue({ code: 'custom', path: ['resources'], message: 'must not list the same uri twice' });
    }
    if (new Set(o.users.map((u) => u.username)).size !== o.users.length) {
      ctx.addIssue({ code: 'custom', path: ['users'], message: 'must not list the same username twice' });
    }
    if (o.scopes.includes('offline_access')) {
      ctx.addIssue({
        code: 'custom',
        path: ['scopes'],
        message: 'must not contain offline_access (use offlineAccess)',
      });
    }
    const kty = o.signing.alg === 'ES256' ? 'EC' : 'RSA';
    if (o.signing.keys && !o.signing.keys.some((k) => k.kty === kty)) {
      ctx.addIssue({
        code: 'custom',
        path: ['signing', 'keys'],
        message: `must contain a ${kty} key for ${o.signing.alg}`,
      });
    }
  });

/** Options accepted by `createIdp()` / `resolveOptions()`, before defaults are applied. */
export type IdpOptionsInput = z.input<typeof idpOptionsSchema>;
/** Validated options with every default filled in; deeply frozen. */
export type ResolvedIdpOptions = Readonly<z.output<typeof idpOptionsSchema>>;
/** One protected resource entry. */
export type IdpResource = z.output<typeof resourceSchema>;
/** One seeded end-user. */
export type IdpUser = z.output<typeof userSchema>;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`))
    .join('');
  const where = path || 'options';
  return issue.message.startsWith('must') ? `${where} ${issue.message}` : `${where}: ${issue.message}`;
}

/**
 * Validate options once at start, fill defaults, and return a deeply frozen object.
 * @throws IdpError `ERR_PORTCULLIS_IDP_INVALID_OPTIONS`, whose message names every offending path.
 */
export function resolveOptions(input: IdpOptionsInput): ResolvedIdpOptions {
  const result = idpOptionsSchema.safeParse(input);
  if (!result.success) {
    const message = result.error.issues.map(formatIssue).join('; ');
    throw new IdpError('ERR_PORTCULLIS_IDP_INVALID_OPTIONS', message, { cause: result.error });
  }
  return deepFreeze(result.data);
}
