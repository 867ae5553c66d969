import type { FastifyReply } from 'fastify';
import * as oauth from 'oauth4webapi';
import { ProxyError } from '../errors.js';

/** How the proxy authenticates as one upstream client at the IdP's token endpoint. */
export interface UpstreamCredentials {
  readonly clientId: string;
  readonly clientSecret?: string | undefined;
  readonly authMethod: 'client_secret_basic' | 'client_secret_post' | 'none';
}

function clientAuthOf(credentials: UpstreamCredentials): oauth.ClientAuth {
  const secret = credentials.clientSecret;
  if (credentials.authMethod === 'none' || secret === undefined) return oauth.None();
  return credentials.authMethod === 'client_secret_post'
    ? oauth.ClientSecretPost(secret)
    : oauth.ClientSecretBasic(secret);
}

/**
 * How to manage one client registered at the IdP (RFC 7592): its `registration_client_uri` and
 * `registration_access_token`.
 * @see https://www.rfc-editor.org/rfc/rfc7592#section-3
 */
export interface RegistrationManagement {
  readonly uri: string;
  readonly token: string;
}

/** A client the proxy registered at the IdP, and how to delete it again when the IdP allows it. */
export interface RegisteredClient {
  readonly credentials: UpstreamCredentials;
  /** Absent when the IdP returned no management data, or a URI off its registration endpoint's origin. */
  readonly management: RegistrationManagement | undefined;
}

/**
 * The proxy's view of the IdP as an OAuth client: its authorization server metadata (discovered once, then
 * cached; a failed discovery is retried on the next call), dynamic registration, and token requests. Built
 * on oauth4webapi, which does discovery (with the RFC 8414 §3.3 issuer check), registration and client
 * authentication correctly; token responses are not processed but relayed to the MCP client as they are.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 */
export class IdpClient {
  readonly issuer: string;
  readonly #timeoutMs: number;
  readonly #insecure: boolean;
  #metadata: Promise<oauth.AuthorizationServer> | undefined;

  constructor(issuer: string, timeoutMs: number) {
    this.issuer = issuer;
    this.#timeoutMs = timeoutMs;
    // The options allow http only for loopback issuers (local development and tests).
    this.#insecure = new URL(issuer).protocol === 'http:';
  }

  #options() {
    return { signal: AbortSignal.timeout(this.#timeoutMs), [oauth.allowInsecureRequests]: this.#insecure };
  }

  /** The IdP's authorization server metadata (OpenID Connect discovery, then RFC 8414). */
  metadata(): Promise<oauth.AuthorizationServer> {
    this.#metadata ??= this.#discover().catch((error: unknown) => {
      this.#metadata = undefined;
      throw error;
    });
    return this.#metadata;
  }

  async #discover(): Promise<oauth.AuthorizationServer> {
    const issuer = new URL(this.issuer);
    const problems: string[] = [];
    for (const algorithm of ['oidc', 'oauth2'] as const) {
      try {
        const response = await oauth.discoveryRequest(issuer, { ...this.#options(), algorithm });
        return await oauth.processDiscoveryResponse(issuer, response);
      } catch (error) {
        problems.push(`${algorithm}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    throw new ProxyError(
      'ERR_PORTCULLIS_PROXY_IDP_UNAVAILABLE',
      `cannot read the authorization server metadata of the IdP ${this.issuer} (${problems.join('; ')}); check idp.issuer and that the IdP is up`,
    );
  }

  /** The endpoint `name` of the IdP, or a `ProxyError` saying the IdP does not publish it. */
  async endpoint(
    name: 'authorization_endpoint' | 'token_endpoint' | 'registration_endpoint' | 'revocation_endpoint',
  ): Promise<string> {
    const value = (await this.metadata())[name];
    if (typeof value !== 'string') {
      throw new ProxyError(
        'ERR_PORTCULLIS_PROXY_IDP_UNAVAILABLE',
        `the IdP ${this.issuer} publishes no ${name}; ${name === 'registration_endpoint' ? 'use facade.adapter "static" with a pre-registered client' : 'check idp.issuer'}`,
      );
    }
    return value;
  }

  /**
   * Register a client at the IdP (RFC 7591) and return how to authenticate as it.
   * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
   */
  async register(metadata: Record<string, unknown>, initialAccessToken?: string): Promise<RegisteredClient> {
    const as = await this.metadata();
    const endpoint = await this.endpoint('registration_endpoint');
    let client: oauth.OmitSymbolProperties<oauth.Client>;
    try {
      const response = await oauth.dynamicClientRegistrationRequest(as, metadata as Partial<oauth.Client>, {
        ...this.#options(),
        ...(initialAccessToken === undefined ? {} : { initialAccessToken }),
      });
      client = await oauth.processDynamicClientRegistrationResponse(response);
    } catch (error) {
      const detail =
        error instanceof oauth.ResponseBodyError
          ? `${error.status} ${error.error}${error.error_description ? `: ${error.error_description}` : ''}`
          : error instanceof Error
            ? error.message
            : String(error);
      throw new ProxyError(
        'ERR_PORTCULLIS_PROXY_IDP_REGISTRATION',
        `the IdP ${this.issuer} refused to register a client for the proxy (${detail}); check its registration policy (for Keycloak: trusted hosts must include the proxy's callback host)`,
        { cause: error },
      );
    }
    const secret = typeof client.client_secret === 'string' ? client.client_secret : undefined;
    const method = client.token_endpoint_auth_method;
    const uri = client.registration_client_uri;
    const token = client.registration_access_token;
    // The proxy will send the token to this URI later: only to the origin it registered at.
    const management =
      typeof uri === 'string' &&
      typeof token === 'string' &&
      token !== '' &&
      URL.parse(uri)?.origin === new URL(endpoint).origin
        ? { uri, token }
        : undefined;
    return {
      credentials: {
        clientId: client.client_id,
        clientSecret: secret,
        authMethod:
          secret === undefined ? 'none' : method === 'client_secret_post' ? method : 'client_secret_basic',
      },
      management,
    };
  }

  /**
   * Delete a client this proxy registered (RFC 7592 §2.3): `DELETE` its `registration_client_uri` with its
   * registration access token; the IdP's HTTP status (204 when deleted). Rejects when the IdP cannot be
   * reached in time.
   * @see https://www.rfc-editor.org/rfc/rfc7592#section-2.3
   */
  async deleteRegistration(management: RegistrationManagement): Promise<number> {
    const response = await fetch(management.uri, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${management.token}` },
      redirect: 'manual',
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    await response.body?.cancel();
    return response.status;
  }

  /**
   * A token request (`authorization_code` or `refresh_token`) as `credentials`; the raw response.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
   */
  async token(
    credentials: UpstreamCredentials,
    grantType: 'authorization_code' | 'refresh_token',
    parameters: Record<string, string | undefined>,
  ): Promise<Response> {
    const as = await this.metadata();
    await this.endpoint('token_endpoint');
    const client: oauth.Client = { client_id: credentials.clientId };
    return oauth.genericTokenEndpointRequest(
      as,
      client,
      clientAuthOf(credentials),
      grantType,
      Object.entries(parameters).filter((e): e is [string, string] => e[1] !== undefined),
      this.#options(),
    );
  }

  /**
   * Revoke `token` at the IdP (RFC 7009) as `credentials`; the raw response. A `ProxyError` when the IdP
   * publishes no revocation endpoint.
   * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
   */
  async revoke(credentials: UpstreamCredentials, token: string, tokenTypeHint?: string): Promise<Response> {
    const as = await this.metadata();
    await this.endpoint('revocation_endpoint');
    return oauth.revocationRequest(
      as,
      { client_id: credentials.clientId },
      clientAuthOf(credentials),
      token,
      {
        ...this.#options(),
        ...(tokenTypeHint === undefined ? {} : { additionalParameters: { token_type_hint: tokenTypeHint } }),
      },
    );
  }
}

/** The RFC 6749 §5.2 `error` of an IdP answer body, if it has one. */
export function idpErrorOf(body: Record<string, unknown> | undefined): string | undefined {
  return typeof body?.error === 'string' ? body.error : undefined;
}

/**
 * Answer 502 `server_error` for an IdP failure the client cannot act on, naming what failed (`doing`), the
 * IdP's HTTP status and its `error` (never its description, which may echo what was sent).
 */
export function sendIdpFailure(
  reply: FastifyReply,
  doing: string,
  status: number,
  error: string | undefined,
): FastifyReply {
  return reply.status(502).send({
    error: 'server_error',
    error_description: `the identity provider could not ${doing} (HTTP ${status}${error === undefined ? '' : ` ${error}`})`,
  });
}
