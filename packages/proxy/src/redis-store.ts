import { Redis } from 'ioredis';
import { StoreUnavailableError } from './errors.js';
import {
  DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
  DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
  DEFAULT_REDIS_KEY_PREFIX,
} from './options.js';
import { checkDelta, checkTtl, type JsonValue, type Store, storeKey } from './store.js';
import { redactRedisUrl } from './store-factory.js';

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /** `redis://host:port/db` (loopback) or `rediss://…` (TLS); credentials in the URL are never shown. */
  readonly url: string;
  /** Prefix of every key, so that several applications can share one database. Default `portcullis:`. */
  readonly keyPrefix?: string;
  /** Time to establish the connection; also the most a command waits for a reconnection. */
  readonly connectTimeoutMs?: number;
  /** Time allowed for one command's answer. */
  readonly commandTimeoutMs?: number;
  /** Told when the connection fails or comes back (the proxy logs it). */
  readonly onStatus?: (event: { readonly up: boolean; readonly error?: string }) => void;
}

function parse(text: string | null): JsonValue | undefined {
  return text === null ? undefined : (JSON.parse(text) as JsonValue);
}

/**
 * A {@link Store} in Redis (via ioredis), shared by every proxy replica that uses the same URL and prefix.
 * `setIfAbsent` is `SET … PX NX`, `take` is `GETDEL` (Redis 6.2+), `touch` is `PEXPIRE`: each one command, so
 * atomic across replicas. Commands are never queued while disconnected: each waits at most
 * `connectTimeoutMs` for the connection, then `commandTimeoutMs` for its answer, and otherwise rejects with
 * {@link StoreUnavailableError}. The client reconnects on its own (backoff up to 2 s).
 */
export class RedisStore implements Store {
  readonly url: string;
  readonly #client: Redis;
  readonly #connectTimeoutMs: number;
  readonly #prefix: string;
  #up = false;
  #reported = false;
  #closed = false;

  constructor(options: RedisStoreOptions) {
    this.url = redactRedisUrl(options.url);
    this.#connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS;
    this.#prefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
    this.#client = new Redis(options.url, {
      keyPrefix: this.#prefix,
      connectTimeout: this.#connectTimeoutMs,
      commandTimeout: options.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => Math.min(50 * 2 ** times, 2_000),
    });
    this.#client.on('ready', () => {
      if (!this.#up) options.onStatus?.({ up: true });
      this.#up = true;
    });
    this.#client.on('error', (error: Error) => {
      if (this.#up || !this.#reported) options.onStatus?.({ up: false, error: error.message });
      this.#reported = true;
      this.#up = false;
    });
  }

  #whenReady(): Promise<void> {
    if (this.#client.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#client.off('ready', onReady);
        reject(new Error(`not connected within ${this.#connectTimeoutMs} ms`));
      }, this.#connectTimeoutMs);
      this.#client.once('ready', onReady);
    });
  }

  async #run<T>(command: (client: Redis) => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreUnavailableError(`the Redis store ${this.url} is closed`);
    try {
      await this.#whenReady();
      return await command(this.#client);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new StoreUnavailableError(`the Redis store ${this.url} is unavailable: ${reason}`, {
        cause: error,
      });
    }
  }

  async get(namespace: string, key: string): Promise<JsonValue | undefined> {
    const full = storeKey(namespace, key);
    return parse(await this.#run((c) => c.get(full)));
  }

  async set(namespace: string, key: string, value: JsonValue, ttlMs: number): Promise<void> {
    const full = storeKey(namespace, key);
    checkTtl(ttlMs);
    const text = JSON.stringify(value);
    await this.#run((c) => c.set(full, text, 'PX', ttlMs));
  }

  async setIfAbsent(namespace: string, key: string, value: JsonValue, ttlMs: number): Promise<boolean> {
    const full = storeKey(namespace, key);
    checkTtl(ttlMs);
    const text = JSON.stringify(value);
    return (await this.#run((c) => c.set(full, text, 'PX', ttlMs, 'NX'))) === 'OK';
  }

  async take(namespace: string, key: string): Promise<JsonValue | undefined> {
    const full = storeKey(namespace, key);
    return parse(await this.#run((c) => c.getdel(full)));
  }

  async touch(namespace: string, key: string, ttlMs: number): Promise<boolean> {
    const full = storeKey(namespace, key);
    checkTtl(ttlMs);
    return (await this.#run((c) => c.pexpire(full, ttlMs))) === 1;
  }

  /** `INCRBY` and `PEXPIRE` in one `MULTI`. */
  async increment(namespace: string, key: string, delta: number, ttlMs: number): Promise<number> {
    const full = storeKey(namespace, key);
    checkDelta(delta);
    checkTtl(ttlMs);
    const results = await this.#run((c) => c.multi().incrby(full, delta).pexpire(full, ttlMs).exec());
    const [error, value] = results?.[0] ?? [new Error('the transaction was discarded'), undefined];
    if (error !== null) throw new TypeError(`store entry ${full} does not hold a counter (${error.message})`);
    return Number(value);
  }

  async delete(namespace: string, key: string): Promise<void> {
    const full = storeKey(namespace, key);
    await this.#run((c) => c.del(full));
  }

  /** `SCAN … MATCH <prefix><namespace>:*`: ioredis does not prefix a pattern nor strip the keys it returns. */
  async keys(namespace: string): Promise<string[]> {
    const head = `${this.#prefix}${storeKey(namespace, '-').slice(0, -1)}`;
    const pattern = `${head.replace(/[*?[\]\\]/g, '\\$&')}*`;
    const found = new Set<string>();
    await this.#run(async (c) => {
      let cursor = '0';
      do {
        const [next, keys] = await c.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        for (const key of keys) found.add(key.slice(head.length));
        cursor = next;
      } while (cursor !== '0');
    });
    return [...found];
  }

  async ping(): Promise<void> {
    await this.#run((c) => c.ping());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#client.status === 'ready') {
      const quit = this.#client.quit().catch(() => undefined);
      await Promise.race([quit, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
    }
    this.#client.disconnect();
  }
}
