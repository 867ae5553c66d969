/**
 * Key-value state with expiry, shared by the proxy's features: today the 2025-era session bindings; facade
 * mode will keep registrations, consent and upstream grants here. Asynchronous so that a shared store
 * (Redis) can implement it for several proxy processes.
 */
export interface Store {
  /** The value under `key`, or `undefined` when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** Store `value` under `key` for `ttlMs` milliseconds (replacing any value). */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Remove `key`. */
  delete(key: string): Promise<void>;
  /** Release timers and connections. */
  close(): Promise<void>;
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

  async get(key: string): Promise<string | undefined> {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { value, until: Date.now() + ttlMs });
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  /** Drop expired entries. */
  sweep(now = Date.now()): void {
    for (const [key, entry] of this.#entries) if (entry.until <= now) this.#entries.delete(key);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#entries.clear();
  }
}
