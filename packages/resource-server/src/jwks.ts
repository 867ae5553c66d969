import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type FlattenedJWSInput,
  type JWTVerifyGetKey,
} from 'jose';

/** Options of {@link createResilientJwks}. */
export interface ResilientJwksOptions {
  /** Minimum time between two refetches caused by an unknown `kid`, and between retries after a failure. */
  readonly cooldownMs: number;
  /** Age after which the cached key set is refreshed. */
  readonly cacheMaxAgeMs: number;
  /** Timeout of one JWKS request. */
  readonly timeoutMs: number;
  /** Called when the JWKS endpoint fails and the last good keys are used instead. */
  readonly onFetchError?: (error: unknown) => void;
  /**
   * The clock of the failure cooldown, in epoch milliseconds. Default: `Date.now()`. jose's own unknown-`kid`
   * cooldown and `cacheMaxAge` always read `Date.now()`.
   */
  readonly now?: () => number;
}

/** Errors that come from the keys themselves, not from fetching them. */
function isKeySelectionError(error: unknown): boolean {
  return (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSENotSupported ||
    error instanceof errors.JOSEAlgNotAllowed
  );
}

/**
 * A remote JWKS (jose `createRemoteJWKSet` with `cooldownDuration` and `cacheMaxAge`) that keeps working
 * while the authorization server is briefly down.
 *
 * jose alone throws once its cache is older than `cacheMaxAge` and the refetch fails, and its unknown-`kid`
 * cooldown counts from the last *successful* fetch, so a down JWKS endpoint is hit on every such request.
 * This wrapper answers from the last good key set when a fetch fails, and does not call the endpoint again
 * until `cooldownMs` has passed since that failure.
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 * @see https://github.com/panva/jose/blob/main/docs/jwks/remote/functions/createRemoteJWKSet.md
 */
export function createResilientJwks(jwksUri: string, options: ResilientJwksOptions): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(new URL(jwksUri), {
    cooldownDuration: options.cooldownMs,
    cacheMaxAge: options.cacheMaxAgeMs,
    timeoutDuration: options.timeoutMs,
  });
  const now = options.now ?? (() => Date.now());
  let failedAt = Number.NEGATIVE_INFINITY;
  let fallback: JWTVerifyGetKey | undefined;

  const rememberLastGood = (): JWTVerifyGetKey | undefined => {
    const jwks = remote.jwks();
    if (jwks !== undefined) fallback = createLocalJWKSet(jwks);
    return fallback;
  };

  return async (header: Parameters<JWTVerifyGetKey>[0], token: FlattenedJWSInput) => {
    if (fallback !== undefined && now() - failedAt < options.cooldownMs) return fallback(header, token);
    try {
      return await remote(header, token);
    } catch (error) {
      if (isKeySelectionError(error)) throw error;
      failedAt = now();
      options.onFetchError?.(error);
      const keys = rememberLastGood();
      if (keys === undefined) throw error;
      return keys(header, token);
    }
  };
}
