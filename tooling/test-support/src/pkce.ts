import { calculatePKCECodeChallenge, generateRandomCodeVerifier } from 'oauth4webapi';

/** A PKCE pair for the S256 method (RFC 7636). */
export interface PkcePair {
  /** The random `code_verifier` (43 base64url characters). */
  readonly verifier: string;
  /** `BASE64URL(SHA256(verifier))`, sent as `code_challenge` with `code_challenge_method=S256`. */
  readonly challenge: string;
}

/** A fresh PKCE S256 pair: a random code verifier and its challenge. */
export async function pkcePair(): Promise<PkcePair> {
  const verifier = generateRandomCodeVerifier();
  return { verifier, challenge: await calculatePKCECodeChallenge(verifier) };
}
