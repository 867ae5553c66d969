import { hash } from 'node:crypto';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { isScopeToken, parseScope } from '@portcullis/metadata';
import { errors, type JWTHeaderParameters, type JWTPayload, jwtVerify } from 'jose';
import { AuthorizationServerUnavailableError, invalidToken } from './errors.js';
import {
  createIntrospector,
  IntrospectionFailedError,
  type IntrospectionResponse,
  type Introspector,
} from './introspection.js';
import { createResilientJwks, JwksUnavailableError } from './jwks.js';
import { fingerprintOfDigest } from './logging.js';
import {
  type ResolvedTokenVerifierOptions,
  resolveTokenVerifierOptions,
  type TokenVerifierOptionsInput,
} from './options.js';

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
   * The `AuthInfo` is deeply frozen (its `scopes`, `extra` and every claim; `resource` is a fresh `URL` per
   * call), so that a handler cannot change what later requests with the same token are allowed to do.
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

/** `Retry-After` after a failed introspection request, in seconds. */
const INTROSPECTION_RETRY_AFTER_S = 5;

/** An RFC 6749 `error` code plain enough to quote in an error description. */
const QUOTABLE_ERROR = /^[a-z_]{1,40}$/;

/**
 * Statuses of the introspection endpoint that say nothing about the token: the resource server's own
 * credentials or rights (401, 403), a timeout (408), rate limiting (429). Other 4xx answers refuse the token.
 */
const NOT_ABOUT_THE_TOKEN = new Set([401, 403, 408, 429]);

/**
 * Introspect `token`. When the endpoint refuses this token with a 4xx OAuth error (e.g. oidc-provider's
 * `unsupported_token_type` for JWTs) the token is refused (`invalid_token`, fail closed); when it cannot be
 * reached, times out, answers 5xx, 401/403/408/429 or a 200 without an RFC 7662 body, the token can be neither
 * accepted nor refused: 503.
 */
async function introspectOrFail(introspect: Introspector, token: string): Promise<IntrospectionResponse> {
  try {
    return await introspect(token);
  } catch (error) {
    if (error instanceof IntrospectionFailedError) {
      const { status, oauthError } = error;
      if (status !== undefined && status >= 400 && status < 500 && !NOT_ABOUT_THE_TOKEN.has(status)) {
        const why =
          oauthError !== undefined && QUOTABLE_ERROR.test(oauthError) ? oauthError : `HTTP ${status}`;
        throw invalidToken(`the authorization server refused to introspect the access token (${why})`, error);
      }
    }
    throw new AuthorizationServerUnavailableError(
      "the authorization server's introspection endpoint could not be used, so the access token could not be checked; retry later",
      INTROSPECTION_RETRY_AFTER_S,
      error,
    );
  }
}

/** A `typ` value short and plain enough to quote in an error description. */
const QUOTABLE_TYP = /^[A-Za-z0-9!#$&^_.+/-]{1,64}$/;

/**
 * Refuse a JWT that is typed as something other than an access token (a DPoP proof, a logout token, a
 * security event token, …). `typ` is a media type: compared case-insensitively, `application/` optional
 * (RFC 7515 §4.1.9). Accepted: `at+jwt` (RFC 9068 §2.1) and, unless `requireAtJwt`, `JWT` (Keycloak,
 * Entra ID) or no `typ`.
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 * @see https://www.rfc-editor.org/rfc/rfc8725#section-3.11
 */
function checkTyp(header: JWTHeaderParameters, requireAtJwt: boolean): void {
  const typ: unknown = header.typ;
  if (typ === undefined) {
    if (!requireAtJwt) return;
    throw invalidToken(
      'the access token has no typ header; only at+jwt access tokens (RFC 9068) are accepted',
    );
  }
  let type = typeof typ === 'string' ? typ.toLowerCase() : '';
  if (type.startsWith('application/') && !type.slice('application/'.length).includes('/'))
    type = type.slice('application/'.length);
  if (type === 'at+jwt' || (type === 'jwt' && !requireAtJwt)) return;
  const shown = typeof typ === 'string' && QUOTABLE_TYP.test(typ) ? typ : 'an unexpected value';
  throw invalidToken(
    requireAtJwt
      ? `the access token has typ ${shown}; only at+jwt access tokens (RFC 9068) are accepted`
      : `the token has typ ${shown}, which is not an access token type; only at+jwt (RFC 9068) or JWT is accepted`,
  );
}

/**
 * The token's scopes: `scp` (Entra ID, Okta: a space-separated string or an array of scope-tokens) when
 * present, else `scope` (a space-separated string, RFC 9068 §2.2.3).
 * @throws {InvalidTokenError} when either claim is malformed; an `scp` item is never split.
 */
function scopesOf(claims: Record<string, unknown>): string[] {
  const { scope, scp } = claims;
  try {
    if (scope !== undefined && typeof scope !== 'string') throw new TypeError('scope is not a string');
    if (scp === undefined) return parseScope(scope ?? '');
    if (typeof scp === 'string') return parseScope(scp);
  } catch (cause) {
    throw invalidToken('the access token has a malformed scope claim', cause);
  }
  if (!Array.isArray(scp)) {
    throw invalidToken('the access token has a malformed scp claim: neither a string nor an array of scopes');
  }
  const scopes: string[] = [];
  for (const item of scp) {
    if (typeof item !== 'string' || !isScopeToken(item)) {
      throw invalidToken(
        'the access token has a malformed scp claim: an item is not a single scope-token (RFC 6749 section 3.3)',
      );
    }
    if (!scopes.includes(item)) scopes.push(item);
  }
  return scopes;
}

/** Freeze `value` and everything it holds (plain JSON data: objects and arrays). */
function deepFreeze<T>(value: T, seen = new WeakSet<object>()): T {
  if (typeof value !== 'object' || value === null || seen.has(value) || ArrayBuffer.isView(value))
    return value;
  seen.add(value);
  Object.freeze(value);
  for (const member of Object.values(value)) deepFreeze(member, seen);
  return value;
}

/** What `verify` hands out, without `resource` (a URL stays mutable through its setters even when frozen). */
type VerifiedAuth = Readonly<Omit<AuthInfo, 'resource'>>;

function toAuthInfo(
  claims: Record<string, unknown>,
  fingerprint: string,
  options: VerifierOptions,
): VerifiedAuth {
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
  return Object.freeze({
    token: identity.tokenFingerprint,
    clientId,
    scopes: Object.freeze(scopes) as string[],
    expiresAt: typeof claims.exp === 'number' ? claims.exp : undefined,
    resourceMetadataUrl: options.resourceMetadataUrl,
    extra: Object.freeze({ ...identity }),
  });
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
  const verified = new Map<string, { until: number; auth: VerifiedAuth }>();
  const remember = (key: string, auth: VerifiedAuth) => {
    if (jwt === undefined || verifiedTtlMs === 0 || auth.expiresAt === undefined) return;
    const until = Math.min(now() + verifiedTtlMs, auth.expiresAt * 1000);
    if (verified.size >= jwt.verifiedCacheMax) verified.delete(verified.keys().next().value as string);
    verified.set(key, { until, auth });
  };

  // Everything in a verified AuthInfo is frozen and may be shared between requests, except `resource`.
  const handOut = (auth: VerifiedAuth): AuthInfo =>
    Object.freeze({ ...auth, resource: new URL(options.resource) });

  return {
    async verify(token) {
      // One-shot hash: no Hash object per request on the cache-hit path.
      const key = hash('sha256', token, 'base64url');
      const hit = verified.get(key);
      if (hit !== undefined) {
        if (hit.until > now()) return handOut(hit.auth);
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
        return handOut(auth);
      }
      const answer = await introspectOrFail(introspect, token);
      checkIntrospection(answer, options, now());
      return handOut(toAuthInfo({ ...answer }, fingerprint, options));
    },
  };
}
