import { canonicalResourceUri } from '@portcullis/metadata';
import type { FastifyReply } from 'fastify';
import type { ResolvedProxyOptions } from '../options.js';
import type { FacadeOptions } from '../options-facade.js';
import type { Store } from '../store.js';
import type { ClientRegistry } from './clients.js';
import type { ConsentCookies } from './consent-cookie.js';
import type { IdpClient } from './idp-client.js';
import { withResponseParams } from './redirect-uri.js';
import type { RegistrationReaper } from './registration-reaper.js';
import type { UpstreamClients } from './upstream-clients.js';

/** Everything the facade's routes share. */
export interface FacadeContext {
  readonly options: ResolvedProxyOptions;
  readonly facade: FacadeOptions;
  readonly store: Store;
  readonly idp: IdpClient;
  readonly clients: ClientRegistry;
  readonly upstreams: UpstreamClients;
  /** Deletes expired IdP clients (RFC 7592); `undefined` with the `static` adapter or `idpCleanup` off. */
  readonly reaper: RegistrationReaper | undefined;
  readonly consent: ConsentCookies;
  /** The proxy's redirect URI at the IdP. */
  readonly callbackUrl: string;
}

/** An authorization request the proxy accepted, waiting for consent or for the IdP's answer. */
export interface PendingAuthorization {
  readonly client_id: string;
  readonly client_name?: string | undefined;
  /** True for a client ID metadata document (its first IdP client counts against `maxClients`). */
  readonly cimd?: boolean | undefined;
  readonly redirect_uri: string;
  /** False when the request left `redirect_uri` out (one registered): then `/token` need not send it either. */
  readonly redirect_uri_given?: boolean | undefined;
  readonly state?: string | undefined;
  readonly code_challenge: string;
  readonly scope?: string | undefined;
}

/** A relayed authorization, kept under its upstream `state` until the IdP's answer comes back (once). */
export interface RelayedAuthorization extends PendingAuthorization {
  /** SHA-256 of the nonce in the browser's relay cookie. */
  readonly browser?: string | undefined;
}

/** The facade's routes under the public URL. */
export const FACADE_PATHS = {
  authorize: '/authorize',
  token: '/token',
  revoke: '/revoke',
  register: '/register',
  consent: '/consent',
} as const;

/**
 * Redirect the browser to the client's `redirect_uri` with `params` and the proxy's `iss` (RFC 9207). The
 * `redirect_uri` was matched exactly against the registered ones before any redirect is made (PX-06); its own
 * query is kept as registered ({@link withResponseParams}).
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
export function redirectToClient(
  reply: FastifyReply,
  context: FacadeContext,
  redirectUri: string,
  params: Record<string, string | undefined>,
  status: 302 | 303 = 302,
): FastifyReply {
  const defined = Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined);
  const target = withResponseParams(redirectUri, {
    ...Object.fromEntries(defined),
    iss: context.options.authorizationServer,
  });
  return reply.header('cache-control', 'no-store').redirect(target, status);
}

/**
 * `true` when an RFC 8707 `resource` parameter names this server's MCP endpoint: compared in canonical form,
 * so that `HTTPS://Proxy.Example/mcp` is accepted as MCP asks ("SHOULD accept uppercase scheme and host").
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#canonical-server-uri
 */
export function isOurResource(asked: string, resource: string): boolean {
  try {
    return canonicalResourceUri(asked) === resource;
  } catch {
    return false;
  }
}
