import { z } from 'zod';

/** One day in ms (registration lifetimes are configured in days). */
export const DAY_MS = 24 * 3600 * 1000;
/** Default lifetime of a pending authorization request (consent page, upstream `state`), in ms (10 min). */
export const DEFAULT_FACADE_REQUEST_TTL_MS = 10 * 60_000;
/** Default lifetime of a proxy authorization code, in ms. */
export const DEFAULT_FACADE_CODE_TTL_MS = 60_000;
/** Default lifetime of a client registration and of its refresh-token bindings, in days. */
export const DEFAULT_FACADE_CLIENT_TTL_DAYS = 90;
/** Default most clients registered through `/register` (each may create one upstream client). */
export const DEFAULT_FACADE_MAX_CLIENTS = 10_000;
/** Default time between two sweeps for expired IdP clients to delete (RFC 7592), in ms (1 h). */
export const DEFAULT_FACADE_IDP_CLEANUP_INTERVAL_MS = 3_600_000;
/** Default path of the proxy's redirect URI registered at the IdP. */
export const DEFAULT_FACADE_CALLBACK_PATH = '/oauth/callback';

const upstreamClientSchema = z.strictObject({
  /** The client registered at the IdP by an administrator. */
  clientId: z.string().min(1),
  /** Its secret; never sent to MCP clients. Omit for a public upstream client. */
  clientSecret: z.string().min(1).optional(),
  /** How the proxy authenticates at the IdP's token endpoint. Default: `client_secret_basic` with a secret. */
  authMethod: z.enum(['client_secret_basic', 'client_secret_post', 'none']).optional(),
});

const cimdSchema = z.strictObject({
  /** Accept client ID metadata documents (`client_id` is an https URL). Default: true. */
  enabled: z.boolean().default(true),
  /** Dev only: fetch http documents from loopback hosts. Default: false. */
  allowHttpLoopback: z.boolean().default(false),
  /** Host names exempt from the private-address refusal. Default: none. */
  allowedHosts: z.array(z.string().min(1)).default([]),
  timeoutMs: z.number().int().positive().default(5_000),
  maxBytes: z.number().int().positive().default(5_120),
});

/**
 * The facade block: how the proxy acts as the authorization server clients see and relays to the IdP.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/security_best_practices#confused-deputy-problem
 */
export const facadeSchema = z.strictObject({
  /**
   * How clients get a client at the IdP: `keycloak` and `rfc7591` register one upstream client per MCP client
   * by dynamic registration (`keycloak` works round its quirks); `static` shares one pre-registered upstream
   * client (`upstreamClient`) between all MCP clients, with a consent page per client (confused deputy).
   */
  adapter: z.enum(['keycloak', 'rfc7591', 'static']).default('rfc7591'),
  /** RFC 7591 initial access token for registrations at the IdP. */
  initialAccessToken: z.string().min(1).optional(),
  /** The pre-registered upstream client (`adapter: static`). */
  upstreamClient: upstreamClientSchema.optional(),
  /** Send RFC 8707 `resource` (the proxy's MCP URL) to the IdP. Turn off for IdPs that set `aud` otherwise. */
  sendResource: z.boolean().default(true),
  /**
   * When the proxy's consent page (naming the client and its redirect host, AS-19) comes before the IdP.
   * `always` (default): for every client the first time in a browser; the signed `__Host-portcullis-consent`
   * cookie then remembers the approval. `shared-only`: only for a shared (`static`) upstream client and for
   * client ID metadata documents. With `keycloak` or `rfc7591`, `shared-only` does NOT meet AS-19: the IdP's
   * page shows the proxy's callback, so no page ever shows where the code goes.
   * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations#localhost-redirect-uri-risks
   */
  consent: z.enum(['always', 'shared-only']).default('always'),
  /** Key (≥ 32 characters) signing consent cookies. Default: a random key kept in the store. */
  cookieSecret: z.string().min(32).optional(),
  /**
   * Key (≥ 32 characters) encrypting the IdP client credentials the proxy registers and keeps in the store
   * (AES-256-GCM). Default: none, they are kept in plain text: protect the store (Redis) or set it.
   */
  storeKey: z.string().min(32).optional(),
  /**
   * Keys `storeKey` replaced: entries sealed with them are still opened (tried in order after `storeKey`), new
   * ones are sealed with `storeKey` only. For rotation without re-registering every client at the IdP.
   */
  previousStoreKeys: z.array(z.string().min(32)).default([]),
  callbackPath: z
    .string()
    .regex(/^\/[^?#]*$/, 'must be a path starting with /')
    .default(DEFAULT_FACADE_CALLBACK_PATH),
  registration: z
    .strictObject({
      /** Accept RFC 7591 registrations at `/register`. Default: true. */
      enabled: z.boolean().default(true),
      maxClients: z.number().int().positive().default(DEFAULT_FACADE_MAX_CLIENTS),
    })
    .default({ enabled: true, maxClients: DEFAULT_FACADE_MAX_CLIENTS }),
  cimd: cimdSchema.default(cimdSchema.parse({})),
  ttl: z
    .strictObject({
      requestMs: z.number().int().positive().default(DEFAULT_FACADE_REQUEST_TTL_MS),
      codeMs: z.number().int().positive().default(DEFAULT_FACADE_CODE_TTL_MS),
      clientDays: z.number().int().positive().default(DEFAULT_FACADE_CLIENT_TTL_DAYS),
    })
    .default({
      requestMs: DEFAULT_FACADE_REQUEST_TTL_MS,
      codeMs: DEFAULT_FACADE_CODE_TTL_MS,
      clientDays: DEFAULT_FACADE_CLIENT_TTL_DAYS,
    }),
  /**
   * RFC 7592 cleanup (`keycloak`, `rfc7591`): an IdP client the proxy registered is deleted at the IdP, with the
   * registration access token the IdP returned, once its registration here has expired (`ttl.clientDays`).
   * Every replica sweeps every `intervalMs`; each IdP client is deleted by one of them. IdPs that return no
   * `registration_client_uri` keep their clients. Default: on, every hour.
   */
  idpCleanup: z
    .strictObject({
      enabled: z.boolean().default(true),
      intervalMs: z.number().int().positive().default(DEFAULT_FACADE_IDP_CLEANUP_INTERVAL_MS),
    })
    .default({ enabled: true, intervalMs: DEFAULT_FACADE_IDP_CLEANUP_INTERVAL_MS }),
  /** Timeout of each request to the IdP, in ms. */
  idpTimeoutMs: z.number().int().positive().default(10_000),
});

/** The facade block after defaults. */
export type FacadeOptions = z.output<typeof facadeSchema>;

/** Problems of a facade block that the schema cannot see (cross-field rules). */
export function facadeIssues(facade: FacadeOptions): string[] {
  const issues: string[] = [];
  if (facade.adapter === 'static' && facade.upstreamClient === undefined) {
    issues.push(
      'facade.upstreamClient is required with facade.adapter "static" (the pre-registered IdP client)',
    );
  }
  if (facade.adapter !== 'static' && facade.upstreamClient !== undefined) {
    issues.push(
      'facade.upstreamClient is only used with facade.adapter "static"; remove it or set the adapter',
    );
  }
  if (facade.previousStoreKeys.length > 0 && facade.storeKey === undefined) {
    issues.push('facade.previousStoreKeys needs facade.storeKey (the key new entries are sealed with)');
  }
  const method = facade.upstreamClient?.authMethod;
  if (facade.upstreamClient?.clientSecret === undefined && method !== undefined && method !== 'none') {
    issues.push(`facade.upstreamClient.clientSecret is required with authMethod "${method}"`);
  }
  return issues;
}
