import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/index.js';
import {
  type FacadeStack,
  loginThroughFacade,
  registerPublicClient,
  startFacadeStack,
  tokenRequest,
} from '../helpers/facade.js';

let stack: FacadeStack;
const store = new MemoryStore();

beforeAll(async () => {
  stack = await startFacadeStack(() => ({ adapter: 'rfc7591' }), { store });
});

/** A refresh grant straight at the IdP, as the IdP client the facade registered for `clientId`. */
async function refreshAtIdp(clientId: string, refreshToken: string): Promise<Record<string, unknown>> {
  const upstream = (await store.get('facade-upstream', clientId)) as {
    clientId: string;
    clientSecret: string;
  };
  const response = await fetch(`${stack.idp.issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(upstream.clientId)}:${encodeURIComponent(upstream.clientSecret)}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
  });
  return (await response.json()) as Record<string, unknown>;
}
afterAll(() => stack.close());

async function revoke(form: Record<string, string>) {
  const response = await fetch(`${stack.issuer}/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost:6274' },
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    response,
  };
}

describe('facade mode: RFC 7009 revocation relayed to the IdP', () => {
  it('[AS-01] lists its revocation endpoint in the metadata', async () => {
    const metadata = (await (
      await fetch(`${stack.issuer}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(metadata.revocation_endpoint).toBe(`${stack.issuer}/revoke`);
  });

  it('[PX-08] a revoked refresh token no longer refreshes, and revoking it again still answers 200', async () => {
    const { client, tokens } = await loginThroughFacade(stack.issuer, 'mcp:tools offline_access');
    const refreshToken = String(tokens.body.refresh_token);
    const revoked = await revoke({
      token: refreshToken,
      token_type_hint: 'refresh_token',
      client_id: client.clientId,
    });
    expect(revoked.status).toBe(200);
    expect(revoked.response.headers.get('access-control-allow-origin')).toBe('*');
    const refresh = await tokenRequest(stack.issuer, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: client.clientId,
    });
    expect(refresh.status).toBe(400);
    expect(refresh.body.error).toBe('invalid_grant');
    // Revoked at the IdP itself, not only forgotten by the facade.
    expect((await refreshAtIdp(client.clientId, refreshToken)).error).toBe('invalid_grant');
    expect((await revoke({ token: refreshToken, client_id: client.clientId })).status).toBe(200);
  });

  it('relays the IdP refusing to revoke a JWT access token (oidc-provider cannot) as unsupported_token_type', async () => {
    const { client, tokens } = await loginThroughFacade(stack.issuer);
    const refused = await revoke({ token: String(tokens.body.access_token), client_id: client.clientId });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('unsupported_token_type');
  });

  it('refuses to revoke a refresh token for a client it was not issued to', async () => {
    const { client, tokens } = await loginThroughFacade(stack.issuer, 'mcp:tools offline_access');
    const other = await registerPublicClient(stack.issuer, 'Another client');
    const refused = await revoke({ token: String(tokens.body.refresh_token), client_id: other.clientId });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_request');
    const refresh = await tokenRequest(stack.issuer, {
      grant_type: 'refresh_token',
      refresh_token: String(tokens.body.refresh_token),
      client_id: client.clientId,
    });
    expect(refresh.status).toBe(200);
  });

  it('authenticates the client as at the token endpoint, and checks its parameters', async () => {
    expect((await revoke({ token: 'x' })).body.error).toBe('invalid_client');
    const { client } = await loginThroughFacade(stack.issuer);
    expect((await revoke({ client_id: client.clientId })).body.error).toBe('invalid_request');
    const hint = await revoke({ token: 'x', token_type_hint: 'id_token', client_id: client.clientId });
    expect(hint.status).toBe(400);
    expect(hint.body.error).toBe('unsupported_token_type');
  });
});
