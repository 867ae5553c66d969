import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store.js';
import { NS, randomId, sha256 } from './clients.js';

/** Name of the consent cookie: `__Host-` so it is Secure, host-only and `Path=/` (PX-05). */
export const CONSENT_COOKIE = '__Host-portcullis-consent';
/** How long an approval is remembered, in seconds (30 days). */
export const CONSENT_MAX_AGE_S = 30 * 24 * 3600;
/** Most approvals one cookie keeps (the oldest are dropped). */
const MAX_ENTRIES = 25;
const KEY_TTL_MS = 10 * 365 * 24 * 3600 * 1000;

type Entry = [clientHash: string, expiresAt: number];

/**
 * The per-browser registry of approved clients (PX-04, PX-05): a signed (HMAC-SHA-256) cookie listing the
 * SHA-256 of each approved `client_id` with its expiry, so an approval is bound to its client and a cookie
 * copied for another client proves nothing. The key is `facade.cookieSecret`, or a random key created once in
 * the store (shared by every replica).
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/security_best_practices#consent-cookie-security
 */
export class ConsentCookies {
  readonly #store: Store;
  readonly #secret: string | undefined;
  #key: Promise<string> | undefined;

  constructor(store: Store, secret: string | undefined) {
    this.#store = store;
    this.#secret = secret;
  }

  #signingKey(): Promise<string> {
    if (this.#secret !== undefined) return Promise.resolve(this.#secret);
    this.#key ??= (async () => {
      const fresh = randomId();
      if (await this.#store.setIfAbsent(NS.key, 'consent-cookie', fresh, KEY_TTL_MS)) return fresh;
      const existing = await this.#store.get(NS.key, 'consent-cookie');
      return typeof existing === 'string' ? existing : fresh;
    })().catch((error: unknown) => {
      this.#key = undefined;
      throw error;
    });
    return this.#key;
  }

  async #sign(payload: string): Promise<string> {
    return createHmac('sha256', await this.#signingKey())
      .update(payload)
      .digest('base64url');
  }

  async #entries(cookie: string | undefined, now: number): Promise<Entry[]> {
    if (cookie === undefined) return [];
    const [payload, signature] = cookie.split('.');
    if (payload === undefined || signature === undefined) return [];
    const expected = Buffer.from(await this.#sign(payload));
    const actual = Buffer.from(signature);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return [];
    try {
      const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      if (!Array.isArray(parsed)) return [];
      return parsed.filter(
        (e): e is Entry =>
          Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number' && e[1] > now,
      );
    } catch {
      return [];
    }
  }

  /** True when the cookie value carries a live approval of `clientId`. */
  async approved(cookie: string | undefined, clientId: string, now = Date.now()): Promise<boolean> {
    const hash = sha256(clientId);
    return (await this.#entries(cookie, now)).some(([h]) => h === hash);
  }

  /** The `Set-Cookie` value after approving `clientId`, keeping the other live approvals. */
  async approve(cookie: string | undefined, clientId: string, now = Date.now()): Promise<string> {
    const hash = sha256(clientId);
    const kept = (await this.#entries(cookie, now)).filter(([h]) => h !== hash);
    const entries = [...kept, [hash, now + CONSENT_MAX_AGE_S * 1000] as Entry].slice(-MAX_ENTRIES);
    const payload = Buffer.from(JSON.stringify(entries)).toString('base64url');
    const value = `${payload}.${await this.#sign(payload)}`;
    return `${CONSENT_COOKIE}=${value}; Path=/; Max-Age=${CONSENT_MAX_AGE_S}; Secure; HttpOnly; SameSite=Lax`;
  }
}

/** The value of cookie `name` in a `Cookie` request header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}
