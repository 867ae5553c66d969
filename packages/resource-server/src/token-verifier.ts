import { hash } from 'node:crypto';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { errors, type JWTPayload, jwtVerify } from 'jose';
import { AuthorizationServerUnavailableError, invalidToken } from './errors.js';
import { createIntrospector, type IntrospectionResponse, type Introspector } from './introspection.js';
import { createResilientJwks, JwksUnavailableError } from './jwks.js';
import { fingerprintOfDigest } from './logging.js';
import { checkTyp, deepFreeze, introspectOrFail, scopesOf } from './token-checks.js';
import {
  type ResolvedTokenVerifierOptions,
  resolveTokenVerifierOptions,
  type TokenVerifierOptionsInput,
} from './token-verifier-options.js';

/** The caller's identity as handed to tool handlers in `AuthInfo.extra` (`ctx.http?.authInfo?.extra`). */
export interface CallerIdentity {
  /** `sub` of the token: the end user (or the client, for client-credentials tokens). */
  readonly subject: string | undefined;
  /** `iss` of the token. */
  readonly issuer: string | undefined;
  /** `client_id` (or `azp`) of the token. */
  readonly clientId: string;
  /** Fingerprint of the token, safe to log. */
  readonly tokenFingerprint: string;
  /** All claims of the token (JWT payload or introspection answer). */
  readonly claims: Readonly<Record<string, unknown>>;
}

/**
 * Verifies an access token; every reason to refuse it is an `invalid_token` error, and an authorization
 * server that cannot be asked is a `temporarily_unavailable` (503) error.
 */
export interface TokenVerifier {
  /**
   * Verify `token` and return the `AuthInfo` the MCP SDK hands to handlers. `AuthInfo.token` holds the
   * token's fingerprint, not the token, so that handlers cannot pass it on (MCP forbids token passthrough).
   * The `AuthInfo` is deeply frozen (its `scopes`, `extra` and every claim; `resource` a fresh `URL` on every
   * read), so that a handler cannot change what later requests with the same token are allowed to do.
   * @throws {InvalidTokenError} for every reason the token is not acceptable.
   * @throws {TemporarilyUnavailableError} (503) when the JWKS or introspection endpoint cannot be used.
   */
  verify(token: string): Promise<AuthInfo>;
}

type VerifierOptions = ResolvedTokenVerifierOptions & { readonly onJwksError?: (error: unknown) => void };

function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the access token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'the access token was not issued for this resource';
    if (error.claim === 'iss') return 'the access token was not issued by a trusted authorization server';
    if (error.claim === 'nbf') return 'the access token is not valid yet';
    if (error.claim === 'exp') return 'the access token has no valid expiry';
    return `the access token's "${error.claim}" claim is invalid`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return 'the access token uses a signing algorithm that is not accepted';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the access token signature is invalid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'the access token is signed with an unknown key';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid)
    return 'the access token is malformed';
  if (error instanceof errors.JOSENotSupported)
    return 'the access token uses an unsupported algorithm or key';
  return 'the access token could not be verified';
}

function toAuthInfo(
  claims: Record<string, unknown>,
  fingerprint: string,
  options: VerifierOptions,
): AuthInfo {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const scopes = scopesOf(claims);
  const clientId = str(claims.client_id) ?? str(claims.azp) ?? str(claims.sub) ?? 'unknown';
  const identity: CallerIdentity = {
    subject: str(claims.sub),
    issuer: str(claims.iss),
    clientId,
    tokenFingerprint: fingerprint,
    // Nested claims are frozen in place: they belong to this verification (or to the introspection cache).
    claims: deepFreeze({ ...claims }),
  };
  const auth = {
    token: identity.tokenFingerprint,
    clientId,
    scopes: Object.freeze(scopes) as string[],
    expiresAt: typeof claims.exp === 'number' ? claims.exp : undefined,
    resourceMetadataUrl: options.resourceMetadataUrl,
    extra: Object.freeze({ ...identity }),
  };
  // A URL changes through its setters even when frozen: every read gets its own, so the frozen AuthInfo can
  // be shared between requests as it is.
  const resource = options.resource;
  Object.defineProperty(auth, 'resource', { enumerable: true, get: () => new URL(resource) });
  return Object.freeze(auth) as AuthInfo;
}

function checkIntrospection(answer: IntrospectionResponse, options: VerifierOptions, now: number): void {
  if (!answer.active) throw invalidToken('the access token is not active');
  if (typeof answer.token_type === 'string' && answer.token_type.toLowerCase() === 'refresh_token')
    throw invalidToken('the token is a refresh token, not an access token');
  if (answer.exp !== undefined && !(typeof answer.exp === 'number' && Number.isFinite(answer.exp)))
    throw invalidToken('the introspection answer for the access token has an exp that is not a number');
  const aud = answer.aud;
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(options.resource))
    throw invalidToken('the access token was not issued for this resource');
  if (answer.iss !== undefined && !options.issuers.includes(String(answer.iss))) {
    throw invalidToken('the access token was not issued by a trusted authorization server');
  }
  if (typeof answer.exp === 'number' && answer.exp * 1000 <= now)
    throw invalidToken('the access token has expired');
  if (typeof answer.nbf === 'number' && answer.nbf * 1000 > now)
    throw invalidToken('the access token is not valid yet');
}

/**
 * Build the verifier for JWT access tokens (JWKS, issuer, exact audience, `exp`/`nbf`/`iat` with clock skew,
 * `typ`, asymmetric algorithm allow-list, verified-token cache) and, when configured, RFC 7662 introspection
 * for opaque tokens, and for every token when `jwt` is not configured. Takes `resource`, `authorizationServers`, `issuers`, `jwt` and `introspection` as in
 * {@link resolveOptions}.
 * @throws {InvalidOptionsError} when the options are invalid.
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#token-handling
 */
export function createTokenVerifier(input: TokenVerifierOptionsInput): TokenVerifier {
  return tokenVerifierFor(resolveTokenVerifierOptions(input));
}

/** {@link createTokenVerifier} from options that are already resolved. */
export function tokenVerifierFor(options: VerifierOptions): TokenVerifier {
  const { jwt } = options;
  const now = options.now ?? (() => Date.now());
  const keys =
    jwt === undefined
      ? undefined
      : createResilientJwks(jwt.jwksUri, {
          cooldownMs: jwt.cooldownMs,
          cacheMaxAgeMs: jwt.cacheMaxAgeMs,
          timeoutMs: jwt.timeoutMs,
          onFetchError: options.onJwksError,
          now,
        });
  const introspect: Introspector | undefined =
    options.introspection === undefined ? undefined : createIntrospector({ ...options.introspection, now });

  // Everything but the clock is fixed for the verifier's lifetime: build it once, not per request.
  const jwtChecks =
    jwt === undefined
      ? undefined
      : {
          issuer: [...options.issuers],
          audience: options.resource,
          algorithms: [...jwt.algorithms],
          clockTolerance: jwt.clockToleranceSec,
          requiredClaims: ['exp', 'aud', 'iss'],
        };

  const verifyJwt = async (token: string): Promise<JWTPayload> => {
    if (jwt === undefined || jwtChecks === undefined || keys === undefined)
      throw invalidToken('JWT access tokens are not accepted');
    const at = now();
    let verified: Awaited<ReturnType<typeof jwtVerify>>;
    try {
      verified = await jwtVerify(token, keys, { ...jwtChecks, currentDate: new Date(at) });
    } catch (error) {
      if (error instanceof JwksUnavailableError) {
        throw new AuthorizationServerUnavailableError(
          "the authorization server's signing keys (JWKS) could not be fetched, so the access token could not be checked; retry later",
          error.retryAfterMs / 1000,
          error,
        );
      }
      throw invalidToken(describeJoseError(error), error);
    }
    const { payload, protectedHeader } = verified;
    checkTyp(protectedHeader, jwt.requireAtJwt);
    // jose checks `iat` only with `maxTokenAge`; a token from the future is as wrong as one past its `exp`.
    if (typeof payload.iat === 'number' && payload.iat * 1000 > at + jwt.clockToleranceSec * 1000)
      throw invalidToken(
        'the access token was issued in the future (iat is later than now plus the clock tolerance)',
      );
    return payload;
  };

  const introspectJwts = introspect !== undefined && options.introspection?.jwts === true;
  // A JWT that is also introspected is remembered no longer than an introspection answer would be.
  const verifiedTtlMs =
    jwt === undefined
      ? 0
      : introspectJwts
        ? Math.min(jwt.verifiedCacheTtlMs, options.introspection?.cacheMaxTtlMs ?? 0)
        : jwt.verifiedCacheTtlMs;
  const verified = new Map<string, { until: number; auth: AuthInfo }>();
  const remember = (key: string, auth: AuthInfo) => {
    if (jwt === undefined || verifiedTtlMs === 0 || auth.expiresAt === undefined) return;
    const until = Math.min(now() + verifiedTtlMs, auth.expiresAt * 1000);
    if (verified.size >= jwt.verifiedCacheMax) verified.delete(verified.keys().next().value as string);
    verified.set(key, { until, auth });
  };

  return {
    async verify(token) {
      // One-shot hash: no Hash object per request on the cache-hit path.
      const key = hash('sha256', token, 'base64url');
      const hit = verified.get(key);
      if (hit !== undefined) {
        if (hit.until > now()) return hit.auth;
        verified.delete(key);
      }
      const fingerprint = fingerprintOfDigest(Buffer.from(key, 'base64url'));
      // A JWT-shaped token is verified locally only when `jwt` is configured; otherwise the authorization
      // server decides (introspection), as for an opaque token.
      const looksLikeJwt = token.split('.').length === 3;
      if (introspect === undefined || (looksLikeJwt && jwt !== undefined)) {
        const auth = toAuthInfo(await verifyJwt(token), fingerprint, options);
        if (introspectJwts) {
          const answer = await introspectOrFail(introspect, token);
          if (!answer.active) {
            throw invalidToken('the access token is no longer active at the authorization server (revoked)');
          }
        }
        remember(key, auth);
        return auth;
      }
      const answer = await introspectOrFail(introspect, token);
      checkIntrospection(answer, options, now());
      return toAuthInfo({ ...answer }, fingerprint, options);
    },
  };
}
