import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { ConformanceError } from '../../errors.js';
import type { TokenSource } from './token-source.js';

/** A token the suite could make, or why it could not. */
export type TokenAttempt = { readonly token: string } | { readonly unavailable: string };

/** The tokens the checks present: a valid one from the token source, and bad ones forged by the suite. */
export interface TokenKit {
  /** How valid tokens are obtained, for the report. */
  readonly describe: string;
  /** A valid token for the MCP URL (cached). */
  valid(): Promise<TokenAttempt>;
  /** A token from the trusted AS for another resource (the token source, or the signing key). */
  otherAudience(): Promise<TokenAttempt>;
  /** A token from the trusted AS with no `aud` (signing key only). */
  noAudience(): Promise<TokenAttempt>;
  /** A token from the trusted AS that expired an hour ago (signing key only). */
  expired(): Promise<TokenAttempt>;
  /** The valid token's claims, signed by a key the suite made up, with another `iss`. */
  otherIssuer(): Promise<TokenAttempt>;
  /** The valid token with one character of its signature changed. */
  alteredSignature(): Promise<TokenAttempt>;
  /** The valid token's claims with `alg: none` and no signature. */
  unsigned(): Promise<TokenAttempt>;
  /** A valid token of a second caller (another user or client), from the second token source (cached). */
  second(): Promise<TokenAttempt>;
  close(): Promise<void>;
}

/** What the kit needs to know about the target. */
export interface TokenKitTarget {
  readonly resource: string;
  readonly otherResource: string;
  /** The trusted issuer (from discovery), for tokens forged with the signing key. */
  readonly issuer: () => Promise<string | undefined>;
  readonly scope: () => Promise<string | undefined>;
}

function memo<T>(compute: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= compute();
    return value;
  };
}

const failed = (error: unknown): TokenAttempt => ({
  unavailable: error instanceof Error ? error.message : String(error),
});

async function loadSigningKey(path: string) {
  let jwk: JWK;
  try {
    jwk = JSON.parse(await readFile(path, 'utf8')) as JWK;
  } catch (error) {
    throw new ConformanceError(
      'ERR_PORTCULLIS_TOKEN_SOURCE',
      `cannot read the signing key ${path}: ${(error as Error).message}`,
    );
  }
  const alg = jwk.alg ?? (jwk.kty === 'RSA' ? 'RS256' : 'ES256');
  return { key: await importJWK(jwk, alg), alg, kid: jwk.kid };
}

/** Build the token kit from an optional token source and an optional signing-key file. */
export function createTokenKit(
  target: TokenKitTarget,
  source: TokenSource | undefined,
  signingKeyPath: string | undefined,
  secondSource?: TokenSource,
): TokenKit {
  const signer = signingKeyPath === undefined ? undefined : memo(() => loadSigningKey(signingKeyPath));
  const forge = async (claims: Record<string, unknown>): Promise<TokenAttempt> => {
    if (signer === undefined) return { unavailable: 'needs --signing-key (the trusted AS key) to forge it' };
    try {
      const issuer = await target.issuer();
      const scope = await target.scope();
      const { key, alg, kid } = await signer();
      const now = Math.floor(Date.now() / 1000);
      const payload = {
        iss: issuer,
        sub: 'portcullis-conformance',
        client_id: 'portcullis-conformance',
        ...(scope === undefined ? {} : { scope }),
        iat: now,
        exp: now + 300,
        jti: randomUUID(),
        ...claims,
      };
      const token = await new SignJWT(payload)
        .setProtectedHeader({ alg, typ: 'at+jwt', ...(kid === undefined ? {} : { kid }) })
        .sign(key);
      return { token };
    } catch (error) {
      return failed(error);
    }
  };
  const valid = memo(async (): Promise<TokenAttempt> => {
    if (source !== undefined) return source.get(target.resource).then((token) => ({ token }), failed);
    if (signer !== undefined) return forge({ aud: target.resource });
    return {
      unavailable: 'no token source: pass --token-command, --client-credentials, --login or --signing-key',
    };
  });
  const claimsOfValid = async (): Promise<
    { token: string; claims: Record<string, unknown> } | TokenAttempt
  > => {
    const attempt = await valid();
    if (!('token' in attempt)) return attempt;
    try {
      return { token: attempt.token, claims: decodeJwt(attempt.token) };
    } catch {
      return { unavailable: 'the valid token is not a JWT, so it cannot be altered' };
    }
  };
  return {
    describe:
      [source?.describe, signingKeyPath === undefined ? undefined : 'signing key']
        .filter(Boolean)
        .join(' + ') || 'none',
    valid,
    otherAudience: memo(async () => {
      if (source !== undefined) {
        const attempt = await source.get(target.otherResource).then((token) => ({ token }), failed);
        if ('token' in attempt || signer === undefined) return attempt;
      }
      return forge({ aud: target.otherResource });
    }),
    noAudience: memo(() => forge({})),
    expired: memo(() => {
      const now = Math.floor(Date.now() / 1000);
      return forge({ aud: target.resource, iat: now - 7200, nbf: now - 7200, exp: now - 3600 });
    }),
    otherIssuer: memo(async () => {
      const base = await claimsOfValid();
      const claims = 'claims' in base ? base.claims : { sub: 'portcullis-conformance', aud: target.resource };
      const { privateKey } = await generateKeyPair('ES256');
      const token = await new SignJWT({ ...claims, iss: 'https://untrusted-issuer.invalid' })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: randomUUID() })
        .sign(privateKey);
      return { token };
    }),
    alteredSignature: memo(async () => {
      const attempt = await valid();
      if (!('token' in attempt)) return attempt;
      const parts = attempt.token.split('.');
      // A JWT gets one signature character changed; an opaque token one character in its middle.
      const target = parts.length === 3 ? 2 : 0;
      const text = parts.length === 3 ? (parts[2] ?? '') : attempt.token;
      const at = Math.floor(text.length / 2);
      const altered = `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;
      if (parts.length !== 3) return { token: altered };
      parts[target] = altered;
      return { token: parts.join('.') };
    }),
    unsigned: memo(async () => {
      const base = await claimsOfValid();
      if (!('claims' in base)) return base;
      const header = { ...decodeProtectedHeader(base.token), alg: 'none' };
      const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      return { token: `${encode(header)}.${encode(base.claims)}.` };
    }),
    second: memo(async () => {
      if (secondSource === undefined) {
        return {
          unavailable:
            'needs a second caller: pass --second-token-command, --second-client-credentials or --second-login',
        };
      }
      return secondSource.get(target.resource).then((token) => ({ token }), failed);
    }),
    close: async () => {
      await source?.close?.();
      await secondSource?.close?.();
    },
  };
}
