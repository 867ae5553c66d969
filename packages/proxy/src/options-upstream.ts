import { isLoopbackHost } from '@portcullis/metadata';
import { z } from 'zod';

/** Default time to wait for the upstream's response headers, in milliseconds. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 30_000;
/** Default most stdio child processes (one per MCP session) at once. */
export const DEFAULT_STDIO_MAX_PROCESSES = 16;
/** Default most stdio child processes one caller (issuer, subject, client) holds at once. */
export const DEFAULT_STDIO_MAX_PROCESSES_PER_CALLER = 4;
/** Default lifetime of the forwarded identity JWT, in seconds. */
export const DEFAULT_IDENTITY_TTL_S = 60;

/** Default names of the identity headers in `headers` identity mode. */
export const DEFAULT_IDENTITY_HEADERS = Object.freeze({
  subject: 'x-portcullis-subject',
  clientId: 'x-portcullis-client-id',
  scope: 'x-portcullis-scope',
  issuer: 'x-portcullis-issuer',
});

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name')
  .transform((v) => v.toLowerCase());

export function secureUrl(what: string) {
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
    /**
     * Key rotation: files of further EC P-256 keys (public, or private with `d` dropped) published in the
     * JWKS next to the signing key but never used to sign: the next key before replicas switch to it, the
     * previous one until the identities it signed have expired. Each file holds one JWK or a JWK Set
     * (`{"keys": [...]}`, possibly empty), so one file can be edited through a rotation; files are read
     * again on `reloadKeys()` (`SIGHUP` to the CLI). Default: none.
     */
    publishedKeyFiles: z.array(z.string().min(1)).default([]),
    /** The same as JWK objects (programmatic alternative to `publishedKeyFiles`). */
    publishedJwks: z.array(z.record(z.string(), z.unknown())).default([]),
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
export const httpUpstreamSchema = z.strictObject({
  kind: z.literal('http').default('http'),
  /** The upstream MCP endpoint; the `aud` of the forwarded identity. */
  url: secureUrl('upstream.url'),
  /** Time allowed until the upstream's response headers; streams that are open are never cut. */
  timeoutMs: z.number().int().positive().default(DEFAULT_UPSTREAM_TIMEOUT_MS),
  /** Extra client request headers to forward (the MCP headers always are). */
  forwardHeaders: z.array(headerName).default([]),
  identity: identitySchema.default({
    mode: 'jwt',
    ttlSeconds: DEFAULT_IDENTITY_TTL_S,
    publishedKeyFiles: [],
    publishedJwks: [],
  }),
  /** The 2024-11-05 HTTP+SSE transport: upstream paths (on `url`'s origin), served by the proxy at the same paths. */
  legacySse: legacySseSchema.default({ ...DEFAULT_LEGACY_SSE }),
});

/** A stdio MCP server the proxy spawns itself, one process per MCP session (no shell). */
export const stdioUpstreamSchema = z.strictObject({
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
  /**
   * Most child processes one caller (issuer, subject, client) holds at once: its sessions plus its child for
   * 2026-07-28 requests; one more gets 503, so that one caller cannot take every process.
   */
  maxProcessesPerCaller: z.number().int().positive().default(DEFAULT_STDIO_MAX_PROCESSES_PER_CALLER),
  /** Time allowed for a new child to answer `initialize`. */
  timeoutMs: z.number().int().positive().default(DEFAULT_UPSTREAM_TIMEOUT_MS),
  /**
   * `tools/list` answers list only the tools the caller's token may call (`scopes`): the child cannot tell
   * callers apart (it gets no identity), so the proxy filters. Calls are enforced either way. Default: true.
   */
  filterToolsList: z.boolean().default(true),
});

/** An HTTP upstream after defaults. */
export type HttpUpstreamOptions = z.output<typeof httpUpstreamSchema>;
/** A stdio upstream after defaults. */
export type StdioUpstreamOptions = z.output<typeof stdioUpstreamSchema>;
/** The identity forwarding settings after defaults. */
export type IdentityOptions = z.output<typeof identitySchema>;
