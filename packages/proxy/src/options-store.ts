import { isLoopbackHost } from '@portcullis/metadata';
import { z } from 'zod';
import { isStore, type Store } from './store.js';

/** Default prefix of every key the proxy writes to Redis. */
export const DEFAULT_REDIS_KEY_PREFIX = 'portcullis:';
/** Default time allowed to (re)connect to Redis before a command fails, in milliseconds. */
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 2_000;
/** Default time allowed for one Redis command's answer, in milliseconds. */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 1_000;

const redisUrl = z
  .string()
  .refine((v) => URL.canParse(v) && /^rediss?:$/.test(new URL(v).protocol), {
    message: 'store.url must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0',
  })
  .refine(
    (v) => !URL.canParse(v) || new URL(v).protocol !== 'redis:' || isLoopbackHost(new URL(v).hostname),
    {
      message: 'store.url must use rediss:// (TLS) unless the host is loopback (127.0.0.1, ::1, localhost)',
    },
  )
  .refine((v) => !URL.canParse(v) || /^\/?(\d{1,2})?$/.test(new URL(v).pathname), {
    message: 'store.url path must be empty or a database number, e.g. /0',
  });

/** Where the proxy keeps its state (session bindings; later facade mode's registrations, consent, relay state). */
export const storeSchema = z.preprocess(
  (v) => (isStore(v) ? { kind: 'custom', store: v } : v),
  z.discriminatedUnion('kind', [
    /** This process's memory (default): one replica only. */
    z.strictObject({ kind: z.literal('memory'), maxEntries: z.number().int().positive().optional() }),
    /** Redis, shared by every replica using the same URL and prefix. */
    z.strictObject({
      kind: z.literal('redis'),
      url: redisUrl,
      keyPrefix: z
        .string()
        .regex(/^[A-Za-z0-9:._-]{1,64}$/, 'must be 1–64 letters, digits, ":", ".", "_" or "-"')
        .default(DEFAULT_REDIS_KEY_PREFIX),
      connectTimeoutMs: z.number().int().positive().default(DEFAULT_REDIS_CONNECT_TIMEOUT_MS),
      commandTimeoutMs: z.number().int().positive().default(DEFAULT_REDIS_COMMAND_TIMEOUT_MS),
    }),
    /** A `Store` object given programmatically (`store: myStore` is accepted as a shorthand). */
    z.strictObject({ kind: z.literal('custom'), store: z.custom<Store>(isStore, 'must implement Store') }),
  ]),
);

/** The store options as written. */
export type StoreOptionsInput =
  | { kind: 'memory'; maxEntries?: number }
  | { kind: 'redis'; url: string; keyPrefix?: string; connectTimeoutMs?: number; commandTimeoutMs?: number };
/** The store options after defaults. */
export type StoreOptions = z.output<typeof storeSchema>;
