import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  expiresAt: number;
}

const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

/**
 * The storage of one IdP instance: a Map per instance (never shared between instances), entries expire at
 * their TTL, and tokens are indexed by grant so a replayed code or refresh token can revoke the whole grant.
 *
 * In memory only, on purpose: this embedded IdP is for development, tests and demos; a restart forgets
 * clients, sessions and tokens, and several processes cannot share it. Production deployments use a real
 * identity provider (or give oidc-provider a persistent adapter).
 */
export class MemoryStore {
  readonly #entries = new Map<string, Entry>();
  readonly #index = new Map<string, string>();
  readonly #grants = new Map<string, Set<string>>();

  #get(key: string): AdapterPayload | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  #sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
    for (const [name, target] of this.#index) if (!this.#entries.has(target)) this.#index.delete(name);
    for (const [grantId, members] of this.#grants) {
      for (const member of members) if (!this.#entries.has(member)) members.delete(member);
      if (members.size === 0) this.#grants.delete(grantId);
    }
  }

  /** An oidc-provider adapter factory bound to this store. */
  readonly factory: AdapterFactory = (model: string): Adapter => {
    const key = (id: string) => `${model}:${id}`;
    return {
      upsert: async (id, payload, expiresIn) => {
        if (this.#entries.size > 10_000) this.#sweep();
        const expiresAt =
          typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY;
        this.#entries.set(key(id), { payload, expiresAt });
        if (model === 'Session' && payload.uid) this.#index.set(`uid:${payload.uid}`, key(id));
        if (payload.userCode) this.#index.set(`userCode:${payload.userCode}`, key(id));
        if (GRANTABLE.has(model) && payload.grantId) {
          const members = this.#grants.get(payload.grantId) ?? new Set<string>();
          members.add(key(id));
          this.#grants.set(payload.grantId, members);
        }
      },
      find: async (id) => this.#get(key(id)),
      findByUid: async (uid) => {
        const target = this.#index.get(`uid:${uid}`);
        return target ? this.#get(target) : undefined;
      },
      findByUserCode: async (userCode) => {
        const target = this.#index.get(`userCode:${userCode}`);
        return target ? this.#get(target) : undefined;
      },
      consume: async (id) => {
        const payload = this.#get(key(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      destroy: async (id) => {
        this.#entries.delete(key(id));
      },
      revokeByGrantId: async (grantId) => {
        for (const member of this.#grants.get(grantId) ?? []) this.#entries.delete(member);
        this.#grants.delete(grantId);
      },
    };
  };
}
