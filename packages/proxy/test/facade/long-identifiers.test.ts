import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizationRequest,
  type FacadeStack,
  registerPublicClient,
  startFacadeStack,
  tokenRequest,
} from '../helpers/facade.js';

// The store keeps keys of at most 1024 characters; identifiers from requests longer than that are unknown.
const long = 'x'.repeat(2_000);
const redirectUri = 'http://127.0.0.1:4557/callback';

let stack: FacadeStack;

beforeAll(async () => {
  stack = await startFacadeStack(() => ({ adapter: 'rfc7591', cimd: { allowHttpLoopback: true } }));
});
afterAll(() => stack?.close());

async function post(path: string, form: Record<string, string>): Promise<Response> {
  return fetch(`${stack.issuer}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
}

describe('identifiers too long for the store are unknown values, not IdP failures', () => {
  it('[AS-22] /authorize: a long client_id is an unknown client (400 page), a long document URL is refused naming the limit', async () => {
    const unknown = await fetch(
      (await authorizationRequest(stack.issuer, { clientId: long, redirectUri })).url,
      { redirect: 'manual' },
    );
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('location')).toBeNull();
    expect(await unknown.text()).toContain('is not registered here');
    const document = `http://127.0.0.1:1/${'d'.repeat(1_100)}.json`;
    const tooLong = await fetch(
      (await authorizationRequest(stack.issuer, { clientId: document, redirectUri })).url,
      { redirect: 'manual' },
    );
    expect(tooLong.status).toBe(400);
    expect(tooLong.headers.get('location')).toBeNull();
    expect(await tooLong.text()).toContain('at most 1024 characters');
  });

  it('/token: a long client_id is invalid_client, a long code invalid_grant', async () => {
    const byId = await tokenRequest(stack.issuer, {
      grant_type: 'authorization_code',
      code: 'c',
      client_id: long,
      code_verifier: 'v'.repeat(43),
    });
    expect(byId).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const client = await registerPublicClient(stack.issuer);
    const byCode = await tokenRequest(stack.issuer, {
      grant_type: 'authorization_code',
      code: long,
      client_id: client.clientId,
      redirect_uri: client.redirectUri,
      code_verifier: 'v'.repeat(43),
    });
    expect(byCode).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('[PX-07] /oauth/callback with a long state and /consent with a long request: the 400 page of an unknown one', async () => {
    const callback = await fetch(`${stack.issuer}/oauth/callback?code=c&state=${long}`, {
      redirect: 'manual',
    });
    expect(callback.status).toBe(400);
    expect(await callback.text()).toContain('unknown, expired or was already used');
    const consent = await post('/consent', { request: long, csrf: 'c', decision: 'approve' });
    expect(consent.status).toBe(400);
    expect(await consent.text()).toContain('unknown, expired or already used');
  });

  it('/revoke: a long client_id is invalid_client; nothing is logged as an error', async () => {
    const revoked = await post('/revoke', { token: 't', client_id: long });
    expect(revoked.status).toBe(401);
    expect(await revoked.json()).toMatchObject({ error: 'invalid_client' });
    expect(stack.proxy.logs().filter((line) => Number(line.level) >= 50)).toEqual([]);
  });
});
