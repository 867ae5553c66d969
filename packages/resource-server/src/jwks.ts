import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type FlattenedJWSInput,
  type JWTVerifyGetKey,
} from 'jose';
import { ResourceServerError } from './errors.js';

/** Options of {@link createResilientJwks}. */
export interface ResilientJwksOptions {
  /** Minimum time between two refetches caused by an unknown `kid`, and between retries after a failure. */
  readonly cooldownMs: number;
  /** Age after which the cached key set is refreshed. */
  readonly cacheMaxAgeMs: number;
  /** Timeout of one JWKS request. */
  readonly timeoutMs: number;
  /** Called each time a JWKS fetch fails (then the last good keys, if any, are used until the cooldown ends). */
  readonly onFetchError?: (error: unknown) => void;
  /**
   * The clock of the failure cooldown, in epoch milliseconds. Default: `Date.now()`. jose's own unknown-`kid`
   * cooldown and `cacheMaxAge` always read `Date.now()`.
   */
  readonly now?: () => number;
}

/**
 * Thrown by {@link createResilientJwks} when no key can be trusted because the JWKS endpoint failed (fetch
 * error, timeout, non-200, unusable body) or is still in its failure cooldown. `retryAfterMs` is the time left
 * in that cooldown.
 */
export class JwksUnavailableError extends ResourceServerError {
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number, cause?: unknown) {
    super('ERR_PORTCULLIS_RS_JWKS_UNAVAILABLE', message, cause === undefined ? {} : { cause });
    this.name = 'JwksUnavailableError';
    this.retryAfterMs = retryAfterMs;
  }
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
 * while the authorization server is briefly down, and does not hammer it while it is.
 *
 * jose alone throws once its cache is older than `cacheMaxAge` and the refetch fails, and its unknown-`kid`
 * cooldown counts from the last *successful* fetch, so a down JWKS endpoint is hit on every such request.
 * This wrapper remembers when a fetch failed and does not call the endpoint again until `cooldownMs` has
 * passed since that failure; meanwhile it answers from the last good key set, or, when there is none (the
 * endpoint has been down since start) or that set lacks the token's `kid`, throws {@link JwksUnavailableError}
 * (code `ERR_PORTCULLIS_RS_JWKS_UNAVAILABLE`) without any request.
 * @throws {JwksUnavailableError} when the keys cannot be fetched and the last good ones do not help.
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
  let lastFailure: unknown;
  let fallback: JWTVerifyGetKey | undefined;

  const rememberLastGood = (): JWTVerifyGetKey | undefined => {
    const jwks = remote.jwks();
    if (jwks !== undefined) fallback = createLocalJWKSet(jwks);
    return fallback;
  };
  const unavailable = (why: string, cause: unknown) =>
    new JwksUnavailableError(
      `the JWKS at ${jwksUri} ${why}; it is tried again ${options.cooldownMs} ms after the failure (jwt.cooldownMs)`,
      Math.max(0, failedAt + options.cooldownMs - now()),
      cause,
    );
  const fromLastGood = async (
    keys: JWTVerifyGetKey,
    header: Parameters<JWTVerifyGetKey>[0],
    token: FlattenedJWSInput,
  ) => {
    try {
      return await keys(header, token);
    } catch (error) {
      // The key may have been rotated in while the endpoint was down: not the token's fault.
      if (error instanceof errors.JWKSNoMatchingKey)
        throw unavailable('could not be fetched and the last good keys lack this kid', lastFailure);
      throw error;
    }
  };

  return async (header: Parameters<JWTVerifyGetKey>[0], token: FlattenedJWSInput) => {
    if (now() - failedAt < options.cooldownMs) {
      if (fallback !== undefined) return fromLastGood(fallback, header, token);
      throw unavailable('could not be fetched and no keys were ever loaded', lastFailure);
    }
    try {
      return await remote(header, token);
    } catch (error) {
      if (isKeySelectionError(error)) throw error;
      failedAt = now();
      lastFailure = error;
      options.onFetchError?.(error);
      const keys = rememberLastGood();
      if (keys === undefined) throw unavailable('could not be fetched and no keys were ever loaded', error);
      return fromLastGood(keys, header, token);
    }
  };
}
