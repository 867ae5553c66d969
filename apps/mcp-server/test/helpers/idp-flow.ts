import { createHash, randomBytes } from 'node:crypto';

/** Just enough of a browser to drive the IdP's login and consent pages: cookies and manual redirects. */
class Browser {
  readonly #cookies = new Map<string, string>();

  #store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0] ?? '';
      const eq = pair.indexOf('=');
      const value = pair.slice(eq + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.#cookies.delete(pair.slice(0, eq));
      else this.#cookies.set(pair.slice(0, eq), value);
    }
  }

  async request(url: string, form?: Record<string, string>): Promise<Response> {
    const cookie = [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url, {
      method: form === undefined ? 'GET' : 'POST',
      redirect: 'manual',
      headers: {
        cookie,
        ...(form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      body: form === undefined ? undefined : new URLSearchParams(form),
    });
    this.#store(response);
    return response;
  }
}

function field(html: string, pattern: RegExp, what: string): string {
  const match = pattern.exec(html);
  if (match?.[1] === undefined) throw new Error(`no ${what} in the IdP page`);
  return match[1].replaceAll('&#47;', '/').replaceAll('&amp;', '&');
}

/** Parameters of {@link obtainAccessToken}. */
export interface TokenFlow {
  readonly issuer: string;
  readonly resource: string;
  readonly scope: string;
  readonly username: string;
  readonly password: string;
}

/**
 * Register a public client (DCR), run authorization code + PKCE S256 through the login and consent forms
 * over plain HTTP, and redeem the code with `resource`; returns the access token.
 */
export async function obtainAccessToken(flow: TokenFlow): Promise<string> {
  const redirectUri = 'http://127.0.0.1:3000/cb';
  const registration = await fetch(`${flow.issuer}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      grant_types: ['authorization_code', 'refresh_token'],
      client_name: 'Reference server e2e',
    }),
  });
  const clientId = String(((await registration.json()) as { client_id: string }).client_id);
  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL(`${flow.issuer}/authorize`);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: flow.scope,
    resource: flow.resource,
    state: 'e2e',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  })) {
    authorize.searchParams.set(k, v);
  }
  const browser = new Browser();
  const origin = new URL(flow.issuer).origin;
  let response = await browser.request(authorize.href);
  for (let step = 0; step < 12; step++) {
    if (response.status >= 300 && response.status < 400) {
      const location = new URL(response.headers.get('location') ?? '', origin);
      if (location.origin !== origin) {
        const code = location.searchParams.get('code');
        if (code === null) throw new Error(`authorization failed: ${location.search}`);
        const token = await fetch(`${flow.issuer}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            code,
            client_id: clientId,
            redirect_uri: redirectUri,
            code_verifier: verifier,
            resource: flow.resource,
          }),
        });
        return String(((await token.json()) as { access_token: string }).access_token);
      }
      response = await browser.request(location.href);
      continue;
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
        ? { csrf, username: flow.username, password: flow.password }
        : { csrf, decision: 'approve' };
    response = await browser.request(new URL(action, origin).href, values);
  }
  throw new Error('the IdP flow did not finish');
}
