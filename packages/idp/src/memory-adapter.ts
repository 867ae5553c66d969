import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';

interface Entry {
  model: string;
  payload: AdapterPayload;
  expiresAt: number;
  /** Keys of `#index` pointing at this entry. */
  indexKeys: string[];
  /** The grant this token belongs to, if any. */
  grantId: string | undefined;
}

const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

/** Entries checked for expiry on every write: more than one, so the sweep always outpaces growth. */
const SWEEP_PER_WRITE = 2;

/**
 * The storage of one IdP instance: a Map per instance (never shared between instances), entries expire at
 * their TTL, and tokens are indexed by grant so a replayed code or refresh token can revoke the whole grant.
 *
 * Every operation is O(1): expired entries are dropped when read, and each write also checks the next
 * {@link SWEEP_PER_WRITE} entries of a round-robin cursor, so expired entries nobody reads again are
 * collected without ever scanning the whole map.
 *
 * In memory only, on purpose: this embedded IdP is for development, tests and demos; a restart forgets
 * clients, sessions and tokens, and several processes cannot share it. Production deployments use a real
 * identity provider (or give oidc-provider a persistent adapter).
 */
export class MemoryStore {
  readonly #entries = new Map<string, Entry>();
  readonly #index = new Map<string, string>();
  readonly #grants = new Map<string, Set<string>>();
  readonly #counts = new Map<string, number>();
  #cursor: MapIterator<[string, Entry]> | undefined;

  /** How many entries of `model` are stored (expired ones not yet collected included). O(1). */
  count(model: string): number {
    return this.#counts.get(model) ?? 0;
  }

  #unlink(key: string, entry: Entry): void {
    for (const name of entry.indexKeys) if (this.#index.get(name) === key) this.#index.delete(name);
    if (entry.grantId === undefined) return;
    const members = this.#grants.get(entry.grantId);
    members?.delete(key);
    if (members?.size === 0) this.#grants.delete(entry.grantId);
  }

  #delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#unlink(key, entry);
    this.#counts.set(entry.model, this.count(entry.model) - 1);
  }

  #get(key: string): AdapterPayload | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#delete(key);
      return undefined;
    }
    return entry.payload;
  }

  /** Check the next few entries for expiry (Map iterators survive insertions and deletions). */
  #sweepStep(now: number): void {
    for (let i = 0; i < SWEEP_PER_WRITE; i++) {
      this.#cursor ??= this.#entries.entries();
      const next = this.#cursor.next();
      if (next.done) {
        this.#cursor = undefined;
        return;
      }
      const [key, entry] = next.value;
      if (entry.expiresAt <= now) this.#delete(key);
    }
  }

  #set(model: string, key: string, payload: AdapterPayload, expiresIn: number | undefined): void {
    const now = Date.now();
    this.#sweepStep(now);
    const previous = this.#entries.get(key);
    if (previous) this.#unlink(key, previous);
    else this.#counts.set(model, this.count(model) + 1);
    const entry: Entry = {
      model,
      payload,
      expiresAt: typeof expiresIn === 'number' ? now + expiresIn * 1000 : Number.POSITIVE_INFINITY,
      indexKeys: [],
      grantId: GRANTABLE.has(model) && payload.grantId ? payload.grantId : undefined,
    };
    if (model === 'Session' && payload.uid) entry.indexKeys.push(`uid:${payload.uid}`);
    if (payload.userCode) entry.indexKeys.push(`userCode:${payload.userCode}`);
    for (const name of entry.indexKeys) this.#index.set(name, key);
    if (entry.grantId !== undefined) {
      const members = this.#grants.get(entry.grantId) ?? new Set<string>();
      members.add(key);
      this.#grants.set(entry.grantId, members);
    }
    this.#entries.set(key, entry);
  }

  /** An oidc-provider adapter factory bound to this store. */
  readonly factory: AdapterFactory = (model: string): Adapter => {
    const key = (id: string) => `${model}:${id}`;
    return {
      upsert: async (id, payload, expiresIn) => this.#set(model, key(id), payload, expiresIn),
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
      destroy: async (id) => this.#delete(key(id)),
      revokeByGrantId: async (grantId) => {
        for (const member of [...(this.#grants.get(grantId) ?? [])]) this.#delete(member);
        this.#grants.delete(grantId);
      },
    };
  };
}
