import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { ResolvedIdpOptions } from './options.js';

/** The private signing JWKS given to oidc-provider, and the cookie keys. */
export interface IdpKeys {
  jwks: { keys: JWK[] };
  cookieKeys: string[];
}

/**
 * Use the configured private signing keys, or generate one key pair for `signing.alg` (ES256 → P-256,
 * RS256 → RSA 2048) that lives as long as the process. Keys get a `kid` (their RFC 7638 thumbprint),
 * `use: "sig"` and `alg`; only their public halves appear at `jwks_uri`.
 * @see RFC 7517 §5, RFC 7638
 */
export async function loadKeys(options: ResolvedIdpOptions): Promise<IdpKeys> {
  const { alg } = options.signing;
  const given = options.signing.keys?.map((k) => ({ ...k }) as JWK);
  let keys: JWK[];
  if (given) {
    keys = given;
  } else {
    const { privateKey } = await generateKeyPair(alg, {
      extractable: true,
      ...(alg === 'RS256' ? { modulusLength: 2048 } : {}),
    });
    keys = [{ ...(await exportJWK(privateKey)), alg, use: 'sig' }];
  }
  for (const key of keys) {
    key.kid ??= await calculateJwkThumbprint(key);
    key.use ??= 'sig';
  }
  const cookieKeys = options.cookieKeys ? [...options.cookieKeys] : [randomBytes(32).toString('base64url')];
  return { jwks: { keys }, cookieKeys };
}
