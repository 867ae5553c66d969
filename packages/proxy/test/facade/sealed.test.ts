import { CookieBrowser, freePort } from '@portcullis/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreSealer } from '../../src/facade/sealed.js';
import { MemoryStore } from '../../src/index.js';
import { type FacadeStack, loginThroughFacade, startFacadeStack } from '../helpers/facade.js';
import { modernCall, type ProxyTestOptions, type RunningProxy, startProxy } from '../helpers/proxy.js';

const HELLO = { method: 'tools/call', params: { name: 'hello-world', arguments: { name: 'joe' } } };
const KEY_A = 'store key of replica A, 32+ characters long';
const KEY_B = 'another store key, also 32+ characters long';
const KEY_C = 'a third store key, again 32+ characters long';

describe('StoreSealer: JWE dir + A256GCM bound to the store entry', () => {
  it('opens what it sealed, and nothing moved, tampered, unsealed or sealed with another key', async () => {
    const sealer = new StoreSealer(KEY_A);
    const value = { clientId: 'idp-client', clientSecret: 'idp-secret-value' };
    const sealed = await sealer.seal('client-1', value);
    expect(JSON.stringify(sealed)).not.toContain('idp-secret-value');
    expect(await sealer.open('client-1', sealed)).toEqual(value);
    expect(await sealer.open('client-2', sealed)).toBeUndefined();
    expect(await new StoreSealer(KEY_B).open('client-1', sealed)).toBeUndefined();
    const inner = (sealed as { sealed: Record<string, string> }).sealed;
    const flipped = `${inner.ciphertext?.startsWith('A') ? 'B' : 'A'}${inner.ciphertext?.slice(1)}`;
    expect(await sealer.open('client-1', { sealed: { ...inner, ciphertext: flipped } })).toBeUndefined();
    expect(await sealer.open('client-1', value)).toBeUndefined();
  });

  it('rotation: opens values sealed with a previous key, seals new ones with the current key only', async () => {
    const value = { clientId: 'idp-client', clientSecret: 'idp-secret-value' };
    const old = await new StoreSealer(KEY_A).seal('client-1', value);
    const rotated = new StoreSealer(KEY_B, [KEY_A]);
    expect(await rotated.open('client-1', old)).toEqual(value);
    expect(await rotated.open('client-2', old)).toBeUndefined();
    const fresh = await rotated.seal('client-1', value);
    expect(await new StoreSealer(KEY_B).open('client-1', fresh)).toEqual(value);
    expect(await new StoreSealer(KEY_A).open('client-1', fresh)).toBeUndefined();
    expect(await new StoreSealer(KEY_C, [KEY_B]).open('client-1', old)).toBeUndefined();
  });
});

describe('facade.storeKey: IdP client credentials encrypted in the store', () => {
  const store = new MemoryStore();
  let stack: FacadeStack;
  let b: RunningProxy;
  let rotated: RunningProxy;

  /** The authorization request of `client` sent to the replica at `url` (same public issuer, another port). */
  function authorizeOn(url: string, client: { clientId: string; redirectUri: string }): URL {
    const on = new URL(stack.issuer);
    on.port = new URL(url).port;
    const authorize = new URL(`${on.origin}/authorize`);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: client.redirectUri,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGjSstw-cM',
      code_challenge_method: 'S256',
      resource: `${stack.issuer}/mcp`,
      state: 'on-another-replica',
    }).toString();
    return authorize;
  }

  beforeAll(async () => {
    stack = await startFacadeStack(() => ({ adapter: 'rfc7591', storeKey: KEY_A }), { store });
    // A replica with another key shares the store: it cannot read A's entries and must not fail on them.
    const options = stack.options as Extract<ProxyTestOptions, { mode: 'facade' }>;
    b = await startProxy(await freePort(), {
      ...options,
      publicUrl: stack.issuer,
      facade: { ...options.facade, storeKey: KEY_B },
    });
    rotated = await startProxy(await freePort(), {
      ...options,
      publicUrl: stack.issuer,
      facade: { ...options.facade, storeKey: KEY_C, previousStoreKeys: [KEY_B, KEY_A] },
    });
  });
  afterAll(async () => {
    await rotated?.close();
    await b?.close();
    await stack?.close();
  });

  it('[PX-13] keeps the registered IdP client sealed, and the flow works end to end', async () => {
    const { client, tokens } = await loginThroughFacade(stack.issuer);
    expect(tokens.status).toBe(200);
    const call = await modernCall(stack.proxy.mcp, String(tokens.body.access_token), HELLO);
    expect(await call.text()).toContain('Hello, joe!');
    const stored = await store.get('facade-upstream', client.clientId);
    expect(stored).toHaveProperty('sealed');
    expect(JSON.stringify(stored)).not.toMatch(/clientSecret|client_secret/);
    const idpClient = (await new StoreSealer(KEY_A).open(client.clientId, stored)) as Record<string, string>;
    expect(idpClient).toHaveProperty('clientSecret');
    // The RFC 7592 registration access token kept for the later deletion is sealed too.
    const reap = (await store.get('facade-reap', String(idpClient.clientId))) as { management: unknown };
    expect(reap.management).toHaveProperty('sealed');
    const opened = await new StoreSealer(KEY_A).open(`reap:${idpClient.clientId}`, reap.management as never);
    expect(opened).toEqual({ uri: expect.stringContaining('/register/'), token: expect.any(String) });
    expect(JSON.stringify(reap)).not.toContain((opened as { token: string }).token);
  });

  it('a replica that has the key as facade.previousStoreKeys uses the entry as it is: no new IdP client', async () => {
    const browser = new CookieBrowser();
    const { client } = await loginThroughFacade(stack.issuer, undefined, browser);
    const before = await store.get('facade-upstream', client.clientId);
    const response = await browser.get(authorizeOn(rotated.url, client).href);
    expect(response.status).toBe(302);
    const location = new URL(String(response.headers.get('location')));
    expect(location.origin).toBe(new URL(stack.idp.issuer).origin);
    const idpClient = (await new StoreSealer(KEY_A).open(client.clientId, before)) as Record<string, string>;
    expect(location.searchParams.get('client_id')).toBe(idpClient.clientId);
    expect(await store.get('facade-upstream', client.clientId)).toEqual(before);
  });

  it('a replica whose key cannot open an entry registers the client at the IdP again instead of failing', async () => {
    const browser = new CookieBrowser();
    const { client } = await loginThroughFacade(stack.issuer, undefined, browser);
    const before = await store.get('facade-upstream', client.clientId);
    const response = await browser.get(authorizeOn(b.url, client).href);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toContain(stack.idp.issuer);
    const after = await store.get('facade-upstream', client.clientId);
    expect(after).not.toEqual(before);
    expect(await new StoreSealer(KEY_B).open(client.clientId, after)).toHaveProperty('clientSecret');
  });
});
