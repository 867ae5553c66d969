import { isScopeToken, parseScope } from '@portcullis/metadata';
import type { JWTHeaderParameters } from 'jose';
import { AuthorizationServerUnavailableError, invalidToken } from './errors.js';
import { IntrospectionFailedError, type IntrospectionResponse, type Introspector } from './introspection.js';

// The checks of a token's header and claims, and of the introspection call, that `createTokenVerifier` runs.

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
export async function introspectOrFail(
  introspect: Introspector,
  token: string,
): Promise<IntrospectionResponse> {
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
export function checkTyp(header: JWTHeaderParameters, requireAtJwt: boolean): void {
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
export function scopesOf(claims: Record<string, unknown>): string[] {
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
  for (const item of scp) {
    if (typeof item !== 'string' || !isScopeToken(item)) {
      throw invalidToken(
        'the access token has a malformed scp claim: an item is not a single scope-token (RFC 6749 section 3.3)',
      );
    }
  }
  // A Set, not includes(): the claim comes from the token, so its length is not ours to choose.
  return [...new Set(scp as string[])];
}

/** Freeze `value` and everything it holds (plain JSON data: objects and arrays). */
export function deepFreeze<T>(value: T, seen = new WeakSet<object>()): T {
  if (typeof value !== 'object' || value === null || seen.has(value) || ArrayBuffer.isView(value))
    return value;
  seen.add(value);
  Object.freeze(value);
  for (const member of Object.values(value)) deepFreeze(member, seen);
  return value;
}
