import { authorizationServerMetadataUrls } from '@portcullis/metadata';
import { decodeJwt } from 'jose';
import { calculatePKCECodeChallenge, generateRandomCodeVerifier, generateRandomState } from 'oauth4webapi';
import { KeycloakError } from './errors.js';
import { findConsentForm, findLoginForm, pageError, pageTitle } from './html-form.js';
import { HttpSession, requestJson } from './http-session.js';

/**
 * The discovery URLs MCP clients try, in the order they try them, built by `@portcullis/metadata`'s
 * `authorizationServerMetadataUrls` (RFC 8414 §3.1 path insertion: the issuer path without its terminating
 * slash). For an issuer without a path, `oidcAppend` equals `oidcInsertion`.
 * @throws {KeycloakError} `ERR_PORTCULLIS_KEYCLOAK_INVALID_OPTIONS` when `issuer` is not an http(s) URL without
 *   query or fragment.
 */
export function discoveryUrls(issuer: string): {
  rfc8414Insertion: string;
  oidcInsertion: string;
  oidcAppend: string;
} {
  let urls: string[];
  try {
    urls = authorizationServerMetadataUrls(issuer);
  } catch (cause) {
    throw new KeycloakError(
      'ERR_PORTCULLIS_KEYCLOAK_INVALID_OPTIONS',
      `The issuer is not usable for discovery: ${(cause as Error).message}. ` +
        'Pass the realm issuer, e.g. http://127.0.0.1:8080/realms/mcp.',
      { cause },
    );
  }
  const [rfc8414Insertion = '', oidcInsertion = '', oidcAppend = oidcInsertion] = urls;
  return { rfc8414Insertion, oidcInsertion, oidcAppend };
}

/** Authorization server metadata members this package reads. */
export interface AuthorizationServerMetadata {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly registration_endpoint?: string;
  readonly code_challenge_methods_supported?: readonly string[];
  readonly [member: string]: unknown;
}

/** Fetch OpenID discovery at `<issuer>/.well-known/openid-configuration`. */
export async function fetchMetadata(
  issuer: string,
  timeoutMs = 15_000,
): Promise<AuthorizationServerMetadata> {
  const url = discoveryUrls(issuer).oidcAppend;
  const { status, body } = await requestJson(url, { timeoutMs });
  const doc = body as Partial<AuthorizationServerMetadata> | undefined;
  if (
    status !== 200 ||
    typeof doc?.authorization_endpoint !== 'string' ||
    typeof doc.token_endpoint !== 'string'
  ) {
    throw new KeycloakError(
      'ERR_PORTCULLIS_KEYCLOAK_UNEXPECTED_RESPONSE',
      `Discovery at ${url} answered ${status} without authorization/token endpoints. Check the issuer URL and realm.`,
    );
  }
  return doc as AuthorizationServerMetadata;
}

/** A PKCE pair (RFC 7636, S256), from oauth4webapi's verifier generator and S256 challenge. */
export async function createPkce(): Promise<{ verifier: string; challenge: string }> {
  const verifier = generateRandomCodeVerifier();
  return { verifier, challenge: await calculatePKCECodeChallenge(verifier) };
}

/** What a plain-HTTP login + consent produced. */
export interface AuthorizationResult {
  readonly code: string;
  /** The RFC 9207 `iss` parameter of the authorization response, if sent. */
  readonly iss: string | undefined;
  readonly state: string | undefined;
  /** Whether Keycloak showed its consent page (and the flow accepted it). */
  readonly consentShown: boolean;
}

/** Parameters of {@link authorizeWithPassword}. */
export interface AuthorizeWithPasswordParams {
  readonly authorizationEndpoint: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly codeChallenge: string;
  readonly username: string;
  readonly password: string;
  readonly resource?: string | undefined;
  readonly state?: string | undefined;
  readonly timeoutMs?: number | undefined;
}

/**
 * Run `/authorize` like a browser would: submit Keycloak's login form, accept its consent page, and stop at the
 * redirect to `redirectUri` (which is never contacted). Throws `ERR_PORTCULLIS_KEYCLOAK_LOGIN_FAILED` on an
 * unknown page, rejected credentials, or an error redirect.
 */
export async function authorizeWithPassword(
  params: AuthorizeWithPasswordParams,
): Promise<AuthorizationResult> {
  const session = new HttpSession(params.timeoutMs);
  const url = new URL(params.authorizationEndpoint);
  const query: Record<string, string> = {
    response_type: 'code',
    client_id: params.clientId,
    redirect_uri: params.redirectUri,
    scope: params.scope,
    code_challenge: params.codeChallenge,
    code_challenge_method: 'S256',
    state: params.state ?? generateRandomState(),
  };
  if (params.resource !== undefined) query.resource = params.resource;
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);

  let result = await session.request(url.toString());
  let loginSubmitted = false;
  let consentShown = false;
  for (let step = 0; step < 12; step += 1) {
    const location = result.headers.get('location');
    if (result.status >= 300 && result.status < 400 && location) {
      const next = new URL(location, result.url);
      if (next.toString().startsWith(params.redirectUri)) return finish(next, consentShown);
      result = await session.request(next.toString());
      continue;
    }
    const login = result.status === 200 ? findLoginForm(result.text, result.url) : undefined;
    if (login) {
      if (loginSubmitted)
        throw failed(`the login was rejected (${pageError(result.text) ?? 'no error text'})`);
      loginSubmitted = true;
      const form = { ...login.fields, username: params.username, password: params.password };
      result = await session.request(login.action, { form });
      continue;
    }
    const consent = result.status === 200 ? findConsentForm(result.text, result.url) : undefined;
    if (consent) {
      consentShown = true;
      result = await session.request(consent.action, { form: { ...consent.fields, accept: 'Yes' } });
      continue;
    }
    const detail = pageError(result.text) ?? pageTitle(result.text);
    throw failed(`unexpected page at ${new URL(result.url).pathname} (HTTP ${result.status}: ${detail})`);
  }
  throw failed('too many redirects or pages');
}

function finish(redirect: URL, consentShown: boolean): AuthorizationResult {
  const error = redirect.searchParams.get('error');
  if (error) {
    const description = redirect.searchParams.get('error_description') ?? '';
    throw failed(`the authorization response is an error: ${error} ${description}`.trim());
  }
  const code = redirect.searchParams.get('code');
  if (!code) throw failed('the redirect back to the client has neither code nor error');
  return {
    code,
    iss: redirect.searchParams.get('iss') ?? undefined,
    state: redirect.searchParams.get('state') ?? undefined,
    consentShown,
  };
}

function failed(what: string): KeycloakError {
  return new KeycloakError(
    'ERR_PORTCULLIS_KEYCLOAK_LOGIN_FAILED',
    `Login over plain HTTP failed: ${what}. Check the user's credentials and profile (email, names, no required actions) and the client's redirect URI.`,
  );
}

/** Token endpoint response members this package reads. */
export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: string;
  readonly expires_in?: number;
  readonly refresh_token?: string;
  readonly scope?: string;
  readonly [member: string]: unknown;
}

/**
 * POST to the token endpoint. Returns the status, headers and body as-is (errors are data here, for negative
 * tests; the headers let tests assert `Cache-Control: no-store` and the content type).
 */
export async function tokenRequest(
  tokenEndpoint: string,
  form: Record<string, string>,
  timeoutMs = 15_000,
): Promise<{ status: number; headers: Headers; body: Partial<TokenResponse> & { error?: string } }> {
  const { status, headers, body } = await requestJson(tokenEndpoint, { form, timeoutMs });
  return { status, headers, body: (body ?? {}) as Partial<TokenResponse> & { error?: string } };
}

/**
 * The claims of a JWT, decoded with jose's `decodeJwt` and **not verified** (for assertions on tokens this
 * process just received from the token endpoint).
 * @throws {KeycloakError} `ERR_PORTCULLIS_KEYCLOAK_UNEXPECTED_RESPONSE` when the token is not a JWT; the
 *   message never contains the token.
 */
export function decodeJwtPayload(jwt: string): Record<string, unknown> {
  try {
    return decodeJwt(jwt);
  } catch (cause) {
    throw new KeycloakError(
      'ERR_PORTCULLIS_KEYCLOAK_UNEXPECTED_RESPONSE',
      'The access token from the token endpoint is not a JWT with a JSON claims set. ' +
        'Keycloak access tokens are JWTs: check that token_endpoint in discovery points at Keycloak, not a proxy.',
      { cause },
    );
  }
}

/** `aud` as an array, whether the token carries a string or an array. */
export function audienceOf(claims: Record<string, unknown>): string[] {
  const aud = claims.aud;
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) ? aud.filter((value): value is string => typeof value === 'string') : [];
}
