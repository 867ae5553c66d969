import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { AccountStore } from './accounts.js';
import type { GuardedFetch } from './guarded-fetch.js';
import type { IdpKeys } from './keys.js';
import { checkRedirectUris } from './loopback.js';
import type { MemoryStore } from './memory-adapter.js';
import type { ResolvedIdpOptions } from './options.js';
import { errorPage, PAGE_HEADERS } from './pages.js';

/** Route paths (relative to the issuer). `/authorize`, `/token`, `/register` are the MCP 2025-03-26 defaults. */
export const ROUTES = {
  authorization: '/authorize',
  token: '/token',
  registration: '/register',
  jwks: '/jwks',
  userinfo: '/userinfo',
  introspection: '/token/introspection',
  revocation: '/token/revocation',
} as const;

/** What {@link buildProviderConfiguration} needs besides the options. */
export interface ProviderParts {
  options: ResolvedIdpOptions;
  keys: IdpKeys;
  accounts: AccountStore;
  store: MemoryStore;
  fetch: GuardedFetch;
  basePath: string;
}

/**
 * Translate resolved options into oidc-provider's configuration: PKCE S256 for every client, code flow only,
 * JWT access tokens bound to one configured resource (RFC 8707), refresh token rotation, DCR and CIMD,
 * our own login/consent pages (devInteractions off) and our own error page.
 * @see MCP Authorization 2026-07-28; OAuth 2.1 §4.1, §4.3; RFC 8707 §2; RFC 9207
 */
export function buildProviderConfiguration(parts: ProviderParts): Configuration {
  const { options, keys, accounts, store, basePath } = parts;
  const resources = new Map(options.resources.map((r) => [r.uri, r]));
  const ttl = options.ttl;
  // Every scope a client may ask for, also in its registration `scope` (the MCP SDKs send the resource scopes
  // there): the OIDC scopes, each resource's scopes and offline_access.
  const scopes = [
    ...new Set([
      ...options.scopes,
      ...options.resources.flatMap((r) => r.scopes),
      ...(options.offlineAccess ? ['offline_access'] : []),
    ]),
  ];

  const introspectors = new Set(options.introspectors.map((c) => c.clientId));

  return {
    adapter: store.factory,
    // Introspection-only clients: no grant, no redirect; they authenticate at the introspection endpoint.
    clients: options.introspectors.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      grant_types: [],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    jwks: keys.jwks as Configuration['jwks'],
    cookies: { keys: keys.cookieKeys },
    findAccount: accounts.findAccount,
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    scopes,
    responseTypes: ['code'],
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post'],
    clientDefaults: {
      // Pre-2026 MCP clients omit application_type and use loopback redirects: treat them as native apps.
      application_type: 'native',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: options.signing.alg,
    },
    extraClientMetadata: {
      properties: ['redirect_uris'],
      validator: (_ctx, key, _value, metadata) => {
        if (key === 'redirect_uris') checkRedirectUris(metadata as Record<string, unknown>);
      },
    },
    pkce: { required: () => true },
    routes: ROUTES,
    interactions: { url: (_ctx, interaction) => `${basePath}/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      // MCP 2026-07-28 uses Bearer tokens; DPoP is an ext-auth extension the resource servers do not accept yet.
      dPoP: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      userinfo: { enabled: true },
      // RFC 7662 / RFC 7009 for opaque access tokens and refresh tokens (JWT access tokens cannot be
      // introspected or revoked by oidc-provider): a configured introspector may read any token, other
      // clients only their own.
      introspection: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) =>
          introspectors.has(client.clientId) || token.clientId === client.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      registration: {
        enabled: options.registration.enabled,
        initialAccessToken: false,
        issueRegistrationAccessToken: options.registration.enabled,
      },
      // RFC 7592: a registered client reads or deletes its registration with the registration access token
      // it was given (the auth proxy deletes the IdP clients it registered once they expire on its side).
      registrationManagement: { enabled: options.registration.enabled, rotateRegistrationAccessToken: false },
      clientIdMetadataDocument: {
        enabled: options.cimd.enabled,
        ack: 'draft-02',
        cacheDuration: { min: options.cimd.cacheSeconds.min, max: options.cimd.cacheSeconds.max },
        allowFetch: () => true,
        allowClient: (_ctx, client) => {
          // MCP Client Registration §CIMD: the document names the client for the consent page.
          if (!client.clientName) {
            throw new errors.InvalidClientMetadata('client_id metadata document must contain client_name');
          }
          return true;
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? options.defaultResource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          const resource = resources.get(indicator);
          if (!resource)
            throw new errors.InvalidTarget('resource indicator is not a resource of this server');
          return {
            scope: resource.scopes.join(' '),
            audience: resource.uri,
            accessTokenTTL: resource.accessTokenTtl ?? ttl.accessToken,
            accessTokenFormat: resource.accessTokenFormat,
            jwt: { sign: { alg: options.signing.alg } },
          };
        },
      },
    },
    fetch: parts.fetch,
    fetchResponseBodyLimits: { 'client_id metadata document': options.cimd.maxBytes },
    rotateRefreshToken: true,
    issueRefreshToken: (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') &&
      (!options.offlineAccess || code.scopes.has('offline_access')),
    expiresWithSession: (_ctx, code) => options.offlineAccess && !code.scopes.has('offline_access'),
    clientBasedCORS: (_ctx, origin, client) =>
      client.clientAuthMethod === 'none' &&
      (client.redirectUris ?? []).some((uri) => URL.parse(uri)?.origin === origin),
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ttl.accessToken,
      AuthorizationCode: ttl.authorizationCode,
      IdToken: ttl.idToken,
      Interaction: ttl.interaction,
      Session: ttl.session,
      Grant: ttl.grant,
      RefreshToken: (ctx, _token, client) => {
        // Rotation must not extend a public client's refresh lifetime forever.
        const rotated = ctx?.oidc?.entities.RotatedRefreshToken;
        if (rotated && client.clientAuthMethod === 'none') return rotated.remainingTTL;
        return ttl.refreshToken;
      },
    },
    renderError: (ctx: KoaContextWithOIDC, out) => {
      ctx.set(PAGE_HEADERS);
      ctx.body = errorPage(
        String(out.error),
        out.error_description ? String(out.error_description) : undefined,
      );
    },
  };
}
