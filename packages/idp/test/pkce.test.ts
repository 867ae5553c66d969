import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningIdp } from '../src/index.js';
import { RS, startTestIdp } from './helpers/idp.js';
import {
  authorizeUrl,
  Browser,
  type FlowResult,
  pkce,
  registerPublicClient,
  runBrowserFlow,
  tokenRequest,
} from './helpers/oauth.js';

let idp: RunningIdp;
let clientId: string;
beforeAll(async () => {
  idp = await startTestIdp();
  clientId = await registerPublicClient(idp.issuer);
});
afterAll(() => idp.close());

/** Run the browser flow for the registered client (scope mcp:tools). */
function codeFlow(): Promise<FlowResult> {
  return runBrowserFlow(idp.url, idp.issuer, { clientId, scope: 'mcp:tools' });
}

/**
 * Redeem `flow`'s code as the registered client, with its verifier and redirect URI, for RS.
 * `changes` replaces fields; `undefined` leaves one out.
 */
function redeem(flow: FlowResult, changes: Record<string, string | undefined> = {}) {
  const params: Record<string, string | undefined> = {
    grant_type: 'authorization_code',
    code: flow.location.searchParams.get('code') ?? '',
    client_id: clientId,
    redirect_uri: 'http://127.0.0.1:3000/cb',
    code_verifier: flow.verifier,
    resource: RS,
    ...changes,
  };
  return tokenRequest(
    idp.issuer,
    Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)),
  );
}

/** The redirect an /authorize request answers with, parsed. */
async function authorizeRedirect(url: string): Promise<URL> {
  const res = await new Browser().get(url);
  expect(res.status).toBe(303);
  return new URL(res.headers.get('location') ?? '');
}

describe('OAuth 2.1 §4.1.1 / RFC 7636: PKCE is required and only S256 is accepted', () => {
  it('[AS-04 AS-13] refuses an authorization request without code_challenge (error redirect with iss)', async () => {
    const location = await authorizeRedirect(
      authorizeUrl(idp.issuer, { clientId, challenge: '', method: '' }),
    );
    expect(location.origin).toBe('http://127.0.0.1:3000');
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe('xyz');
    expect(location.searchParams.getAll('iss')).toEqual([idp.issuer]);
  });

  it('[AS-04] refuses code_challenge_method=plain', async () => {
    const { verifier } = pkce();
    const location = await authorizeRedirect(
      authorizeUrl(idp.issuer, { clientId, challenge: verifier, method: 'plain' }),
    );
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/code_challenge_method/);
    expect(location.searchParams.get('iss')).toBe(idp.issuer);
  });

  it('[AS-04] rejects a token request with the wrong code_verifier (invalid_grant)', async () => {
    const flow = await codeFlow();
    const { res, body } = await redeem(flow, { code_verifier: pkce().verifier });
    expect(res.status).toBe(400);
    expect(body.error).toBe('invalid_grant');
  });

  it('[AS-04] rejects a token request without code_verifier with 400 invalid_grant', async () => {
    const flow = await codeFlow();
    const { res, body } = await redeem(flow, { code_verifier: undefined });
    expect(res.status).toBe(400);
    expect(body.error).toBe('invalid_grant');
  });
});

describe('OAuth 2.1 §4.1.2–4.1.3: authorization codes are single-use and bound to the client', () => {
  it('[AS-05] a second redemption of the same code is invalid_grant and revokes the first tokens', async () => {
    const flow = await codeFlow();
    const first = await redeem(flow);
    expect(first.res.status).toBe(200);
    const second = await redeem(flow);
    expect(second.res.status).toBe(400);
    expect(second.body.error).toBe('invalid_grant');
    const refresh = await tokenRequest(idp.issuer, {
      grant_type: 'refresh_token',
      refresh_token: String(first.body.refresh_token),
      client_id: clientId,
    });
    expect(refresh.body.error).toBe('invalid_grant');
  });

  it('[AS-05] a code redeemed by another client_id is invalid_grant', async () => {
    const other = await registerPublicClient(idp.issuer);
    const flow = await codeFlow();
    const { res, body } = await redeem(flow, { client_id: other, resource: undefined });
    expect(res.status).toBe(400);
    expect(body.error).toBe('invalid_grant');
  });

  it('[AS-05] a code redeemed with another redirect_uri is invalid_grant', async () => {
    const flow = await codeFlow();
    const { res, body } = await redeem(flow, {
      redirect_uri: 'http://127.0.0.1:3000/other',
      resource: undefined,
    });
    expect(res.status).toBe(400);
    expect(body.error).toBe('invalid_grant');
  });

  it('[AS-05] a code redeemed after its lifetime is 400 invalid_grant (one redeemed just before works)', async () => {
    const ttlMs = idp.idp.options.ttl.authorizationCode * 1000;
    const early = await codeFlow();
    const late = await codeFlow();
    // Only the clock is faked (timers and I/O stay real): oidc-provider and the store read Date.now().
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    try {
      vi.advanceTimersByTime(ttlMs - 5_000);
      expect((await redeem(early)).res.status).toBe(200);
      vi.advanceTimersByTime(6_000);
      const { res, body } = await redeem(late);
      expect(res.status).toBe(400);
      expect(body.error).toBe('invalid_grant');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('OAuth 2.1 §3.2.3 token response', () => {
  it('[AS-10] 200 JSON with Cache-Control: no-store, access_token, token_type Bearer and expires_in', async () => {
    const flow = await codeFlow();
    const { res, body } = await redeem(flow);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(body).toMatchObject({
      token_type: 'Bearer',
      access_token: expect.any(String),
      expires_in: expect.any(Number),
    });
  });
});
