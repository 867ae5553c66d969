import { randomBytes } from 'node:crypto';
import { CookieBrowser } from './cookie-browser.js';
import { pkcePair } from './pkce.js';

/** What {@link embeddedIdpToken} asks the IdP for, and as whom. */
export interface EmbeddedIdpTokenRequest {
  /** The MCP resource (RFC 8707 `resource`) sent to /authorize and /token. */
  readonly resource: string;
  /** Space-separated scopes. */
  readonly scope: string;
  /** A seeded user of the IdP. */
  readonly username: string;
  readonly password: string;
  /** The registered redirect URI; nothing needs to listen there. Default `http://127.0.0.1:3000/cb`. */
  readonly redirectUri?: string;
  /** The `client_name` of the registered client. Default `Portcullis tests`. */
  readonly clientName?: string;
}

/** The tokens {@link embeddedIdpToken} obtained, and the client it registered. */
export interface EmbeddedIdpTokens {
  readonly accessToken: string;
  /** Present when the IdP issued one (e.g. for `offline_access`, or when it issues them to every client). */
  readonly refreshToken?: string;
  readonly clientId: string;
}

/** The first capture group of `pattern` in an IdP page, with the HTML escapes the IdP uses undone. */
function field(html: string, pattern: RegExp, what: string): string {
  const match = pattern.exec(html);
  if (match?.[1] === undefined) throw new Error(`no ${what} in the IdP page`);
  return match[1].replaceAll('&#47;', '/').replaceAll('&amp;', '&');
}

async function registerPublicClient(
  issuer: string,
  redirectUri: string,
  clientName: string,
): Promise<string> {
  const registration = await fetch(`${issuer}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      grant_types: ['authorization_code', 'refresh_token'],
      client_name: clientName,
    }),
  });
  const body = (await registration.json()) as { client_id?: unknown };
  if (registration.status !== 201 || typeof body.client_id !== 'string') {
    throw new Error(`registration failed (${registration.status}): ${JSON.stringify(body)}`);
  }
  return body.client_id;
}

/**
 * A real token from the embedded IdP (`@portcullis/idp`) at `issuer`, the way an MCP client gets one:
 * register a public client (DCR), send the browser to /authorize with PKCE S256, a random `state` and
 * `resource`, fill in the login form and approve the consent form over plain HTTP (cookies and redirects
 * by hand, the CSRF field and form actions read from the pages), then redeem the code with `resource`.
 *
 * @throws when registration fails, the IdP redirects back without a code or with another state, the pages
 *   lack the expected forms, the flow does not finish in 12 steps, or the token request is refused
 */
export async function embeddedIdpToken(
  issuer: string,
  request: EmbeddedIdpTokenRequest,
): Promise<EmbeddedIdpTokens> {
  const redirectUri = request.redirectUri ?? 'http://127.0.0.1:3000/cb';
  const clientId = await registerPublicClient(issuer, redirectUri, request.clientName ?? 'Portcullis tests');
  const { verifier, challenge } = await pkcePair();
  const state = randomBytes(16).toString('base64url');
  const authorize = new URL(`${issuer}/authorize`);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: request.scope,
    resource: request.resource,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  })) {
    authorize.searchParams.set(k, v);
  }
  const browser = new CookieBrowser();
  const origin = new URL(issuer).origin;
  let response = await browser.request(authorize.href);
  for (let step = 0; step < 12; step++) {
    if (response.status >= 300 && response.status < 400) {
      const location = new URL(response.headers.get('location') ?? '', origin);
      if (location.origin === origin) {
        response = await browser.request(location.href);
        continue;
      }
      const code = location.searchParams.get('code');
      if (code === null) throw new Error(`authorization failed: ${location.search}`);
      if (location.searchParams.get('state') !== state) throw new Error('the IdP returned another state');
      return redeem(issuer, { code, clientId, redirectUri, verifier, resource: request.resource });
    }
    const html = await response.text();
    const csrf = field(html, /name="csrf" value="([^"]+)"/, 'csrf field');
    const form = html.includes('<form id="login"') ? 'login' : 'consent';
    const action = field(
      html,
      new RegExp(`<form id="${form}" method="post" action="([^"]+)"`),
      `${form} form`,
    );
    const values: Record<string, string> =
      form === 'login'
        ? { csrf, username: request.username, password: request.password }
        : { csrf, decision: 'approve' };
    response = await browser.request(new URL(action, origin).href, values);
  }
  throw new Error('the IdP flow did not finish');
}

async function redeem(
  issuer: string,
  grant: { code: string; clientId: string; redirectUri: string; verifier: string; resource: string },
): Promise<EmbeddedIdpTokens> {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: grant.code,
      client_id: grant.clientId,
      redirect_uri: grant.redirectUri,
      code_verifier: grant.verifier,
      resource: grant.resource,
    }),
  });
  const body = (await response.json()) as { access_token?: unknown; refresh_token?: unknown };
  if (!response.ok || typeof body.access_token !== 'string') {
    throw new Error(`token request failed (${response.status}): ${JSON.stringify(body)}`);
  }
  return {
    accessToken: body.access_token,
    ...(typeof body.refresh_token === 'string' ? { refreshToken: body.refresh_token } : {}),
    clientId: grant.clientId,
  };
}
