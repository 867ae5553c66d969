import type { FastifyBaseLogger } from 'fastify';
import type { StoreOptions } from './options.js';
import type { RedisStore } from './redis-store.js';
import { type JsonValue, MemoryStore, type Store } from './store.js';

/**
 * `url` as it may be shown (logs, `/readyz`, error messages): without user name and password, and with every
 * query value replaced by `***` (ioredis also reads `?password=` there).
 */
export function redactRedisUrl(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  for (const name of new Set(parsed.searchParams.keys())) parsed.searchParams.set(name, '***');
  parsed.hash = '';
  return parsed.toString();
}

/**
 * A {@link Store} whose implementation is still being loaded: every call waits for it. Keeps ioredis out of
 * processes that use the in-memory store (it is imported only when a Redis store is configured).
 */
class DeferredStore implements Store {
  readonly #ready: Promise<Store>;

  constructor(
    readonly url: string,
    ready: Promise<Store>,
  ) {
    this.#ready = ready;
  }

  async get(namespace: string, key: string): Promise<JsonValue | undefined> {
    return (await this.#ready).get(namespace, key);
  }

  async set(namespace: string, key: string, value: JsonValue, ttlMs: number): Promise<void> {
    return (await this.#ready).set(namespace, key, value, ttlMs);
  }

  async setIfAbsent(namespace: string, key: string, value: JsonValue, ttlMs: number): Promise<boolean> {
    return (await this.#ready).setIfAbsent(namespace, key, value, ttlMs);
  }

  async take(namespace: string, key: string): Promise<JsonValue | undefined> {
    return (await this.#ready).take(namespace, key);
  }

  async touch(namespace: string, key: string, ttlMs: number): Promise<boolean> {
    return (await this.#ready).touch(namespace, key, ttlMs);
  }

  async increment(namespace: string, key: string, delta: number, ttlMs: number): Promise<number> {
    return (await this.#ready).increment(namespace, key, delta, ttlMs);
  }

  async delete(namespace: string, key: string): Promise<void> {
    return (await this.#ready).delete(namespace, key);
  }

  async keys(namespace: string): Promise<string[]> {
    return (await this.#ready).keys(namespace);
  }

  async ping(): Promise<void> {
    return (await this.#ready).ping();
  }

  async close(): Promise<void> {
    return (await this.#ready).close();
  }
}

/** The store the options ask for: in memory (default), Redis, or the `Store` object given. */
export function createStore(options: StoreOptions, log: FastifyBaseLogger): Store {
  if (options.kind === 'custom') return options.store;
  if (options.kind === 'memory') return new MemoryStore({ maxEntries: options.maxEntries });
  const url = redactRedisUrl(options.url);
  const redis = import('./redis-store.js').then(
    ({ RedisStore }): RedisStore =>
      new RedisStore({
        url: options.url,
        keyPrefix: options.keyPrefix,
        connectTimeoutMs: options.connectTimeoutMs,
        commandTimeoutMs: options.commandTimeoutMs,
        onStatus: ({ up, error }) => {
          if (up) log.info({ store: url }, 'connected to the Redis store');
          else log.warn({ store: url, error }, 'the Redis store is unavailable');
        },
      }),
  );
  return new DeferredStore(url, redis);
}
