/** A value a {@link Store} keeps: anything `JSON.stringify` writes and `JSON.parse` reads back unchanged. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/**
 * Key-value state with expiry, shared by the proxy's features: today the 2025-era session bindings; facade
 * mode will keep registrations, consent and relay state (OAuth `state`) here. Every key lives in a
 * namespace (`mcp-session`, later `client`, `consent`, `oauth-state`, …: lowercase letters, digits, `-`);
 * values are JSON. Asynchronous so that a shared store (Redis) can implement it for several proxy replicas;
 * `setIfAbsent` and `take` are atomic across all of them.
 *
 * Operations of a shared store reject with a `ProxyError` `ERR_PORTCULLIS_PROXY_STORE_UNAVAILABLE`
 * (`StoreUnavailableError`) when it cannot be reached in time; they never wait without a bound.
 */
export interface Store {
  /** Where the state lives, without credentials (`memory:`, `redis://127.0.0.1:6379/0`), for `/readyz`. */
  readonly url: string;
  /** The value under `key`, or `undefined` when absent or expired. */
  get(namespace: string, key: string): Promise<JsonValue | undefined>;
  /** Store `value` under `key` for `ttlMs` milliseconds, replacing any value. */
  set(namespace: string, key: string, value: JsonValue, ttlMs: number): Promise<void>;
  /** Store `value` only when `key` holds nothing (or has expired); `true` when it was stored. Atomic. */
  setIfAbsent(namespace: string, key: string, value: JsonValue, ttlMs: number): Promise<boolean>;
  /** Get and delete in one step (single-use state): of concurrent takes exactly one gets the value. */
  take(namespace: string, key: string): Promise<JsonValue | undefined>;
  /** Give a live `key` a new lifetime of `ttlMs`; `false` (and nothing stored) when it is absent. */
  touch(namespace: string, key: string, ttlMs: number): Promise<boolean>;
  /**
   * Add `delta` (a whole number) to the counter under `key` (0 when absent or expired), give it a lifetime of
   * `ttlMs`, and return its new value. Atomic: concurrent increments are all counted.
   */
  increment(namespace: string, key: string, delta: number, ttlMs: number): Promise<number>;
  /** Remove `key` (nothing happens when it is absent). */
  delete(namespace: string, key: string): Promise<void>;
  /**
   * The live keys of `namespace` (without the namespace), in no order. For housekeeping over a bounded
   * namespace (the facade's expired IdP registrations), never on a request's path: Redis walks its key
   * space with `SCAN` for it.
   */
  keys(namespace: string): Promise<string[]>;
  /** Resolve when the store answers (readiness probe); reject otherwise. */
  ping(): Promise<void>;
  /** Release timers and connections. */
  close(): Promise<void>;
}

const NAMESPACE = /^[a-z][a-z0-9-]{0,63}$/;

/** The longest key a {@link Store} holds, in characters (see {@link storeKey}). */
export const STORE_KEY_MAX_LENGTH = 1024;

/** The full key of `key` in `namespace`, `<namespace>:<key>`. Throws a `TypeError` for a bad namespace or key. */
export function storeKey(namespace: string, key: string): string {
  if (!NAMESPACE.test(namespace)) {
    throw new TypeError(`store namespace ${JSON.stringify(namespace)} must match ${NAMESPACE.source}`);
  }
  if (key.length === 0 || key.length > STORE_KEY_MAX_LENGTH)
    throw new TypeError(`store keys must have 1 to ${STORE_KEY_MAX_LENGTH} characters`);
  return `${namespace}:${key}`;
}

/**
 * `store`, with lookups (`get`, `take`, `touch`, `delete`) that find nothing under a key no store can hold
 * (empty, or longer than {@link STORE_KEY_MAX_LENGTH}) instead of throwing: for keys that come from requests
 * (a `client_id`, a code, a `state`), where such a key is just an unknown value. Writes still throw.
 * @see storeKey
 */
export function withLenientLookups(store: Store): Store {
  const holds = (key: string) => key.length > 0 && key.length <= STORE_KEY_MAX_LENGTH;
  return {
    url: store.url,
    get: (namespace, key) => (holds(key) ? store.get(namespace, key) : Promise.resolve(undefined)),
    set: (namespace, key, value, ttlMs) => store.set(namespace, key, value, ttlMs),
    setIfAbsent: (namespace, key, value, ttlMs) => store.setIfAbsent(namespace, key, value, ttlMs),
    take: (namespace, key) => (holds(key) ? store.take(namespace, key) : Promise.resolve(undefined)),
    touch: (namespace, key, ttlMs) =>
      holds(key) ? store.touch(namespace, key, ttlMs) : Promise.resolve(false),
    increment: (namespace, key, delta, ttlMs) => store.increment(namespace, key, delta, ttlMs),
    delete: (namespace, key) => (holds(key) ? store.delete(namespace, key) : Promise.resolve()),
    keys: (namespace) => store.keys(namespace),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}

/** Throws a `TypeError` when `ttlMs` is not a positive whole number of milliseconds. */
export function checkTtl(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0)
    throw new TypeError('store TTLs must be positive integers (ms)');
}

/** Throws a `TypeError` when `delta` is not a whole number. */
export function checkDelta(delta: number): void {
  if (!Number.isSafeInteger(delta)) throw new TypeError('store increments must be whole numbers');
}

/** `true` when `value` has every method of {@link Store} (for a store passed programmatically). */
export function isStore(value: unknown): value is Store {
  if (typeof value !== 'object' || value === null) return false;
  const methods = [
    'get',
    'set',
    'setIfAbsent',
    'take',
    'touch',
    'increment',
    'delete',
    'keys',
    'ping',
    'close',
  ];
  return methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
}

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Most entries kept; the oldest is dropped beyond it. Default 100 000. */
  readonly maxEntries?: number;
  /** How often expired entries are swept, in milliseconds. Default 60 000. */
  readonly sweepMs?: number;
}

/** A {@link Store} in this process's memory: lost on restart, not shared between processes. */
export class MemoryStore implements Store {
  readonly url = 'memory:';
  readonly #entries = new Map<string, { value: string; until: number }>();
  readonly #max: number;
  readonly #timer: NodeJS.Timeout;

  constructor(options: MemoryStoreOptions = {}) {
    this.#max = options.maxEntries ?? 100_000;
    this.#timer = setInterval(() => this.sweep(), options.sweepMs ?? 60_000);
    this.#timer.unref();
  }

  /** Number of live and not yet swept entries. */
  get size(): number {
    return this.#entries.size;
  }

  #live(key: string) {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until > Date.now()) return entry;
    this.#entries.delete(key);
    return undefined;
  }

  #put(key: string, value: JsonValue, ttlMs: number): void {
    checkTtl(ttlMs);
    const text = JSON.stringify(value);
    this.#entries.delete(key);
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { value: text, until: Date.now() + ttlMs });
  }

  async get(namespace: string, key: string): Promise<JsonValue | undefined> {
    const entry = this.#live(storeKey(namespace, key));
    return entry === undefined ? undefined : (JSON.parse(entry.value) as JsonValue);
  }

  async set(namespace: string, key: string, value: JsonValue, ttlMs: number): Promise<void> {
    this.#put(storeKey(namespace, key), value, ttlMs);
  }

  async setIfAbsent(namespace: string, key: string, value: JsonValue, ttlMs: number): Promise<boolean> {
    const full = storeKey(namespace, key);
    if (this.#live(full) !== undefined) return false;
    this.#put(full, value, ttlMs);
    return true;
  }

  async take(namespace: string, key: string): Promise<JsonValue | undefined> {
    const full = storeKey(namespace, key);
    const entry = this.#live(full);
    if (entry === undefined) return undefined;
    this.#entries.delete(full);
    return JSON.parse(entry.value) as JsonValue;
  }

  async touch(namespace: string, key: string, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    const entry = this.#live(storeKey(namespace, key));
    if (entry === undefined) return false;
    entry.until = Date.now() + ttlMs;
    return true;
  }

  async increment(namespace: string, key: string, delta: number, ttlMs: number): Promise<number> {
    checkDelta(delta);
    const full = storeKey(namespace, key);
    const current = this.#live(full);
    const value = (current === undefined ? 0 : Number(JSON.parse(current.value))) + delta;
    if (!Number.isSafeInteger(value)) throw new TypeError(`store entry ${full} does not hold a counter`);
    this.#put(full, value, ttlMs);
    return value;
  }

  async delete(namespace: string, key: string): Promise<void> {
    this.#entries.delete(storeKey(namespace, key));
  }

  async keys(namespace: string): Promise<string[]> {
    const prefix = storeKey(namespace, '-').slice(0, -1);
    const now = Date.now();
    const found: string[] = [];
    for (const [key, entry] of this.#entries) {
      if (entry.until > now && key.startsWith(prefix)) found.push(key.slice(prefix.length));
    }
    return found;
  }

  async ping(): Promise<void> {}

  /** Drop expired entries. */
  sweep(now = Date.now()): void {
    for (const [key, entry] of this.#entries) if (entry.until <= now) this.#entries.delete(key);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#entries.clear();
  }
}
