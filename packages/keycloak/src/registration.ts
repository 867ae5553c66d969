import { KeycloakError } from './errors.js';
import { requestJson } from './http-session.js';

/** The RFC 7591 registration response members this package reads. */
export interface RegisteredClient {
  readonly client_id: string;
  readonly client_secret?: string;
  readonly token_endpoint_auth_method?: string;
  readonly registration_access_token?: string;
  readonly registration_client_uri?: string;
  readonly redirect_uris?: readonly string[];
  readonly [member: string]: unknown;
}

/** Client metadata for {@link registerClient}; defaults describe a loopback public MCP client. */
export interface ClientRegistrationRequest {
  readonly redirect_uris: readonly string[];
  readonly client_name?: string;
  readonly token_endpoint_auth_method?: string;
  readonly grant_types?: readonly string[];
  readonly response_types?: readonly string[];
  /** Careful: on Keycloak ≤ 26.7 a `scope` here replaces the realm's default scopes with `basic`. */
  readonly scope?: string;
  readonly [member: string]: unknown;
}

/** Raw outcome of an anonymous RFC 7591 registration: the status and the body (an error body on rejection). */
export interface RegistrationOutcome {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** POST an anonymous registration. Returns status and body as-is, so negative tests can assert rejections. */
export async function registerClient(
  registrationEndpoint: string,
  metadata: ClientRegistrationRequest,
  timeoutMs = 15_000,
): Promise<RegistrationOutcome> {
  const json = {
    client_name: 'portcullis-keycloak check',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    ...metadata,
  };
  const { status, body } = await requestJson(registrationEndpoint, { json, timeoutMs });
  return { status, body: (body ?? {}) as Record<string, unknown> };
}

/** Register a loopback public client and return it; throws when Keycloak refuses. */
export async function registerPublicClient(
  registrationEndpoint: string,
  redirectUri: string,
  timeoutMs = 15_000,
): Promise<RegisteredClient> {
  const { status, body } = await registerClient(
    registrationEndpoint,
    { redirect_uris: [redirectUri] },
    timeoutMs,
  );
  if (status !== 201 || typeof body.client_id !== 'string') {
    throw new KeycloakError(
      'ERR_PORTCULLIS_KEYCLOAK_UNEXPECTED_RESPONSE',
      `Anonymous registration at ${registrationEndpoint} answered ${registrationFailure(status, body)}, not 201 with a client_id. ` +
        'Allow loopback hosts in the realm\'s "Trusted Hosts" client registration policy.',
    );
  }
  return body as RegisteredClient;
}

/**
 * A registration outcome for error messages: the status plus the RFC 7591 `error` / `error_description` only.
 * Never the body: a success with an unexpected status carries `client_secret` and `registration_access_token`.
 */
export function registrationFailure(status: number, body: Record<string, unknown>): string {
  const parts = [body.error, body.error_description].filter(
    (part): part is string => typeof part === 'string' && part !== '',
  );
  return parts.length === 0 ? `HTTP ${status}` : `HTTP ${status} (${parts.join(': ')})`;
}

/** RFC 7592 delete of a registered client with its registration access token. Returns the HTTP status. */
export async function deleteRegisteredClient(client: RegisteredClient, timeoutMs = 15_000): Promise<number> {
  if (!client.registration_client_uri || !client.registration_access_token) return 0;
  const { status } = await requestJson(client.registration_client_uri, {
    method: 'DELETE',
    bearer: client.registration_access_token,
    timeoutMs,
  });
  return status;
}

/** A loopback redirect URI on a random port that nothing listens on (the flow stops at the redirect). */
export function loopbackRedirectUri(): string {
  const port = 20_000 + Math.floor(Math.random() * 40_000);
  return `http://127.0.0.1:${port}/callback`;
}
