import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Page } from 'playwright-core';
import { ConformanceError } from '../../errors.js';
import { type TokenDiscovery, type TokenSource, tokenRequest } from './token-source.js';

/** The query of the authorization response the browser was redirected to, as received. */
export interface AuthorizationResponse {
  readonly params: URLSearchParams;
  readonly sentState: string;
}

/** Options of {@link browserLoginTokenSource}. */
export interface BrowserLoginOptions {
  readonly user: string;
  readonly password: string;
  readonly chromium: string;
  readonly timeoutMs: number;
  /** A pre-registered public client and its redirect URI; otherwise one is registered with DCR. */
  readonly clientId?: string | undefined;
  readonly redirectUri?: string | undefined;
  /** Called with every authorization response, for the `iss` / `state` checks. */
  readonly onAuthorizationResponse?: (response: AuthorizationResponse) => void;
}

const USER_FIELDS = ['#username', 'input[name="username"]', 'input[type="email"]', 'input[name="login"]'];
const SUBMIT = ['#kc-login', 'button[type="submit"]', 'input[type="submit"]'];
const APPROVE = [
  'button[name="decision"][value="approve"]',
  '#kc-login',
  'input[name="accept"]',
  'button:has-text("Allow")',
  'button:has-text("Approve")',
  'button:has-text("Yes")',
];

async function first(page: Page, selectors: readonly string[]) {
  for (const selector of selectors) {
    const handle = page.locator(selector).first();
    if ((await handle.count()) > 0 && (await handle.isVisible())) return handle;
  }
  return undefined;
}

async function registerClient(metadata: Record<string, unknown>, redirectUri: string): Promise<string> {
  const endpoint = metadata.registration_endpoint;
  if (typeof endpoint !== 'string') {
    throw new ConformanceError(
      'ERR_PORTCULLIS_TOKEN_SOURCE',
      'login needs a client: the AS has no registration_endpoint; pass --client-id and --redirect-uri',
    );
  }
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'portcullis-conformance (throwaway)',
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      // Keycloak answers the code redemption with 500 when a client without refresh_token gets a refresh token.
      grant_types: ['authorization_code', 'refresh_token'],
    }),
  });
  const body = (await response.json().catch(() => ({}))) as { client_id?: unknown };
  if (typeof body.client_id !== 'string') {
    throw new ConformanceError('ERR_PORTCULLIS_TOKEN_SOURCE', `registration answered ${response.status}`);
  }
  return body.client_id;
}

/** Listen on 127.0.0.1 for the redirect; `received` holds the query of the first request. */
async function callbackListener(): Promise<{
  server: Server;
  url: string;
  received: () => URLSearchParams | undefined;
}> {
  let received: URLSearchParams | undefined;
  const server = createServer((req, res) => {
    received ??= new URL(req.url ?? '/', 'http://127.0.0.1').searchParams;
    res.writeHead(200, { 'content-type': 'text/plain' }).end('portcullis-conformance: done');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  return { server, url, received: () => received };
}

/** The `BrowserLoginOptions` of a `user:password` pair and the suite options (no callback). */
export function loginOptions(
  options: {
    chromium: string;
    tokenTimeoutMs: number;
    clientId?: string | undefined;
    redirectUri?: string | undefined;
  },
  login: { user: string; secret: string },
): BrowserLoginOptions {
  return {
    user: login.user,
    password: login.secret,
    chromium: options.chromium,
    timeoutMs: options.tokenTimeoutMs,
    clientId: options.clientId,
    redirectUri: options.redirectUri,
  };
}

/** What one browser pass through the authorization endpoint produced. */
export interface BrowserAuthorization {
  /** The authorization response, or `undefined` when the browser was never sent to the redirect URI. */
  readonly params: URLSearchParams | undefined;
  /** Where the browser stopped when it was not redirected (page title and URL). */
  readonly stoppedAt: string;
  readonly sentState: string;
  readonly clientId: string;
  /** The redirect URI sent in the authorization request (and to send to the token endpoint). */
  readonly redirectUri: string;
  readonly verifier: string;
  readonly tokenEndpoint: string;
}

/**
 * One browser pass through the authorization code flow (Playwright driving Chromium): register a throwaway
 * public client (or use the given one), open the authorization URL with PKCE S256, `state` and `resource`, fill
 * in the first login form (Keycloak's and the embedded IdP's field names, or any username + password form),
 * approve a consent page and catch the redirect. `sentRedirect` may change the redirect URI sent (AS-06); a page
 * with no form ends the pass without a redirect.
 */
export async function browserAuthorize(
  options: BrowserLoginOptions,
  discover: () => Promise<TokenDiscovery>,
  resource: string,
  sentRedirect: (registered: string) => string = (registered) => registered,
): Promise<BrowserAuthorization> {
  const { metadata, scope } = await discover();
  const { authorization_endpoint: authorize, token_endpoint: tokenEndpoint } = metadata;
  if (typeof authorize !== 'string' || typeof tokenEndpoint !== 'string') {
    throw new ConformanceError('ERR_PORTCULLIS_TOKEN_SOURCE', 'the AS metadata lacks its endpoints');
  }
  const listener = options.redirectUri === undefined ? await callbackListener() : undefined;
  const registered = options.redirectUri ?? listener?.url ?? '';
  const redirectUri = sentRedirect(registered);
  const browser = await chromium.launch({ executablePath: options.chromium, headless: true });
  try {
    const clientId = options.clientId ?? (await registerClient(metadata, registered));
    const verifier = randomBytes(32).toString('base64url');
    const sentState = randomBytes(16).toString('base64url');
    const url = new URL(authorize);
    const query: Record<string, string> = {
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      state: sentState,
      resource,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    };
    if (scope !== undefined) query.scope = scope;
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const page = await browser.newPage();
    page.setDefaultTimeout(options.timeoutMs);
    let redirected: URLSearchParams | undefined;
    page.on('request', (request) => {
      const target = request.url().split('?')[0];
      if (target === redirectUri.split('?')[0]) redirected = new URL(request.url()).searchParams;
    });
    await page.goto(url.href).catch(() => undefined);
    let stoppedAt = '';
    for (let step = 0; step < 8 && redirected === undefined && stoppedAt === ''; step++) {
      await page.waitForLoadState().catch(() => undefined);
      if (redirected !== undefined) break;
      const password = page.locator('input[type="password"]').first();
      const form = (await password.count()) > 0 ? undefined : await first(page, APPROVE);
      if ((await password.count()) === 0 && form === undefined) {
        stoppedAt = `"${await page.title().catch(() => '')}" at ${page.url().split('?')[0]}`;
        break;
      }
      const action = async () => {
        if (form !== undefined) return form.click();
        await (await first(page, USER_FIELDS))?.fill(options.user);
        await password.fill(options.password);
        await (await first(page, SUBMIT))?.click();
      };
      await Promise.all([page.waitForNavigation().catch(() => undefined), action()]);
    }
    const params = redirected ?? (redirectUri === registered ? listener?.received() : undefined);
    const base = { sentState, clientId, redirectUri, verifier, tokenEndpoint };
    if (params !== undefined) options.onAuthorizationResponse?.({ params, sentState });
    return { ...base, params, stoppedAt: params === undefined ? stoppedAt || 'no redirect' : '' };
  } catch (error) {
    if (error instanceof ConformanceError) throw error;
    throw new ConformanceError(
      'ERR_PORTCULLIS_TOKEN_SOURCE',
      `browser login failed: ${(error as Error).message}`,
    );
  } finally {
    await browser.close();
    listener?.server.close();
  }
}

/** The browser login as a token source: {@link browserAuthorize}, then redeem the code. */
export function browserLoginTokenSource(
  options: BrowserLoginOptions,
  discover: () => Promise<TokenDiscovery>,
): TokenSource {
  return {
    describe: `browser login as ${options.user}`,
    get: async (resource) => {
      const flow = await browserAuthorize(options, discover, resource);
      if (flow.params === undefined) {
        throw new ConformanceError(
          'ERR_PORTCULLIS_TOKEN_SOURCE',
          `browser login failed: no login or consent form on ${flow.stoppedAt}`,
        );
      }
      const code = flow.params.get('code');
      if (code === null) {
        throw new ConformanceError(
          'ERR_PORTCULLIS_TOKEN_SOURCE',
          `browser login failed: the AS answered error=${flow.params.get('error') ?? '(none)'}`,
        );
      }
      return tokenRequest(flow.tokenEndpoint, redemption(flow, code, resource));
    },
  };
}

/** The form that redeems the code of `flow` at the token endpoint. */
export function redemption(
  flow: BrowserAuthorization,
  code: string,
  resource: string,
): Record<string, string> {
  return {
    grant_type: 'authorization_code',
    code,
    client_id: flow.clientId,
    redirect_uri: flow.redirectUri,
    code_verifier: flow.verifier,
    resource,
  };
}
