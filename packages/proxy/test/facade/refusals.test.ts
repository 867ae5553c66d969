import { CookieBrowser } from '@portcullis/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  approvingBrowser,
  authorizationRequest,
  type FacadeStack,
  registerAt,
  registerPublicClient,
  runBrowserFlow,
  startFacadeStack,
  tokenRequest,
} from '../helpers/facade.js';

let stack: FacadeStack;

beforeAll(async () => {
  stack = await startFacadeStack(() => ({ adapter: 'rfc7591' }));
});
afterAll(() => stack.close());

/** Authorization requests with one bad parameter, and the error each gets (RFC 6749 §4.1.2.1). */
const BAD_REQUESTS: [Record<string, string>, string][] = [
  [{ code_challenge: '' }, 'invalid_request'],
  [{ code_challenge_method: 'plain' }, 'invalid_request'],
  [{ resource: 'https://other.example/mcp' }, 'invalid_target'],
  [{ response_type: 'token' }, 'unsupported_response_type'],
  [{ response_type: '' }, 'invalid_request'],
];

/** The IdP's redirect to the proxy callback, and the browser it came back to (holding the relay cookie). */
async function callbackUrl(): Promise<{ redirect: URL; browser: CookieBrowser }> {
  const client = await registerPublicClient(stack.issuer);
  const request = await authorizationRequest(stack.issuer, client);
  const browser = new CookieBrowser();
  const { redirect } = await runBrowserFlow(browser, request.url, `${stack.issuer}/oauth/callback`);
  return { redirect, browser };
}

describe('facade mode refuses bad authorization, callback, token and registration requests', () => {
  it('[PX-06 AS-06 AS-22] an unregistered or changed redirect_uri gets a 400 page, never a redirect', async () => {
    const client = await registerPublicClient(stack.issuer);
    for (const redirectUri of [
      'https://evil.example/cb',
      `${client.redirectUri}/extra`,
      client.redirectUri.replace('127.0.0.1', 'localhost'),
    ]) {
      const request = await authorizationRequest(stack.issuer, { ...client, redirectUri });
      const response = await fetch(request.url, { redirect: 'manual' });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(await response.text()).toContain('redirect_uri');
    }
  });

  it('[AS-06] a loopback IP redirect URI may differ in port only (RFC 8252 §7.3)', async () => {
    const client = await registerPublicClient(stack.issuer);
    const otherPort = new URL(client.redirectUri);
    otherPort.port = String(Number(otherPort.port) + 1);
    const request = await authorizationRequest(stack.issuer, { ...client, redirectUri: otherPort.href });
    const fresh = await fetch(request.url, { redirect: 'manual' });
    expect(fresh.status).toBe(200);
    expect(await fresh.text()).toContain(otherPort.href);
    const approved = await (await approvingBrowser(stack.issuer, client)).get(request.url);
    expect(approved.status).toBe(302);
    expect(approved.headers.get('location')).toContain(new URL(stack.idp.issuer).host);
  });

  it('[PX-06 AS-06] apart from a loopback port, redirect_uri is compared as a string: no dot segments, no other spelling of 127.0.0.1', async () => {
    const client = await registerPublicClient(stack.issuer);
    const { port } = new URL(client.redirectUri);
    const other = Number(port) + 1;
    for (const redirectUri of [
      `http://127.0.0.1:${port}/callback/../callback`,
      `http://127.0.0.1:${port}/./callback`,
      `http://127.0.0.1:${other}/x/../callback`,
      `http://2130706433:${port}/callback`,
      `http://127.1:${other}/callback`,
    ]) {
      const request = await authorizationRequest(stack.issuer, { ...client, redirectUri });
      const response = await fetch(request.url, { redirect: 'manual' });
      expect(response.status, redirectUri).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(await response.text()).toContain('redirect_uri');
    }
  });

  it('[AS-22] an unknown client_id gets a 400 page', async () => {
    const request = await authorizationRequest(stack.issuer, {
      clientId: 'nope',
      redirectUri: 'http://127.0.0.1:1/cb',
    });
    const response = await fetch(request.url, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });

  it('[AS-04 AS-13] for a client approved in this browser, missing PKCE, plain PKCE or a foreign resource are redirected as errors with state and iss', async () => {
    const client = await registerPublicClient(stack.issuer);
    const browser = await approvingBrowser(stack.issuer, client);
    for (const [params, error] of BAD_REQUESTS) {
      const request = await authorizationRequest(stack.issuer, client, params);
      const response = await browser.get(request.url);
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get('location') ?? '');
      expect(location.href.startsWith(client.redirectUri)).toBe(true);
      expect(location.searchParams.get('error')).toBe(error);
      expect(location.searchParams.get('state')).toBe(request.state);
      expect(location.searchParams.get('iss')).toBe(stack.issuer);
    }
  });

  it('[AS-13] a missing response_type is invalid_request, an unknown one unsupported_response_type (RFC 6749 §4.1.2.1)', async () => {
    const client = await registerPublicClient(stack.issuer);
    const browser = await approvingBrowser(stack.issuer, client);
    const error = async (params: Record<string, string>) => {
      const response = await browser.get((await authorizationRequest(stack.issuer, client, params)).url);
      return new URL(response.headers.get('location') ?? '').searchParams.get('error');
    };
    expect(await error({ response_type: '' })).toBe('invalid_request');
    expect(await error({ response_type: 'token' })).toBe('unsupported_response_type');
  });

  it('[AS-22] before this browser approved the client, errors are shown as a 400 page, never redirected to its (self-registered) redirect URI', async () => {
    const { status, body } = await registerAt(`${stack.issuer}/register`, {
      redirect_uris: ['https://evil.example/cb'],
      token_endpoint_auth_method: 'none',
      client_name: 'Claude Desktop',
    });
    expect(status).toBe(201);
    const client = { clientId: String(body.client_id), redirectUri: 'https://evil.example/cb' };
    // Another client's approval in the same browser does not make this one trusted.
    const browser = await approvingBrowser(stack.issuer, await registerPublicClient(stack.issuer));
    for (const [params, error] of BAD_REQUESTS) {
      const request = await authorizationRequest(stack.issuer, client, params);
      for (const response of [
        await fetch(request.url, { redirect: 'manual' }),
        await browser.get(request.url),
      ]) {
        expect(response.status).toBe(400);
        expect(response.headers.get('location')).toBeNull();
        expect(await response.text()).toContain(error);
      }
    }
  });

  it('[PX-07] the callback refuses a missing, unknown or replayed state with 400', async () => {
    const { redirect, browser } = await callbackUrl();
    const code = redirect.searchParams.get('code') ?? '';
    const missing = await browser.get(`${stack.issuer}/oauth/callback?code=${code}`);
    expect(missing.status).toBe(400);
    const wrong = await browser.get(`${stack.issuer}/oauth/callback?code=${code}&state=forged`);
    expect(wrong.status).toBe(400);
    const first = await browser.get(redirect.href);
    expect(first.status).toBe(302);
    const replay = await browser.get(redirect.href);
    expect(replay.status).toBe(400);
    expect(replay.headers.get('location')).toBeNull();
  });

  it('[PX-07] the callback refuses an answer that comes back to another browser than the one that started it', async () => {
    // An attacker's approved sign-in link, opened by someone else: their IdP session answers, but the code
    // must not travel on to the attacker's redirect URI.
    const { redirect, browser } = await callbackUrl();
    const elsewhere = await new CookieBrowser().get(redirect.href);
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.headers.get('location')).toBeNull();
    expect(await elsewhere.text()).toContain('did not come back to the browser that started it');
    // The relay is used up: the right browser cannot use it afterwards either.
    const late = await browser.get(redirect.href);
    expect(late.status).toBe(400);
    expect(late.headers.get('location')).toBeNull();
    // A cookie of the right name with another value does not pass either.
    const { redirect: next, browser: owner } = await callbackUrl();
    const forged = owner
      .cookieHeader(next.href)
      .split('; ')
      .map((pair) => (pair.startsWith('__Host-portcullis-relay-') ? `${pair.split('=')[0]}=forged` : pair))
      .join('; ');
    const response = await fetch(next.href, { redirect: 'manual', headers: { cookie: forged } });
    expect(response.status).toBe(400);
  });

  it('[AS-13] an IdP answer with another iss is not relayed as a code (RFC 9207 mix-up defence)', async () => {
    const { redirect, browser } = await callbackUrl();
    redirect.searchParams.set('iss', 'https://attacker.example');
    const response = await browser.get(redirect.href);
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.searchParams.get('code')).toBeNull();
    expect(location.searchParams.get('error')).toBe('server_error');
    expect(location.searchParams.get('iss')).toBe(stack.issuer);
  });

  it('[PX-13 AS-09] the token endpoint authenticates clients, refuses a foreign resource and never echoes secrets', async () => {
    const { body } = await registerAt(`${stack.issuer}/register`, {
      redirect_uris: ['http://127.0.0.1:4100/cb'],
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
    });
    const basic = (secret: string) =>
      `Basic ${Buffer.from(`${String(body.client_id)}:${secret}`).toString('base64')}`;
    const wrong = await tokenRequest(
      stack.issuer,
      { grant_type: 'refresh_token', refresh_token: 'r' },
      { authorization: basic('not-the-secret') },
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(JSON.stringify(wrong.body)).not.toContain('not-the-secret');
    const asPublic = await tokenRequest(stack.issuer, {
      grant_type: 'refresh_token',
      refresh_token: 'r',
      client_id: String(body.client_id),
    });
    expect(asPublic.status).toBe(401);
    const right = await tokenRequest(
      stack.issuer,
      { grant_type: 'refresh_token', refresh_token: 'r' },
      { authorization: basic(String(body.client_secret)) },
    );
    expect(right.status).toBe(400);
    expect(right.body.error).toBe('invalid_grant');
    const foreign = await tokenRequest(
      stack.issuer,
      { grant_type: 'refresh_token', refresh_token: 'r', resource: 'https://other.example/mcp' },
      { authorization: basic(String(body.client_secret)) },
    );
    expect(foreign.status).toBe(400);
    expect(foreign.body.error).toBe('invalid_target');
    const grant = await tokenRequest(stack.issuer, { grant_type: 'password', client_id: 'x' });
    expect(grant.status).toBe(401);
  });

  it('[AS-07 AS-20] registration refuses non-loopback http redirect URIs and unsupported auth methods', async () => {
    const http = await registerAt(`${stack.issuer}/register`, { redirect_uris: ['http://app.example/cb'] });
    expect(http.status).toBe(400);
    expect(http.body.error).toBe('invalid_redirect_uri');
    const none = await registerAt(`${stack.issuer}/register`, { client_name: 'x' });
    expect(none.status).toBe(400);
    const jwt = await registerAt(`${stack.issuer}/register`, {
      redirect_uris: ['http://127.0.0.1:4000/cb'],
      token_endpoint_auth_method: 'private_key_jwt',
    });
    expect(jwt.status).toBe(400);
    expect(jwt.body.error).toBe('invalid_client_metadata');
  });
});
