import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Account, AccountClaims, FindAccount } from 'oidc-provider';
import { IdpError } from './errors.js';
import type { IdpUser } from './options.js';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

const COST = { N: 16_384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function parseHash(encoded: string): ParsedHash {
  const [scheme, n, r, p, salt, hash] = encoded.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) {
    throw new IdpError(
      'ERR_PORTCULLIS_IDP_BAD_PASSWORD_HASH',
      'password hash must look like scrypt$N$r$p$salt$hash',
    );
  }
  return {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    salt: Buffer.from(salt, 'base64url'),
    hash: Buffer.from(hash, 'base64url'),
  };
}

async function derive(password: string, h: Omit<ParsedHash, 'hash'>, length: number): Promise<Buffer> {
  return scryptAsync(password, h.salt, length, { N: h.N, r: h.r, p: h.p, maxmem: 256 * h.N * h.r });
}

/**
 * Hash a password for the `users[].passwordHash` option: `scrypt$N$r$p$salt$hash` (base64url parts).
 * @see RFC 7914 (scrypt)
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, { ...COST, salt }, KEY_LENGTH);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

interface StoredUser {
  user: IdpUser;
  sub: string;
  hash: ParsedHash;
}

/** The seeded end-users: password check in constant time, and oidc-provider's `findAccount`. */
export class AccountStore {
  readonly #byName = new Map<string, StoredUser>();
  readonly #bySub = new Map<string, StoredUser>();
  // Compared against when the username is unknown, so both paths cost one scrypt run.
  #dummy: ParsedHash | undefined;

  static async create(users: readonly IdpUser[]): Promise<AccountStore> {
    const store = new AccountStore();
    const entries = await Promise.all(
      users.map(async (user) => {
        const encoded = user.passwordHash ?? (await hashPassword(user.password ?? ''));
        return { user, sub: user.sub ?? user.username, hash: parseHash(encoded) };
      }),
    );
    for (const entry of entries) {
      store.#byName.set(entry.user.username, entry);
      store.#bySub.set(entry.sub, entry);
    }
    store.#dummy = entries[0]?.hash ?? parseHash(await hashPassword(randomBytes(16).toString('hex')));
    return store;
  }

  /** The account `sub` when the username and password match, otherwise undefined. */
  async verify(username: string, password: string): Promise<string | undefined> {
    const entry = this.#byName.get(username);
    const hash = entry?.hash ?? this.#dummy;
    if (!hash) return undefined;
    const actual = await derive(password, hash, hash.hash.length);
    const same = actual.length === hash.hash.length && timingSafeEqual(actual, hash.hash);
    return entry && same ? entry.sub : undefined;
  }

  /** The display name of an account (for pages). */
  displayName(sub: string): string | undefined {
    const entry = this.#bySub.get(sub);
    return entry ? (entry.user.name ?? entry.user.username) : undefined;
  }

  /** oidc-provider `findAccount`: OIDC claims `sub`, `name`, `preferred_username`, `email`. */
  readonly findAccount: FindAccount = (_ctx, sub) => {
    const entry = this.#bySub.get(sub);
    if (!entry) return undefined;
    const account: Account = {
      accountId: entry.sub,
      claims: (): AccountClaims => ({
        sub: entry.sub,
        name: entry.user.name,
        preferred_username: entry.user.username,
        email: entry.user.email,
        email_verified: entry.user.email === undefined ? undefined : false,
      }),
    };
    return account;
  };
}
