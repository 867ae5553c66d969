import type { AuthorizationServerMetadata } from '@portcullis/metadata';
import * as oauth from 'oauth4webapi';
import { ClientError, messageOf } from './errors.js';
import type { OAuthClientOptions } from './options.js';
import type { StoredClient, TokenStore } from './token-store.js';

/** What {@link resolveClient} needs. */
export interface RegistrationContext {
  readonly options: OAuthClientOptions;
  readonly store: TokenStore;
  readonly fetchFn: typeof fetch;
}

type AuthMethod = StoredClient['token_endpoint_auth_method'];

/** The method we ask for in DCR: `none` (a native public client) unless the AS supports only secrets. */
function preferredAuthMethod(metadata: AuthorizationServerMetadata): AuthMethod {
  const supported = metadata.token_endpoint_auth_methods_supported;
  if (supported === undefined || supported.includes('none')) return 'none';
  if (supported.includes('client_secret_basic')) return 'client_secret_basic';
  if (supported.includes('client_secret_post')) return 'client_secret_post';
  return 'none';
}

function preRegistered(options: OAuthClientOptions, issuer: string): StoredClient | undefined {
  const entries = options.preRegistered;
  const match = entries.find((e) => e.issuer === issuer) ?? entries.find((e) => e.issuer === undefined);
  if (match === undefined) {
    if (entries.length === 0) return undefined;
    throw new ClientError(
      'ERR_PORTCULLIS_CLIENT_NO_REGISTRATION',
      `the pre-registered client credentials are for ${entries.map((e) => e.issuer).join(', ')}, but the server uses the authorization server ${issuer}`,
      {
        url: issuer,
        hint: `register a client at ${issuer} and pass its --client-id, or drop --client-issuer`,
      },
    );
  }
  return {
    issuer,
    client_id: match.clientId,
    client_secret: match.clientSecret,
    token_endpoint_auth_method:
      match.tokenEndpointAuthMethod ?? (match.clientSecret === undefined ? 'none' : 'client_secret_basic'),
    via: 'pre-registered',
  };
}

/**
 * The client identity to use at `issuer`, in the MCP priority order (CL-16): pre-registered credentials for
 * that issuer → a stored registration for that issuer → our client ID metadata document (when the AS supports
 * CIMD and one is configured) → dynamic registration with `application_type: "native"` (stored per issuer) →
 * a clear error. Credentials are never reused across issuers (CL-19).
 * @throws {ClientError} `ERR_PORTCULLIS_CLIENT_NO_REGISTRATION` or `ERR_PORTCULLIS_CLIENT_REGISTRATION_FAILED`.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/client-registration
 */
export async function resolveClient(
  ctx: RegistrationContext,
  issuer: string,
  metadata: AuthorizationServerMetadata,
  redirectUri: string,
): Promise<StoredClient> {
  const pre = preRegistered(ctx.options, issuer);
  if (pre !== undefined) return pre;
  const cimd = ctx.options.clientMetadataUrl;
  const stored = await ctx.store.readClient(issuer);
  const sameRedirect = stored?.redirect_uris === undefined || stored.redirect_uris.includes(redirectUri);
  if (stored?.issuer === issuer && ((stored.via === 'dcr' && sameRedirect) || stored.client_id === cimd)) {
    return stored;
  }
  if (metadata.client_id_metadata_document_supported === true && cimd !== undefined) {
    return { issuer, client_id: cimd, token_endpoint_auth_method: 'none', via: 'cimd' };
  }
  if (metadata.registration_endpoint !== undefined) {
    const client = await register(ctx, issuer, metadata, redirectUri);
    await ctx.store.writeClient(client);
    return client;
  }
  throw new ClientError(
    'ERR_PORTCULLIS_CLIENT_NO_REGISTRATION',
    `the authorization server ${issuer} offers no way to register this client: no registration_endpoint, and ${
      metadata.client_id_metadata_document_supported === true
        ? 'no client metadata document URL is configured'
        : 'no client ID metadata document support'
    }`,
    {
      url: issuer,
      hint: `register a client at ${issuer} and pass --client-id (and --client-secret), or pass --client-metadata-url`,
    },
  );
}

/**
 * The loopback port to listen on: the configured `callbackPort`, else the port of the redirect URI the stored
 * dynamic registration for `issuer` was made with (authorization servers such as Keycloak compare loopback
 * redirect URIs with their port, against RFC 8252 §7.3), else none (ephemeral).
 */
export async function preferredCallbackPort(
  ctx: RegistrationContext,
  issuer: string,
): Promise<number | undefined> {
  if (ctx.options.callbackPort !== undefined) return ctx.options.callbackPort;
  const stored = await ctx.store.readClient(issuer);
  const uri = stored?.via === 'dcr' ? stored.redirect_uris?.[0] : undefined;
  const port = uri === undefined ? undefined : Number(URL.parse(uri)?.port);
  return port !== undefined && Number.isInteger(port) && port > 0 ? port : undefined;
}

async function register(
  ctx: RegistrationContext,
  issuer: string,
  metadata: AuthorizationServerMetadata,
  redirectUri: string,
): Promise<StoredClient> {
  const url = metadata.registration_endpoint ?? issuer;
  const requested = preferredAuthMethod(metadata);
  const as = metadata as oauth.AuthorizationServer;
  try {
    const response = await oauth.dynamicClientRegistrationRequest(
      as,
      {
        client_name: ctx.options.clientName,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: requested,
        application_type: 'native',
      },
      { [oauth.customFetch]: ctx.fetchFn, [oauth.allowInsecureRequests]: ctx.options.allowLoopbackHttp },
    );
    const client = await readRegistration(response, url);
    const method = (client.token_endpoint_auth_method as AuthMethod | undefined) ?? requested;
    return {
      issuer,
      client_id: client.client_id,
      client_secret: typeof client.client_secret === 'string' ? client.client_secret : undefined,
      token_endpoint_auth_method: method,
      via: 'dcr',
      redirect_uris: [redirectUri],
    };
  } catch (error) {
    if (error instanceof ClientError) throw error;
    const body = error instanceof RegistrationRejected ? error.body : undefined;
    const oauthError = typeof body?.error === 'string' ? body.error : undefined;
    const description = typeof body?.error_description === 'string' ? body.error_description : undefined;
    throw new ClientError(
      'ERR_PORTCULLIS_CLIENT_REGISTRATION_FAILED',
      `dynamic client registration at ${url} failed: ${oauthError ?? messageOf(error)}${description ? ` (${description})` : ''}`,
      {
        url,
        oauthError,
        hint:
          oauthError === 'invalid_redirect_uri'
            ? 'the authorization server rejected the loopback redirect URI http://127.0.0.1:<port>/callback; it must allow loopback redirects on any port (RFC 8252 §7.3)'
            : 'pre-register a client and pass --client-id, or ask the operator to enable dynamic registration',
        cause: error,
      },
    );
  }
}

class RegistrationRejected extends Error {
  readonly body: Record<string, unknown> | undefined;
  constructor(message: string, body?: Record<string, unknown>) {
    super(message);
    this.body = body;
  }
}

// Read by hand instead of oauth4webapi's processDynamicClientRegistrationResponse: that one rejects responses
// that omit client_secret_expires_at next to a secret, which real servers (and the conformance mock) do.
async function readRegistration(
  response: Response,
  url: string,
): Promise<Record<string, unknown> & { client_id: string }> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new RegistrationRejected(`${url} answered ${response.status} without a JSON body`);
  }
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (response.status !== 201 && response.status !== 200) {
    throw new RegistrationRejected(`${url} answered ${response.status}`, record);
  }
  if (typeof record.client_id !== 'string' || record.client_id === '') {
    throw new RegistrationRejected(`the registration response from ${url} has no client_id`);
  }
  return record as Record<string, unknown> & { client_id: string };
}
