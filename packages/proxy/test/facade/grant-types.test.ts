import { parseClientRegistrationResponse } from '@portcullis/metadata';
import { CookieBrowser, freePort } from '@portcullis/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/index.js';
import {
  authorizationRequest,
  type FacadeStack,
  redeemCode,
  registerAt,
  runBrowserFlow,
  startFacadeStack,
  tokenRequest,
} from '../helpers/facade.js';

const store = new MemoryStore();
let stack: FacadeStack;

beforeAll(async () => {
  stack = await startFacadeStack(() => ({ adapter: 'rfc7591' }), { store });
});
afterAll(() => stack?.close());

/** Register a public client with `extra` metadata, sign in as joe with `offline_access`, redeem the code. */
async function loginAs(extra: Record<string, unknown>) {
  const redirectUri = `http://127.0.0.1:${await freePort()}/callback`;
  const registration = await registerAt(`${stack.issuer}/register`, {
    redirect_uris: [redirectUri],
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    ...extra,
  });
  expect(registration.status).toBe(201);
  const client = { clientId: String(registration.body.client_id), redirectUri };
  const request = await authorizationRequest(stack.issuer, client, { scope: 'mcp:tools offline_access' });
  const { redirect } = await runBrowserFlow(new CookieBrowser(), request.url, redirectUri);
  const tokens = await redeemCode(stack.issuer, client, request, redirect);
  expect(tokens.status).toBe(200);
  const refresh = () =>
    tokenRequest(stack.issuer, {
      grant_type: 'refresh_token',
      refresh_token: String(tokens.body.refresh_token),
      client_id: client.clientId,
    });
  return { registration: registration.body, client, tokens, refresh };
}

describe('registered grant_types are kept and enforced at /token (RFC 7591 §2, RFC 6749 §5.2)', () => {
  it('a client registered for authorization_code only, or without grant_types (the default), gets no refresh token and cannot refresh', async () => {
    for (const extra of [{ grant_types: ['authorization_code'] }, {}]) {
      const { registration, tokens, refresh } = await loginAs(extra);
      expect(registration.grant_types).toEqual(['authorization_code']);
      expect(tokens.body).not.toHaveProperty('refresh_token');
      const refused = await refresh();
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({
        error: 'unauthorized_client',
        error_description: expect.stringContaining('refresh_token'),
      });
    }
  });

  it('a client registered with refresh_token refreshes; one stored before grants were kept may use both', async () => {
    const both = await loginAs({ grant_types: ['authorization_code', 'refresh_token'] });
    expect(both.registration.grant_types).toEqual(['authorization_code', 'refresh_token']);
    expect(typeof both.tokens.body.refresh_token).toBe('string');
    expect((await both.refresh()).status).toBe(200);

    const legacy = await loginAs({ grant_types: ['authorization_code', 'refresh_token'] });
    const { grant_types: _grants, ...stored } = (await store.get(
      'facade-client',
      legacy.client.clientId,
    )) as Record<string, never>;
    await store.set('facade-client', legacy.client.clientId, stored, 60_000);
    expect((await legacy.refresh()).status).toBe(200);
  });

  it('[AS-20] registration refuses grant_types without authorization_code; unknown grants stay unsupported_grant_type', async () => {
    const only = await registerAt(`${stack.issuer}/register`, {
      redirect_uris: ['http://127.0.0.1:4000/cb'],
      token_endpoint_auth_method: 'none',
      grant_types: ['refresh_token'],
    });
    expect(only).toMatchObject({ status: 400, body: { error: 'invalid_client_metadata' } });
    const { client } = await loginAs({ grant_types: ['authorization_code'] });
    const password = await tokenRequest(stack.issuer, { grant_type: 'password', client_id: client.clientId });
    expect(password.body.error).toBe('unsupported_grant_type');
  });
});

describe('the registration response carries what the proxy registered and issued (RFC 7591 §3.2.1)', () => {
  const sent = {
    redirect_uris: ['http://127.0.0.1:4001/cb'],
    client_name: 'Echo test',
    client_uri: 'https://app.example/',
    application_type: 'native',
    client_id: 'attacker-chosen-id',
    client_secret: 'attacker-chosen',
    client_secret_expires_at: 1,
    client_id_issued_at: 1,
    registration_access_token: 'attacker-token',
    registration_client_uri: 'https://attacker.example/reg',
    'x-extension': 'unknown member',
  };

  it('[AS-20] a public client gets no secret or management fields it sent, and no unknown member', async () => {
    const { status, body } = await registerAt(`${stack.issuer}/register`, {
      ...sent,
      token_endpoint_auth_method: 'none',
    });
    expect(status).toBe(201);
    parseClientRegistrationResponse(body, { allowLoopbackHttp: true });
    for (const member of [
      'client_secret',
      'client_secret_expires_at',
      'registration_access_token',
      'registration_client_uri',
      'x-extension',
    ]) {
      expect(body).not.toHaveProperty(member);
    }
    expect(body.client_id).not.toBe('attacker-chosen-id');
    expect(Number(body.client_id_issued_at)).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(body).toMatchObject({
      client_name: 'Echo test',
      client_uri: 'https://app.example/',
      application_type: 'native',
      redirect_uris: sent.redirect_uris,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    });
  });

  it('[AS-20] a confidential client gets the secret the proxy issued, expiring with its registration', async () => {
    const { status, body } = await registerAt(`${stack.issuer}/register`, {
      ...sent,
      token_endpoint_auth_method: 'client_secret_post',
    });
    expect(status).toBe(201);
    expect(body.client_secret).not.toBe('attacker-chosen');
    expect(Number(body.client_secret_expires_at)).toBeGreaterThan(Date.now() / 1000 + 89 * 86_400);
    expect(body).not.toHaveProperty('registration_access_token');
    expect(body).not.toHaveProperty('registration_client_uri');
  });
});
