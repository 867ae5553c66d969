import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RunningIdp, startIdp } from '@portcullis/idp';

/** A free loopback port (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Start the embedded IdP for the given MCP resources, with the users joe and alice. */
export function startTestIdp(resources: readonly string[]): Promise<RunningIdp> {
  return startIdp(
    {
      resources: resources.map((uri) => ({
        uri,
        scopes: ['mcp:tools', 'mcp:admin'],
        name: 'Portcullis proxy',
      })),
      users: [
        { username: 'joe', password: 'joe-pass', name: 'Joe' },
        { username: 'alice', password: 'alice-pass', name: 'Alice' },
      ],
    },
    { logger: { warn: () => {}, error: () => {} } },
  );
}

/** Just enough of a browser for the IdP's login and consent pages: cookies and manual redirects. */
class Browser {
  readonly #cookies = new Map<string, string>();

  async request(url: string, form?: Record<string, string>): Promise<Response> {
    const response = await fetch(url, {
      method: form === undefined ? 'GET' : 'POST',
      redirect: 'manual',
      headers: {
        cookie: [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      body: form === undefined ? undefined : new URLSearchParams(form),
    });
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0] ?? '';
      const eq = pair.indexOf('=');
      if (pair.slice(eq + 1) === '') this.#cookies.delete(pair.slice(0, eq));
      else this.#cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return response;
  }
}

function field(html: string, pattern: RegExp): string {
  const match = pattern.exec(html);
  if (match?.[1] === undefined) throw new Error(`no ${pattern} in the IdP page`);
  return match[1].replaceAll('&#47;', '/').replaceAll('&amp;', '&');
}

/**
 * A real access token from the IdP: DCR of a public client, then authorization code + PKCE S256 through the
 * login and consent pages over plain HTTP, redeemed with `resource`.
 */
export async function obtainAccessToken(
  idp: RunningIdp,
  flow: { resource: string; scope: string; username: string; password: string },
): Promise<string> {
  const redirectUri = 'http://127.0.0.1:3000/cb';
  const registration = await fetch(`${idp.issuer}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      grant_types: ['authorization_code'],
      client_name: 'Proxy tests',
    }),
  });
  const clientId = String(((await registration.json()) as { client_id: string }).client_id);
  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL(`${idp.issuer}/authorize`);
  const params = {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: flow.scope,
    resource: flow.resource,
    state: 'proxy-tests',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  };
  for (const [k, v] of Object.entries(params)) authorize.searchParams.set(k, v);
  const browser = new Browser();
  const origin = new URL(idp.issuer).origin;
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
      const token = await fetch(`${idp.issuer}/token`, {
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
    const html = await response.text();
    const csrf = field(html, /name="csrf" value="([^"]+)"/);
    const form = html.includes('<form id="login"') ? 'login' : 'consent';
    const action = field(html, new RegExp(`<form id="${form}" method="post" action="([^"]+)"`));
    const values: Record<string, string> =
      form === 'login'
        ? { csrf, username: flow.username, password: flow.password }
        : { csrf, decision: 'approve' };
    response = await browser.request(new URL(action, origin).href, values);
  }
  throw new Error('the IdP flow did not finish');
}
