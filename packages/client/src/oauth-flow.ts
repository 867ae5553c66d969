import {
  type AuthorizationServerMetadata,
  assertAuthorizationResponseIssuer,
  formatScope,
  supportsPkceS256,
} from '@portcullis/metadata';
import * as oauth from 'oauth4webapi';
import { assertOpenableUrl, commandOpener, systemOpenerCommand } from './browser.js';
import { ClientError, messageOf } from './errors.js';
import { startLoopbackReceiver } from './loopback.js';
import type { OAuthClientOptions } from './options.js';
import { preferredCallbackPort, resolveClient } from './registration.js';
import type { StoredClient, StoredTokens, TokenStore } from './token-store.js';

/** Shared state of the OAuth steps. */
export interface FlowContext {
  readonly options: OAuthClientOptions;
  readonly store: TokenStore;
  readonly fetchFn: typeof fetch;
}

/** The authorization server and resource one flow is for. */
export interface FlowTarget {
  readonly issuer: string;
  readonly metadata: AuthorizationServerMetadata;
  /** The PRM `resource`, sent verbatim as RFC 8707 `resource` (CL-09). */
  readonly resource: string;
}

function requestOptions(ctx: FlowContext, resource: string) {
  return {
    additionalParameters: { resource },
    [oauth.customFetch]: ctx.fetchFn,
    [oauth.allowInsecureRequests]: ctx.options.allowLoopbackHttp,
  };
}

/** RFC 6749 §2.3.1 / Appendix B: application/x-www-form-urlencoded, as WHATWG URLSearchParams writes it. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

// Written by hand instead of oauth4webapi's ClientSecretBasic: that one also percent-encodes "-", "." and "_",
// which servers that skip the form-decoding step (among them the conformance mock) then reject.
function clientSecretBasic(clientId: string, secret: string): oauth.ClientAuth {
  const credentials = Buffer.from(`${formEncode(clientId)}:${formEncode(secret)}`).toString('base64');
  return (_as, _client, _body, headers) => {
    headers.set('authorization', `Basic ${credentials}`);
  };
}

function clientAuth(client: StoredClient): oauth.ClientAuth {
  if (client.client_secret !== undefined && client.token_endpoint_auth_method === 'client_secret_post') {
    return oauth.ClientSecretPost(client.client_secret);
  }
  if (client.client_secret !== undefined && client.token_endpoint_auth_method === 'client_secret_basic') {
    return clientSecretBasic(client.client_id, client.client_secret);
  }
  return oauth.None();
}

const TOKEN_HINTS: Record<string, string> = {
  invalid_grant:
    'the code or refresh token is no longer valid; log in again (`portcullis logout <url>`, then reconnect)',
  invalid_client:
    'the authorization server no longer knows this client; delete the registration in the store folder (clients/) or pass --client-id',
  invalid_scope:
    'the authorization server refused the requested scopes; check the scopes your account may use',
  not_allowed:
    'the authorization server refused part of the request (Keycloak: offline_access needs the offline_access role)',
  invalid_target:
    'the authorization server does not accept this resource; its resource indicator (RFC 8707) configuration must list the server URL',
};

function tokenError(url: string, error: unknown, what: string): ClientError {
  const body = error instanceof oauth.ResponseBodyError ? error : undefined;
  const oauthError = body?.error;
  const detail =
    body === undefined
      ? messageOf(error)
      : `${body.error}${body.error_description ? ` (${body.error_description})` : ''}`;
  return new ClientError(
    'ERR_PORTCULLIS_CLIENT_TOKEN_REQUEST_FAILED',
    `${what} at ${url} failed: ${detail}`,
    {
      url,
      oauthError,
      hint:
        (oauthError && TOKEN_HINTS[oauthError]) ??
        'check the authorization server logs for this request, then log in again',
      cause: error,
    },
  );
}

/** The stored form of a token response; a refresh that returns no new refresh token keeps the old one. */
export function toStored(
  target: FlowTarget,
  client: StoredClient,
  response: oauth.TokenEndpointResponse,
  requestedScope: string | undefined,
  previousRefreshToken?: string,
): StoredTokens {
  return {
    issuer: target.issuer,
    resource: target.resource,
    client_id: client.client_id,
    access_token: response.access_token,
    token_type: response.token_type,
    refresh_token: response.refresh_token ?? previousRefreshToken,
    expires_at:
      typeof response.expires_in === 'number'
        ? Math.floor(Date.now() / 1000) + response.expires_in
        : undefined,
    scope: response.scope ?? requestedScope,
  };
}

/**
 * Run one authorization code flow with PKCE S256 through the browser and the loopback receiver: refuse an AS
 * without `code_challenge_methods_supported` (CL-07), check the URL before opening it (CL-28), validate `iss`
 * per RFC 9207 before anything else (CL-21), then `state` (CL-22), then redeem the code with `resource`.
 * @throws {ClientError} for every failure, naming the URL involved.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization
 */
export async function authorizeInteractive(
  ctx: FlowContext,
  target: FlowTarget,
  scopes: readonly string[],
): Promise<{ tokens: StoredTokens; client: StoredClient }> {
  const { metadata, issuer } = target;
  if (!supportsPkceS256(metadata)) {
    throw new ClientError(
      'ERR_PORTCULLIS_CLIENT_PKCE_UNSUPPORTED',
      `the authorization server ${issuer} does not advertise PKCE S256 (code_challenge_methods_supported is ${JSON.stringify(metadata.code_challenge_methods_supported ?? 'missing')}); refusing to authorize`,
      { url: issuer, hint: 'the AS metadata must list "S256" in code_challenge_methods_supported' },
    );
  }
  const endpoint = metadata.authorization_endpoint;
  if (endpoint === undefined) {
    throw new ClientError(
      'ERR_PORTCULLIS_CLIENT_AS_METADATA_NOT_FOUND',
      `${issuer} has no authorization_endpoint`,
      {
        url: issuer,
        hint: 'fix the authorization server metadata',
      },
    );
  }
  assertOpenableUrl(endpoint, ctx.options.allowLoopbackHttp);
  const port = await preferredCallbackPort(ctx, issuer);
  const receiver = await startLoopbackReceiver(
    ctx.options.callbackTimeoutMs,
    port,
    ctx.options.callbackPort !== undefined,
  );
  try {
    const client = await resolveClient(ctx, issuer, metadata, receiver.redirectUri);
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const scope = scopes.length > 0 ? formatScope(scopes) : undefined;
    const url = new URL(endpoint);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', client.client_id);
    url.searchParams.set('redirect_uri', receiver.redirectUri);
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
    url.searchParams.set('code_challenge_method', 'S256');
    url.searchParams.set('state', state);
    if (scope !== undefined) url.searchParams.set('scope', scope);
    url.searchParams.set('resource', target.resource);
    assertOpenableUrl(url.href, ctx.options.allowLoopbackHttp);
    ctx.options.onEvent?.({ type: 'authorize', url: url.href });
    const open = ctx.options.openBrowser ?? commandOpener(systemOpenerCommand());
    await open(url.href);
    const params = await receiver.result;
    const callback = validateCallback(metadata, client, params, state, issuer);
    const tokenUrl = metadata.token_endpoint ?? issuer;
    try {
      const response = await oauth.authorizationCodeGrantRequest(
        metadata as oauth.AuthorizationServer,
        { client_id: client.client_id },
        clientAuth(client),
        callback,
        receiver.redirectUri,
        verifier,
        requestOptions(ctx, target.resource),
      );
      const result = await oauth.processAuthorizationCodeResponse(
        metadata as oauth.AuthorizationServer,
        { client_id: client.client_id },
        response,
      );
      return { tokens: toStored(target, client, result, scope), client };
    } catch (error) {
      throw tokenError(tokenUrl, error, 'the authorization code exchange');
    }
  } finally {
    await receiver.close();
  }
}

function validateCallback(
  metadata: AuthorizationServerMetadata,
  client: StoredClient,
  params: URLSearchParams,
  state: string,
  issuer: string,
): URLSearchParams {
  try {
    assertAuthorizationResponseIssuer({
      expectedIssuer: issuer,
      issParameterSupported: metadata.authorization_response_iss_parameter_supported,
      iss: params.get('iss') ?? undefined,
    });
  } catch (error) {
    throw new ClientError(
      'ERR_PORTCULLIS_CLIENT_ISS_MISMATCH',
      `rejected the authorization response: ${messageOf(error)}`,
      {
        url: issuer,
        hint: 'another authorization server answered (mix-up attack?) or the AS sends a wrong "iss"; do not retry blindly',
      },
    );
  }
  try {
    return oauth.validateAuthResponse(
      metadata as oauth.AuthorizationServer,
      { client_id: client.client_id },
      params,
      state,
    );
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError) {
      throw new ClientError(
        'ERR_PORTCULLIS_CLIENT_AUTHORIZATION_DENIED',
        `the authorization server ${issuer} answered ${error.error}${error.error_description ? `: ${error.error_description}` : ''}`,
        {
          url: issuer,
          oauthError: error.error,
          hint: 'approve the request in the browser, or check the requested scopes',
        },
      );
    }
    throw new ClientError(
      'ERR_PORTCULLIS_CLIENT_STATE_MISMATCH',
      `rejected the authorization response: ${messageOf(error)}`,
      {
        url: issuer,
        hint: 'the response does not belong to this login attempt; start the login again',
      },
    );
  }
}

/**
 * Redeem a refresh token with `resource` (CL-09, CL-25). A response without a new refresh token keeps the old.
 * @throws {ClientError} `ERR_PORTCULLIS_CLIENT_TOKEN_REQUEST_FAILED`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
export async function refreshTokens(
  ctx: FlowContext,
  target: FlowTarget,
  client: StoredClient,
  tokens: StoredTokens,
): Promise<StoredTokens> {
  const refreshToken = tokens.refresh_token;
  const url = target.metadata.token_endpoint ?? target.issuer;
  if (refreshToken === undefined) throw tokenError(url, new Error('no refresh token'), 'the refresh');
  try {
    const response = await oauth.refreshTokenGrantRequest(
      target.metadata as oauth.AuthorizationServer,
      { client_id: client.client_id },
      clientAuth(client),
      refreshToken,
      requestOptions(ctx, target.resource),
    );
    const result = await oauth.processRefreshTokenResponse(
      target.metadata as oauth.AuthorizationServer,
      { client_id: client.client_id },
      response,
    );
    return toStored(target, client, result, tokens.scope, refreshToken);
  } catch (error) {
    throw tokenError(url, error, 'the token refresh');
  }
}

/**
 * Revoke the refresh token (else the access token) at the authorization server's `revocation_endpoint`
 * (RFC 7009), best effort: `false` when the server has none or the request fails; logging out locally must
 * not depend on it.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
export async function revokeTokens(
  ctx: FlowContext,
  target: FlowTarget,
  client: StoredClient,
  tokens: StoredTokens,
): Promise<boolean> {
  if (typeof target.metadata.revocation_endpoint !== 'string') return false;
  const [token, hint] =
    tokens.refresh_token !== undefined
      ? [tokens.refresh_token, 'refresh_token']
      : [tokens.access_token, 'access_token'];
  try {
    const response = await oauth.revocationRequest(
      target.metadata as oauth.AuthorizationServer,
      { client_id: client.client_id },
      clientAuth(client),
      token,
      {
        additionalParameters: { token_type_hint: hint },
        [oauth.customFetch]: ctx.fetchFn,
        [oauth.allowInsecureRequests]: ctx.options.allowLoopbackHttp,
      },
    );
    await oauth.processRevocationResponse(response);
    return true;
  } catch {
    return false;
  }
}
