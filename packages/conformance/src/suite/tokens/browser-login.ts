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

/** Listen on 127.0.0.1 for the redirect; resolves with the query of the first request. */
async function callbackListener(): Promise<{
  server: Server;
  url: string;
  received: Promise<URLSearchParams>;
}> {
  let deliver: (params: URLSearchParams) => void = () => {};
  const received = new Promise<URLSearchParams>((resolve) => {
    deliver = resolve;
  });
  const server = createServer((req, res) => {
    deliver(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('portcullis-conformance: done');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`, received };
}

/**
 * A scripted browser login (Playwright driving Chromium): register a throwaway public client (or use the given
 * one), open the authorization URL with PKCE S256, `state` and `resource`, fill in the first login form (Keycloak's
 * and the embedded IdP's field names, or any username + password form), approve a consent page, catch the redirect
 * and redeem the code.
 */
export function browserLoginTokenSource(
  options: BrowserLoginOptions,
  discover: () => Promise<TokenDiscovery>,
): TokenSource {
  return {
    describe: `browser login as ${options.user}`,
    get: async (resource) => {
      const { metadata, scope } = await discover();
      const { authorization_endpoint: authorize, token_endpoint: token } = metadata;
      if (typeof authorize !== 'string' || typeof token !== 'string') {
        throw new ConformanceError('ERR_PORTCULLIS_TOKEN_SOURCE', 'the AS metadata lacks its endpoints');
      }
      const listener = options.redirectUri === undefined ? await callbackListener() : undefined;
      const redirectUri = options.redirectUri ?? listener?.url ?? '';
      const browser = await chromium.launch({ executablePath: options.chromium, headless: true });
      try {
        const clientId = options.clientId ?? (await registerClient(metadata, redirectUri));
        const verifier = randomBytes(32).toString('base64url');
        const state = randomBytes(16).toString('base64url');
        const url = new URL(authorize);
        const query: Record<string, string> = {
          response_type: 'code',
          client_id: clientId,
          redirect_uri: redirectUri,
          state,
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
          if (request.url().startsWith(redirectUri)) redirected = new URL(request.url()).searchParams;
        });
        await page.goto(url.href).catch(() => undefined);
        for (let step = 0; step < 8 && redirected === undefined; step++) {
          await page.waitForLoadState().catch(() => undefined);
          if (redirected !== undefined) break;
          const password = page.locator('input[type="password"]').first();
          const action =
            (await password.count()) > 0
              ? async () => {
                  const user = await first(page, USER_FIELDS);
                  await user?.fill(options.user);
                  await password.fill(options.password);
                  await (await first(page, SUBMIT))?.click();
                }
              : async () => {
                  const approve = await first(page, APPROVE);
                  if (approve === undefined)
                    throw new Error(`no login or consent form on "${await page.title()}"`);
                  await approve.click();
                };
          await Promise.all([page.waitForNavigation().catch(() => undefined), action()]);
        }
        const params = redirected ?? (await listener?.received);
        if (params === undefined) throw new Error('the browser was never sent back to the redirect URI');
        options.onAuthorizationResponse?.({ params, sentState: state });
        const code = params.get('code');
        if (code === null) throw new Error(`the AS answered error=${params.get('error') ?? '(none)'}`);
        return await tokenRequest(token, {
          grant_type: 'authorization_code',
          code,
          client_id: clientId,
          redirect_uri: redirectUri,
          code_verifier: verifier,
          resource,
        });
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
    },
  };
}
