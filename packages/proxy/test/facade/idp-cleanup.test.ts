import { freePort } from '@portcullis/test-support';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdpClient } from '../../src/facade/idp-client.js';
import { MAX_DELETE_ATTEMPTS, RegistrationReaper } from '../../src/facade/registration-reaper.js';
import { StoreSealer } from '../../src/facade/sealed.js';
import { MemoryStore } from '../../src/index.js';
import { type FacadeStack, loginThroughFacade, registerAt, startFacadeStack } from '../helpers/facade.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `check` every 50 ms for at most 5 s; its last answer. */
async function eventually<T>(check: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5_000;
  let value = await check();
  while (!done(value) && Date.now() < deadline) {
    await sleep(50);
    value = await check();
  }
  return value;
}

interface ReapEntry {
  owner: string;
  due: number;
  attempts: number;
  management: { uri: string; token: string };
}

/** RFC 7592 §2.1: read a registration with its registration access token; the HTTP status. */
async function readRegistration(management: { uri: string; token: string }): Promise<number> {
  const response = await fetch(management.uri, { headers: { authorization: `Bearer ${management.token}` } });
  await response.body?.cancel();
  return response.status;
}

describe('facade.idpCleanup: IdP clients are deleted at the IdP once they expire here (RFC 7592 §2.3)', () => {
  const store = new MemoryStore();
  let stack: FacadeStack;

  beforeAll(async () => {
    stack = await startFacadeStack(() => ({ adapter: 'rfc7591', idpCleanup: { intervalMs: 100 } }), {
      store,
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('[PX-13] deletes the IdP client of an expired registration, never one still in use, and logs no token', async () => {
    const { client, tokens } = await loginThroughFacade(stack.issuer);
    expect(tokens.status).toBe(200);
    const upstream = (await store.get('facade-upstream', client.clientId)) as { clientId: string };
    const entry = (await store.get('facade-reap', upstream.clientId)) as unknown as ReapEntry;
    expect(entry).toMatchObject({ owner: client.clientId, attempts: 0 });
    expect(entry.due).toBeGreaterThan(Date.now() + 89 * 24 * 3600 * 1000);
    expect(entry.management.uri).toBe(`${stack.idp.issuer}/register/${upstream.clientId}`);
    expect(await readRegistration(entry.management)).toBe(200);

    // Due, but the registration here is still alive (clocks disagree): several sweeps leave it alone.
    await store.set('facade-reap', upstream.clientId, { ...entry, due: Date.now() - 1_000 }, 60_000);
    await sleep(400);
    expect(await store.get('facade-reap', upstream.clientId)).toBeDefined();
    expect(await readRegistration(entry.management)).toBe(200);

    // The registration here expires (its TTL, simulated): the next sweep deletes the client at the IdP.
    await store.delete('facade-upstream', client.clientId);
    const left = await eventually(
      () => store.get('facade-reap', upstream.clientId),
      (value) => value === undefined,
    );
    expect(left).toBeUndefined();
    expect(await readRegistration(entry.management)).toBe(401);
    const metrics = await (await fetch(`${stack.issuer}/metrics`)).text();
    expect(metrics).toMatch(/^portcullis_proxy_facade_idp_client_cleanup_total\{outcome="deleted"\} 1$/m);
    const logs = stack.proxy.logs();
    expect(logs).toContainEqual(
      expect.objectContaining({
        idpClientId: upstream.clientId,
        status: 204,
        msg: expect.stringMatching(/deleted/),
      }),
    );
    expect(stack.proxy.logText()).not.toContain(entry.management.token);
  });

  it('retries an IdP that cannot be reached on later sweeps, then gives up and says so', async () => {
    const closed = await freePort();
    const management = {
      uri: `http://127.0.0.1:${closed}/register/ghost`,
      token: 'ghost-registration-token',
    };
    const ghost = { owner: 'gone-mcp-client', due: Date.now() - 1, attempts: 0, management };
    await store.set('facade-reap', 'ghost', ghost, 60_000);
    // While a sweep holds the entry it is absent from the store: look for it with attempts counted.
    const retried = await eventually(
      async () => (await store.get('facade-reap', 'ghost')) as unknown as ReapEntry | undefined,
      (value) => (value?.attempts ?? 0) > 0,
    );
    expect(retried?.attempts).toBeGreaterThan(0);
    const givingUp = (line: Record<string, unknown>) =>
      line.idpClientId === 'ghost' && /giving up/.test(String(line.msg));
    const gaveUp = await eventually(
      async () => stack.proxy.logs().find(givingUp),
      (line) => line !== undefined,
    );
    expect(gaveUp).toMatchObject({ attempts: MAX_DELETE_ATTEMPTS, level: 50 });
    expect(await store.get('facade-reap', 'ghost')).toBeUndefined();
    expect(stack.proxy.logText()).not.toContain('ghost-registration-token');
  });
});

describe('RegistrationReaper.discard: the IdP client of a lost registration race', () => {
  const store = new MemoryStore();
  let stack: FacadeStack;
  let reaper: RegistrationReaper;

  beforeAll(async () => {
    stack = await startFacadeStack(() => ({ adapter: 'rfc7591', idpCleanup: { enabled: false } }), { store });
    reaper = new RegistrationReaper({
      store,
      idp: new IdpClient(stack.idp.issuer, 2_000),
      sealer: undefined,
      log: pino({ level: 'silent' }),
      inUse: async () => false,
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('is deleted at once; when the IdP cannot be reached it is left to the next sweep', async () => {
    const { status, body } = await registerAt(`${stack.idp.issuer}/register`, {
      redirect_uris: ['https://app.test/cb'],
      application_type: 'web',
    });
    expect(status).toBe(201);
    const management = {
      uri: String(body.registration_client_uri),
      token: String(body.registration_access_token),
    };
    const clientId = String(body.client_id);
    await reaper.remember(clientId, 'mcp-client', management, Date.now() + 60_000);
    await reaper.discard(clientId, 'mcp-client', management);
    expect(await readRegistration(management)).toBe(401);
    expect(await store.get('facade-reap', clientId)).toBeUndefined();

    const unreachable = { uri: `http://127.0.0.1:${await freePort()}/register/x`, token: 'x-token' };
    await reaper.discard('x', 'mcp-client', unreachable);
    const kept = (await store.get('facade-reap', 'x')) as unknown as ReapEntry;
    expect(kept.due).toBeLessThanOrEqual(Date.now());
    expect(await reaper.sweep()).toEqual({ deleted: 0, retried: 1, dropped: 0 });
  });

  it('leaves an entry sealed with another facade.storeKey to the replicas that can open it, for 7 days', async () => {
    const { body } = await registerAt(`${stack.idp.issuer}/register`, {
      redirect_uris: ['https://app.test/cb'],
      application_type: 'web',
    });
    const management = {
      uri: String(body.registration_client_uri),
      token: String(body.registration_access_token),
    };
    const clientId = String(body.client_id);
    const withKey = (key: string) =>
      new RegistrationReaper({
        store,
        idp: new IdpClient(stack.idp.issuer, 2_000),
        sealer: new StoreSealer(key),
        log: pino({ level: 'silent' }),
        inUse: async () => false,
      });
    const a = withKey('the store key of replica A, 32+ characters');
    const b = withKey('the store key of replica B, 32+ characters');
    const due = Date.now() - 1;
    await a.remember(clientId, 'mcp-client', management, due);
    await store.delete('facade-reap', 'x');
    expect(await b.sweep()).toEqual({ deleted: 0, retried: 0, dropped: 0 });
    expect(await store.get('facade-reap', clientId)).toBeDefined();
    expect(await a.sweep()).toEqual({ deleted: 1, retried: 0, dropped: 0 });
    expect(await readRegistration(management)).toBe(401);

    // Nobody that can open it for 7 days: it is given up (and logged) instead of kept forever.
    await a.remember(clientId, 'mcp-client', management, due);
    expect(await b.sweep(due + 8 * 24 * 3600 * 1000)).toEqual({ deleted: 0, retried: 0, dropped: 1 });
    expect(await store.get('facade-reap', clientId)).toBeUndefined();
  });

  it('idpCleanup.enabled false: the IdP clients the proxy registers are not remembered for deletion', async () => {
    const { client, tokens } = await loginThroughFacade(stack.issuer);
    expect(tokens.status).toBe(200);
    const upstream = (await store.get('facade-upstream', client.clientId)) as { clientId: string };
    expect(upstream.clientId).toEqual(expect.any(String));
    expect(await store.get('facade-reap', upstream.clientId)).toBeUndefined();
  });
});
