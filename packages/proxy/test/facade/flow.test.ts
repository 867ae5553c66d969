import { CookieBrowser } from '@portcullis/test-support';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizationRequest,
  type FacadeStack,
  loginThroughFacade,
  registerAt,
  registerPublicClient,
  runBrowserFlow,
  startFacadeStack,
  tokenRequest,
} from '../helpers/facade.js';
import { modernCall } from '../helpers/proxy.js';

let stack: FacadeStack;

beforeAll(async () => {
  stack = await startFacadeStack(() => ({ adapter: 'rfc7591' }));
});
afterAll(() => stack.close());

const login = (scope?: string) => loginThroughFacade(stack.issuer, scope);

describe('facade mode: the proxy is the authorization server clients see (RFC 7591 adapter)', () => {
  it('[PX-01 AS-01 AS-03 AS-13 AS-15 AS-23] serves RFC 8414 metadata under its own issuer, and its PRM names it', async () => {
    const prm = (await (await fetch(`${stack.issuer}/.well-known/oauth-protected-resource/mcp`)).json()) as {
      resource: string;
      authorization_servers: string[];
    };
    expect(prm.resource).toBe(`${stack.issuer}/mcp`);
    expect(prm.authorization_servers).toEqual([stack.issuer]);
    for (const path of ['oauth-authorization-server', 'openid-configuration']) {
      const response = await fetch(`${stack.issuer}/.well-known/${path}`, {
        headers: { origin: 'http://localhost:6274' },
      });
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      const metadata = (await response.json()) as Record<string, unknown>;
      expect(metadata).toMatchObject({
        issuer: stack.issuer,
        authorization_endpoint: `${stack.issuer}/authorize`,
        token_endpoint: `${stack.issuer}/token`,
        registration_endpoint: `${stack.issuer}/register`,
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: true,
        client_id_metadata_document_supported: true,
      });
      expect(metadata.scopes_supported).toEqual(['mcp:tools', 'offline_access']);
    }
  });

  it('answers CORS preflights of registration and token for browser clients (MCP Inspector), without credentials', async () => {
    for (const path of ['/register', '/token', '/revoke', '/.well-known/oauth-authorization-server']) {
      const preflight = await fetch(`${stack.issuer}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://localhost:6274',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, mcp-protocol-version',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
      expect(preflight.headers.get('access-control-allow-headers')).toContain('content-type');
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    }
    const registration = await fetch(`${stack.issuer}/register`, {
      method: 'POST',
      headers: { origin: 'http://localhost:6274', 'content-type': 'application/json' },
      body: JSON.stringify({
        redirect_uris: ['http://localhost:6274/oauth/callback'],
        token_endpoint_auth_method: 'none',
      }),
    });
    expect(registration.status).toBe(201);
    expect(registration.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('[AS-20] registers a client with its own client_id and registers the proxy callback at the IdP', async () => {
    const { status, body } = await registerAt(`${stack.issuer}/register`, {
      redirect_uris: ['http://127.0.0.1:4000/cb'],
      token_endpoint_auth_method: 'client_secret_post',
      client_name: 'Confidential app',
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({ token_endpoint_auth_method: 'client_secret_post' });
    // The secret ends with the registration (ttl.clientDays, 90 by default), so it is not 0 ("never").
    expect(body.client_secret_expires_at).toBe(Number(body.client_id_issued_at) + 90 * 86_400);
    expect(typeof body.client_secret).toBe('string');
    // The IdP never saw this client_id: the proxy keeps its own and the IdP client's secret stays inside.
    const atIdp = await fetch(
      `${stack.idp.issuer}/authorize?client_id=${String(body.client_id)}&response_type=code`,
    );
    expect(await atIdp.text()).toMatch(/invalid_client|client is invalid/i);
  });

  it('[PX-01 AS-13 AS-14] relays the IdP answer with the proxy iss and the client state, then the token calls hello-world', async () => {
    const { request, redirect, pages, tokens } = await login();
    expect(pages).toEqual(['proxy-consent', 'login', 'consent']);
    expect(redirect.searchParams.get('iss')).toBe(stack.issuer);
    expect(redirect.searchParams.get('state')).toBe(request.state);
    expect(redirect.searchParams.getAll('code')).toHaveLength(1);
    expect(tokens.status).toBe(200);
    expect(tokens.headers.get('cache-control')).toBe('no-store');
    expect(tokens.body.id_token).toBeUndefined();
    const accessToken = String(tokens.body.access_token);
    expect(decodeJwt(accessToken).aud).toBe(`${stack.issuer}/mcp`);
    const call = await modernCall(`${stack.issuer}/mcp`, accessToken, {
      method: 'tools/call',
      params: { name: 'hello-world', arguments: { name: 'joe' } },
    });
    expect(call.status).toBe(200);
    expect(await call.text()).toContain('Hello, joe!');
  });

  it('[AS-19 PX-04] the proxy names the client and its redirect host before the IdP, once per browser, with the default rfc7591 adapter', async () => {
    const { body } = await registerAt(`${stack.issuer}/register`, {
      redirect_uris: ['https://evil.example/steal'],
      token_endpoint_auth_method: 'none',
      client_name: 'Claude Desktop',
    });
    const client = { clientId: String(body.client_id), redirectUri: 'https://evil.example/steal' };
    const browser = new CookieBrowser();
    const request = await authorizationRequest(stack.issuer, client);
    const page = await browser.get(request.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('location')).toBeNull();
    const html = await page.text();
    expect(html).toContain('Claude Desktop');
    expect(html).toContain('<strong>evil.example</strong>');
    expect(html).not.toMatch(/localhost redirect/);
    const { pages } = await runBrowserFlow(browser, request.url, client.redirectUri);
    expect(pages).toEqual(['proxy-consent', 'login', 'consent']);
    const again = await browser.get((await authorizationRequest(stack.issuer, client)).url);
    expect(again.status).toBe(302);
    expect(new URL(again.headers.get('location') ?? '').origin).toBe(new URL(stack.idp.issuer).origin);
  });

  it('[AS-14] keeps the query of the registered redirect_uri as it is, adding the response parameters (RFC 6749 §3.1.2)', async () => {
    const registered = `http://127.0.0.1:4300/cb?keep=a~b%20c&x=1+2`;
    const { body } = await registerAt(`${stack.issuer}/register`, {
      redirect_uris: [registered],
      token_endpoint_auth_method: 'none',
    });
    const client = { clientId: String(body.client_id), redirectUri: registered };
    const browser = new CookieBrowser();
    const request = await authorizationRequest(stack.issuer, client);
    const { redirect } = await runBrowserFlow(browser, request.url, registered);
    expect(redirect.href.startsWith(`${registered}&code=`)).toBe(true);
    expect(redirect.searchParams.get('state')).toBe(request.state);
    const failed = await browser.get(
      (await authorizationRequest(stack.issuer, client, { resource: 'x' })).url,
    );
    expect(failed.headers.get('location')).toMatch(
      /^http:\/\/127\.0\.0\.1:4300\/cb\?keep=a~b%20c&x=1\+2&error=invalid_target&/,
    );
  });

  it('[AS-05] a proxy code is single-use and bound to its client and redirect_uri', async () => {
    const { client, request, code } = await login();
    const redeem = (extra: Record<string, string>) =>
      tokenRequest(stack.issuer, {
        grant_type: 'authorization_code',
        code,
        client_id: client.clientId,
        redirect_uri: client.redirectUri,
        code_verifier: request.verifier,
        ...extra,
      });
    // The first (successful) redemption happened in login(); a replay is refused.
    const replay = await redeem({});
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
  });

  it('[AS-04 AS-05] a wrong PKCE verifier is refused by the proxy itself, before the code reaches the IdP', async () => {
    const client = await registerPublicClient(stack.issuer);
    const request = await authorizationRequest(stack.issuer, client);
    const { redirect } = await runBrowserFlow(new CookieBrowser(), request.url, client.redirectUri);
    const bad = await tokenRequest(stack.issuer, {
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code') ?? '',
      client_id: client.clientId,
      redirect_uri: client.redirectUri,
      code_verifier: 'x'.repeat(43),
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringContaining('code_verifier does not match the code_challenge'),
    });
  });

  it('[AS-05] redirect_uri at /token: required exactly when the authorization request sent it (RFC 6749 §4.1.3)', async () => {
    const client = await registerPublicClient(stack.issuer);
    const run = async (params: Record<string, string>) => {
      const request = await authorizationRequest(stack.issuer, client, params);
      const { redirect } = await runBrowserFlow(new CookieBrowser(), request.url, client.redirectUri);
      return { request, code: redirect.searchParams.get('code') ?? '' };
    };
    const redeem = (flow: { request: { verifier: string }; code: string }, extra: Record<string, string>) =>
      tokenRequest(stack.issuer, {
        grant_type: 'authorization_code',
        code: flow.code,
        client_id: client.clientId,
        code_verifier: flow.request.verifier,
        ...extra,
      });
    // Left out at /authorize (the client has one registered URI): may be left out at /token.
    const omitted = await redeem(await run({ redirect_uri: '' }), {});
    expect(omitted.status).toBe(200);
    // Left out at /authorize, sent at /token: must still be the registered one.
    const sentLater = await redeem(await run({ redirect_uri: '' }), { redirect_uri: client.redirectUri });
    expect(sentLater.status).toBe(200);
    // Sent at /authorize: required at /token.
    const missing = await redeem(await run({}), {});
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({
      error: 'invalid_grant',
      error_description: 'redirect_uri is required: the authorization request included one',
    });
  });

  it('[AS-12] accepts the resource parameter with an uppercase scheme and host (canonical server URI)', async () => {
    const client = await registerPublicClient(stack.issuer);
    const shouted = `${stack.issuer}/mcp`.replace('http://localhost', 'HTTP://LOCALHOST');
    const request = await authorizationRequest(stack.issuer, client, { resource: shouted });
    const { redirect } = await runBrowserFlow(new CookieBrowser(), request.url, client.redirectUri);
    expect(redirect.searchParams.get('error')).toBeNull();
    const tokens = await tokenRequest(stack.issuer, {
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code') ?? '',
      client_id: client.clientId,
      redirect_uri: client.redirectUri,
      code_verifier: request.verifier,
      resource: shouted,
    });
    expect(tokens.status).toBe(200);
    const other = await tokenRequest(stack.issuer, {
      grant_type: 'refresh_token',
      refresh_token: String(tokens.body.refresh_token),
      client_id: client.clientId,
      resource: `${shouted}/other`,
    });
    expect(other.body.error).toBe('invalid_target');
  });

  it('[AS-12] refreshes through the proxy; another client cannot use the refresh token', async () => {
    const { client, tokens } = await login('mcp:tools offline_access');
    const refreshToken = String(tokens.body.refresh_token);
    const other = await registerPublicClient(stack.issuer, 'Other');
    const stolen = await tokenRequest(stack.issuer, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: other.clientId,
    });
    expect(stolen.status).toBe(400);
    expect(stolen.body.error).toBe('invalid_grant');
    const refreshed = await tokenRequest(stack.issuer, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: client.clientId,
    });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(String(refreshed.body.access_token)).aud).toBe(`${stack.issuer}/mcp`);
  });
});
