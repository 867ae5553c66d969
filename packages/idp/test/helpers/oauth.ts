import { createHash, randomBytes } from 'node:crypto';
import { CookieBrowser as Browser } from '@portcullis/test-support';
import { ALICE, RS } from './idp.js';

/** A browser for the IdP's pages: the shared cookie jar with manual redirects and form POSTs. */
export { Browser };

/** A PKCE S256 pair. */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The `csrf` hidden field of an HTML page. */
export function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no csrf field in page');
  return match[1];
}

/** The `action` of a form. */
export function actionOf(html: string, formId: string): string {
  const match = new RegExp(`<form id="${formId}" method="post" action="([^"]+)"`).exec(html);
  if (!match?.[1]) throw new Error(`no form#${formId} in page`);
  return match[1].replaceAll('&#47;', '/');
}

/** POST a JSON DCR request; returns the status and body. */
export async function register(issuer: string, metadata: Record<string, unknown>) {
  const res = await fetch(`${issuer}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(metadata),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Register a public native client with one loopback redirect; returns its client_id. */
export async function registerPublicClient(issuer: string, extra: Record<string, unknown> = {}) {
  const { status, body } = await register(issuer, {
    redirect_uris: ['http://127.0.0.1:3000/cb'],
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    grant_types: ['authorization_code', 'refresh_token'],
    client_name: 'Test Client',
    ...extra,
  });
  if (status !== 201) throw new Error(`registration failed: ${JSON.stringify(body)}`);
  return String(body.client_id);
}

/** Parameters of an authorization request. */
export interface AuthorizeParams {
  clientId: string;
  redirectUri?: string;
  scope?: string;
  resource?: string | string[];
  state?: string;
  challenge?: string;
  method?: string;
  extra?: Record<string, string>;
}

/** Build an /authorize URL (PKCE S256 unless overridden). */
export function authorizeUrl(issuer: string, p: AuthorizeParams): string {
  const url = new URL(`${issuer}/authorize`);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', p.clientId);
  url.searchParams.set('redirect_uri', p.redirectUri ?? 'http://127.0.0.1:3000/cb');
  if (p.scope !== undefined) url.searchParams.set('scope', p.scope);
  for (const r of [p.resource ?? RS].flat()) url.searchParams.append('resource', r);
  url.searchParams.set('state', p.state ?? 'xyz');
  if (p.challenge !== '') url.searchParams.set('code_challenge', p.challenge ?? pkce().challenge);
  if (p.method !== '') url.searchParams.set('code_challenge_method', p.method ?? 'S256');
  for (const [k, v] of Object.entries(p.extra ?? {})) url.searchParams.set(k, v);
  return url.href;
}

/** Result of a completed browser flow: the final redirect to the client. */
export interface FlowResult {
  location: URL;
  browser: Browser;
  verifier: string;
}

/**
 * Drive the whole browser part: /authorize → login form → consent form → redirect to the client.
 * `decision` picks the consent button.
 */
export async function runBrowserFlow(
  origin: string,
  issuer: string,
  p: Omit<AuthorizeParams, 'challenge'>,
  decision: 'approve' | 'deny' = 'approve',
  browser = new Browser(),
): Promise<FlowResult> {
  const { verifier, challenge } = pkce();
  let res = await browser.follow(await browser.get(authorizeUrl(issuer, { ...p, challenge })), origin);
  for (let step = 0; step < 4 && res.status === 200; step++) {
    const html = await res.text();
    const csrf = csrfOf(html);
    if (html.includes('<form id="login"')) {
      res = await browser.post(new URL(actionOf(html, 'login'), origin).href, { csrf, ...ALICE });
    } else {
      res = await browser.post(new URL(actionOf(html, 'consent'), origin).href, { csrf, decision });
    }
    res = await browser.follow(res, origin);
  }
  const location = res.headers.get('location');
  if (!location) throw new Error(`flow ended without a redirect (status ${res.status}): ${await res.text()}`);
  return { location: new URL(location), browser, verifier };
}

/** POST to the token endpoint with form parameters. */
export async function tokenRequest(issuer: string, params: Record<string, string | string[]>) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) body.append(k, one);
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { res, body: (await res.json()) as Record<string, unknown> };
}

/** Register, run the browser flow and exchange the code: the token response body and the client. */
export async function obtainTokens(
  origin: string,
  issuer: string,
  p: Partial<Omit<AuthorizeParams, 'challenge'>> = {},
) {
  const clientId = p.clientId ?? (await registerPublicClient(issuer));
  const flow = await runBrowserFlow(origin, issuer, { scope: 'mcp:tools', ...p, clientId });
  const code = flow.location.searchParams.get('code') ?? '';
  const token = await tokenRequest(issuer, {
    grant_type: 'authorization_code',
    code,
    client_id: clientId,
    redirect_uri: p.redirectUri ?? 'http://127.0.0.1:3000/cb',
    code_verifier: flow.verifier,
    resource: p.resource ?? RS,
  });
  return { clientId, code, flow, token };
}
