import { hash } from 'node:crypto';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { parseScope } from '@portcullis/metadata';
import { errors, type JWTPayload, jwtVerify } from 'jose';
import { invalidToken, ResourceServerError } from './errors.js';
import { createIntrospector, type IntrospectionResponse, type Introspector } from './introspection.js';
import { createResilientJwks } from './jwks.js';
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

/** Verifies an access token; every failure is an `invalid_token` error. */
export interface TokenVerifier {
  /**
   * Verify `token` and return the `AuthInfo` the MCP SDK hands to handlers. `AuthInfo.token` holds the
   * token's fingerprint, not the token, so that handlers cannot pass it on (MCP forbids token passthrough).
   * @throws {InvalidTokenError} for every reason the token is not acceptable.
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
  return "the authorization server's signing keys could not be loaded";
}

async function introspectOrFail(introspect: Introspector, token: string): Promise<IntrospectionResponse> {
  try {
    return await introspect(token);
  } catch (error) {
    if (error instanceof ResourceServerError)
      throw invalidToken('the access token could not be introspected', error);
    throw invalidToken('the access token could not be verified', error);
  }
}

function toAuthInfo(
  claims: Record<string, unknown>,
  fingerprint: string,
  options: VerifierOptions,
): AuthInfo {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  let scopes: string[];
  try {
    if (claims.scope !== undefined && typeof claims.scope !== 'string')
      throw new TypeError('scope is not a string');
    if (claims.scp !== undefined && !Array.isArray(claims.scp)) throw new TypeError('scp is not an array');
    scopes = Array.isArray(claims.scp)
      ? parseScope(claims.scp.map(String).join(' '))
      : parseScope(str(claims.scope) ?? '');
  } catch (cause) {
    throw invalidToken('the access token has a malformed scope claim', cause);
  }
  const clientId = str(claims.client_id) ?? str(claims.azp) ?? str(claims.sub) ?? 'unknown';
  const identity: CallerIdentity = {
    subject: str(claims.sub),
    issuer: str(claims.iss),
    clientId,
    tokenFingerprint: fingerprint,
    claims: Object.freeze({ ...claims }),
  };
  return {
    token: identity.tokenFingerprint,
    clientId,
    scopes,
    expiresAt: typeof claims.exp === 'number' ? claims.exp : undefined,
    resource: new URL(options.resource),
    resourceMetadataUrl: options.resourceMetadataUrl,
    extra: { ...identity },
  };
}

function checkIntrospection(answer: IntrospectionResponse, options: VerifierOptions, now: number): void {
  if (!answer.active) throw invalidToken('the access token is not active');
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
 * Build the verifier for JWT access tokens (JWKS, issuer, exact audience, `exp`/`nbf` with clock skew,
 * asymmetric algorithm allow-list, verified-token cache) and, when configured, RFC 7662 introspection for
 * opaque tokens. Takes `resource`, `authorizationServers`, `issuers`, `jwt` and `introspection` as in
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
    if (jwtChecks === undefined || keys === undefined)
      throw invalidToken('JWT access tokens are not accepted');
    try {
      const { payload } = await jwtVerify(token, keys, { ...jwtChecks, currentDate: new Date(now()) });
      return payload;
    } catch (error) {
      throw invalidToken(describeJoseError(error), error);
    }
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
      const looksLikeJwt = token.split('.').length === 3;
      if (looksLikeJwt || introspect === undefined) {
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
