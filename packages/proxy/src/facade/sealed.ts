import { hkdfSync } from 'node:crypto';
import { FlattenedEncrypt, flattenedDecrypt } from 'jose';
import type { JsonValue } from '../store.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A sealed store value: a flattened JWE (`dir`, `A256GCM`) whose additional data is the entry's key. */
interface SealedValue {
  readonly sealed: { protected: string; iv: string; ciphertext: string; tag: string };
}

/** True for a value {@link StoreSealer.seal} wrote. */
export function isSealed(value: unknown): value is SealedValue {
  const sealed = (value as { sealed?: unknown } | null)?.sealed;
  return (
    typeof sealed === 'object' &&
    sealed !== null &&
    typeof (sealed as { ciphertext?: unknown }).ciphertext === 'string'
  );
}

/**
 * Encrypts the secrets the facade keeps in the store (the IdP client credentials it registered) with a key
 * derived from `facade.storeKey` (HKDF-SHA-256), as JWE `dir` + `A256GCM` (jose). The entry's store key is
 * bound in as additional authenticated data, so a sealed value copied to another entry does not open. Values
 * sealed with one of `facade.previousStoreKeys` still open, so the key can be rotated.
 * @see https://www.rfc-editor.org/rfc/rfc7516#section-7.2.2
 * @see https://www.rfc-editor.org/rfc/rfc5869
 */
export class StoreSealer {
  /** The current key (the one that seals), then the previous ones: tried in this order to open a value. */
  readonly #keys: readonly [Uint8Array, ...Uint8Array[]];

  constructor(secret: string, previous: readonly string[] = []) {
    const derive = (s: string) =>
      new Uint8Array(hkdfSync('sha256', s, 'portcullis', 'facade store values', 32));
    this.#keys = [derive(secret), ...previous.map(derive)];
  }

  /** `value` encrypted and bound to `entry`. */
  async seal(entry: string, value: JsonValue): Promise<JsonValue> {
    const jwe = await new FlattenedEncrypt(encoder.encode(JSON.stringify(value)))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setAdditionalAuthenticatedData(encoder.encode(entry))
      .encrypt(this.#keys[0]);
    const { protected: header = '', iv = '', ciphertext, tag = '' } = jwe;
    return { sealed: { protected: header, iv, ciphertext, tag } };
  }

  /**
   * The plain value of a sealed `stored` entry; `undefined` when it opens with none of the keys (another key,
   * another entry, tampered) or is not sealed at all (written without `storeKey`): the caller then starts afresh.
   */
  async open(entry: string, stored: JsonValue | undefined): Promise<JsonValue | undefined> {
    if (!isSealed(stored)) return undefined;
    const jwe = { ...stored.sealed, aad: Buffer.from(entry).toString('base64url') };
    for (const key of this.#keys) {
      try {
        const { plaintext } = await flattenedDecrypt(jwe, key);
        return JSON.parse(decoder.decode(plaintext)) as JsonValue;
      } catch {
        // Not this key (or not a value of this entry): try the next one.
      }
    }
    return undefined;
  }
}
