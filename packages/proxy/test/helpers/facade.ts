import { randomBytes } from 'node:crypto';
import type { RunningIdp } from '@portcullis/idp';
import { CookieBrowser, freePort, pkcePair } from '@portcullis/test-support';
import type { FastifyInstance } from 'fastify';
import type { ProxyOptionsInput } from '../../src/index.js';
import { startTestIdp } from './idp.js';
import { type ProxyTestOptions, type RunningProxy, startProxy } from './proxy.js';
import { startTrustingUpstream } from './reference-upstream.js';

type FacadeBlock = Extract<ProxyOptionsInput, { mode: 'facade' }>['facade'];

/** The embedded IdP, the reference MCP server, and a facade-mode proxy in front of both. */
export interface FacadeStack {
  readonly idp: RunningIdp;
  readonly upstream: FastifyInstance;
  readonly proxy: RunningProxy;
  /** The proxy's issuer (its public URL). */
  readonly issuer: string;
  /** The options the proxy was started with (to start a second replica). */
  readonly options: ProxyTestOptions;
  close(): Promise<void>;
}

/** Start the IdP (issuing tokens for the proxy URL), the reference server trusting the proxy, and the proxy. */
export async function startFacadeStack(
  facade: (ports: { proxy: number; idp: RunningIdp }) => FacadeBlock | Promise<FacadeBlock>,
  extra: Partial<Omit<Extract<ProxyOptionsInput, { mode: 'facade' }>, 'mode' | 'facade' | 'idp'>> = {},
  tokens: { accessTokenTtl?: number; clockToleranceSec?: number } = {},
): Promise<FacadeStack> {
  const { accessTokenTtl, clockToleranceSec } = tokens;
  const [port, upstreamPort] = [await freePort(), await freePort()];
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}/mcp`;
  const idp = await startTestIdp([`http://localhost:${port}/mcp`], accessTokenTtl);
  const upstream = await startTrustingUpstream(`http://localhost:${port}`, upstreamPort);
  const options: ProxyTestOptions = {
    mode: 'facade',
    facade: await facade({ proxy: port, idp }),
    idp: {
      issuer: idp.issuer,
      jwksUri: `${idp.issuer}/jwks`,
      ...(clockToleranceSec === undefined ? {} : { clockToleranceSec }),
    },
    upstream: { url: upstreamUrl },
    scopes: { default: ['mcp:tools'], tools: { 'admin-stats': ['mcp:admin'] } },
    ...extra,
  };
  const proxy = await startProxy(port, options);
  return {
    options,
    idp,
    upstream,
    proxy,
    issuer: proxy.url,
    close: async () => {
      await proxy.close();
      await upstream.close();
      await idp.close();
    },
  };
}

/**
 * The `static` adapter: one confidential client pre-registered at the embedded IdP with the proxy's callback,
 * as an administrator would for an IdP without dynamic registration.
 */
export async function staticAdapter({
  proxy,
  idp,
}: {
  proxy: number;
  idp: RunningIdp;
}): Promise<FacadeBlock> {
  const { body } = await registerAt(`${idp.issuer}/register`, {
    redirect_uris: [`http://localhost:${proxy}/oauth/callback`],
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    application_type: 'native',
    client_name: 'Portcullis proxy (shared)',
  });
  return {
    adapter: 'static',
    upstreamClient: { clientId: String(body.client_id), clientSecret: String(body.client_secret) },
  };
}

/** Register a client at `issuer`'s registration endpoint (JSON), returning the status and body. */
export async function registerAt(
  registrationEndpoint: string,
  metadata: Record<string, unknown>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(registrationEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(metadata),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A public loopback client registered at the proxy. */
export async function registerPublicClient(proxyUrl: string, name = 'Facade test client') {
  const redirectUri = `http://127.0.0.1:${await freePort()}/callback`;
  const { status, body } = await registerAt(`${proxyUrl}/register`, {
    redirect_uris: [redirectUri],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    client_name: name,
    application_type: 'native',
  });
  if (status !== 201) throw new Error(`registration failed: ${status} ${JSON.stringify(body)}`);
  return { clientId: String(body.client_id), redirectUri };
}

/** The authorization request a client sends to the proxy, with its PKCE verifier and state. */
export async function authorizationRequest(
  proxyUrl: string,
  client: { clientId: string; redirectUri: string },
  params: Record<string, string> = {},
) {
  const { verifier, challenge } = await pkcePair();
  const state = randomBytes(12).toString('base64url');
  const url = new URL(`${proxyUrl}/authorize`);
  const all = {
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    scope: 'mcp:tools',
    resource: `${proxyUrl}/mcp`,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...params,
  };
  for (const [k, v] of Object.entries(all)) if (v !== '') url.searchParams.set(k, v);
  return { url: url.href, verifier, state };
}

/** How the simulated user answers each page. */
export interface UserScript {
  readonly username?: string;
  readonly password?: string;
  /** The proxy's consent page. Default `approve`. */
  readonly proxyConsent?: 'approve' | 'deny';
  /** The IdP's consent page. Default `approve`. */
  readonly idpConsent?: 'approve' | 'deny';
}

function formField(html: string, pattern: RegExp): string | undefined {
  return pattern.exec(html)?.[1]?.replaceAll('&#47;', '/').replaceAll('&amp;', '&');
}

/**
 * Drive the browser side from the proxy's authorization URL to the redirect to the client: the proxy's
 * consent page (when shown), the IdP's login and consent pages, the IdP's redirect to the proxy callback.
 * Returns the final redirect to `redirectUri` as a URL, and the pages seen (`proxy-consent`, `login`, …).
 */
export async function runBrowserFlow(
  browser: CookieBrowser,
  authorizeUrl: string,
  redirectUri: string,
  user: UserScript = {},
): Promise<{ redirect: URL; pages: string[] }> {
  const pages: string[] = [];
  let response = await browser.get(authorizeUrl);
  let at = authorizeUrl;
  for (let step = 0; step < 15; step++) {
    if (response.status >= 300 && response.status < 400) {
      const location = new URL(response.headers.get('location') ?? '', at);
      if (location.href.startsWith(redirectUri.split('?')[0] ?? redirectUri))
        return { redirect: location, pages };
      at = location.href;
      response = await browser.get(at);
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) throw new Error(`HTTP ${response.status} at ${at}: ${html.slice(0, 300)}`);
    const request = formField(html, /name="request" value="([^"]+)"/);
    if (request !== undefined) {
      pages.push('proxy-consent');
      const csrf = formField(html, /name="csrf" value="([^"]+)"/) ?? '';
      const action = new URL('/consent', at).href;
      response = await browser.post(action, { request, csrf, decision: user.proxyConsent ?? 'approve' });
      at = action;
      continue;
    }
    const csrf = formField(html, /name="csrf" value="([^"]+)"/);
    const form = html.includes('<form id="login"') ? 'login' : 'consent';
    const action = formField(html, new RegExp(`<form id="${form}" method="post" action="([^"]+)"`));
    if (csrf === undefined || action === undefined)
      throw new Error(`unexpected page at ${at}: ${html.slice(0, 300)}`);
    pages.push(form);
    const values: Record<string, string> =
      form === 'login'
        ? { csrf, username: user.username ?? 'joe', password: user.password ?? 'joe-pass' }
        : { csrf, decision: user.idpConsent ?? 'approve' };
    at = new URL(action, at).href;
    response = await browser.post(at, values);
  }
  throw new Error('the browser flow did not finish in 15 steps');
}

/**
 * A browser in which the user approved `client` on the proxy's consent page (and signed in at the IdP), so
 * the proxy trusts its redirect URI there: the next authorization goes straight to the IdP.
 */
export async function approvingBrowser(
  issuer: string,
  client: { clientId: string; redirectUri: string },
): Promise<CookieBrowser> {
  const browser = new CookieBrowser();
  const request = await authorizationRequest(issuer, client);
  const { pages } = await runBrowserFlow(browser, request.url, client.redirectUri);
  if (pages[0] !== 'proxy-consent') throw new Error(`no proxy consent page on the way: ${pages.join(', ')}`);
  return browser;
}

/**
 * The whole client side against the proxy at `issuer`: register a public client, authorize through the
 * browser pages as joe, redeem the code. Returns the client, the request, the redirect and the token answer.
 */
export async function loginThroughFacade(issuer: string, scope = 'mcp:tools', browser = new CookieBrowser()) {
  const client = await registerPublicClient(issuer);
  const request = await authorizationRequest(issuer, client, { scope });
  const { redirect, pages } = await runBrowserFlow(browser, request.url, client.redirectUri);
  const code = redirect.searchParams.get('code') ?? '';
  const tokens = await redeemCode(issuer, client, request, redirect, { resource: `${issuer}/mcp` });
  return { client, request, redirect, pages, code, tokens };
}

/** Redeem the code `redirect` carries at the proxy's token endpoint, as `client`, with `request`'s verifier. */
export function redeemCode(
  issuer: string,
  client: { clientId: string; redirectUri: string },
  request: { verifier: string },
  redirect: URL,
  extra: Record<string, string> = {},
) {
  return tokenRequest(issuer, {
    grant_type: 'authorization_code',
    code: redirect.searchParams.get('code') ?? '',
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    code_verifier: request.verifier,
    ...extra,
  });
}

/** POST a form to the proxy's token endpoint. */
export async function tokenRequest(
  proxyUrl: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${proxyUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}
