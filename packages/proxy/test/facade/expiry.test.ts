import { setTimeout as sleep } from 'node:timers/promises';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FacadeStack, loginThroughFacade, startFacadeStack, tokenRequest } from '../helpers/facade.js';
import { modernCall } from '../helpers/proxy.js';

let stack: FacadeStack;
const HELLO = { method: 'tools/call', params: { name: 'hello-world', arguments: { name: 'joe' } } };

beforeAll(async () => {
  // Access tokens live 4 s and the proxy allows no clock skew, so expiry is reached within the test. (1 s
  // was too short on a loaded CI machine: the login itself took longer, and the first call found the token
  // already expired.)
  stack = await startFacadeStack(
    () => ({ adapter: 'rfc7591' }),
    {},
    { accessTokenTtl: 4, clockToleranceSec: 0 },
  );
});
afterAll(() => stack.close());

describe('facade mode: the MCP token is the IdP token, checked on every request', () => {
  it('[PX-08] an expired IdP token is refused with 401 invalid_token; the refresh relayed by the proxy restores access', async () => {
    const { client, tokens } = await loginThroughFacade(stack.issuer, 'mcp:tools offline_access');
    const accessToken = String(tokens.body.access_token);
    const exp = Number(decodeJwt(accessToken).exp);
    const live = await modernCall(stack.proxy.mcp, accessToken, HELLO);
    expect(Date.now() / 1000, 'the login took the whole token lifetime').toBeLessThan(exp);
    expect(live.status).toBe(200);

    await sleep(Math.max(0, exp * 1000 - Date.now()) + 1_100);
    const expired = await modernCall(stack.proxy.mcp, accessToken, HELLO);
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);

    const refreshed = await tokenRequest(stack.issuer, {
      grant_type: 'refresh_token',
      refresh_token: String(tokens.body.refresh_token),
      client_id: client.clientId,
    });
    expect(refreshed.status).toBe(200);
    const renewed = await modernCall(stack.proxy.mcp, String(refreshed.body.access_token), HELLO);
    expect(renewed.status).toBe(200);
    expect(await renewed.text()).toContain('Hello, joe!');
  });
});
