import {
  type AuthorizationServer,
  allowInsecureRequests,
  type Client,
  ClientSecretBasic,
  introspectionRequest,
  processIntrospectionResponse,
} from 'oauth4webapi';
import { ResourceServerError } from './errors.js';
import { tokenFingerprint } from './logging.js';

/** Options of {@link createIntrospector}. */
export interface IntrospectorOptions {
  readonly endpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Upper bound on caching one answer; an answer is never cached past the token's `exp`. */
  readonly cacheMaxTtlMs: number;
  readonly timeoutMs: number;
  /** Most answers kept at once; the oldest entry is dropped first. */
  readonly maxEntries?: number;
  /** The clock of the cache, in epoch milliseconds. Default: `Date.now()`. */
  readonly now?: () => number;
}

/** The members of an RFC 7662 introspection response this package reads; others are kept. */
export interface IntrospectionResponse {
  readonly active: boolean;
  readonly [claim: string]: unknown;
}

/**
 * Thrown by {@link createIntrospector} (code `ERR_PORTCULLIS_RS_INTROSPECTION_FAILED`) when the endpoint gave
 * no RFC 7662 answer. `status` is its HTTP status (undefined when it could not be reached or timed out) and
 * `oauthError` the `error` of an RFC 6749 error body, when it sent one.
 */
export class IntrospectionFailedError extends ResourceServerError {
  readonly status: number | undefined;
  readonly oauthError: string | undefined;

  constructor(message: string, status: number | undefined, cause: unknown) {
    super('ERR_PORTCULLIS_RS_INTROSPECTION_FAILED', message, { cause });
    this.name = 'IntrospectionFailedError';
    this.status = status;
    const error = (cause as { error?: unknown } | undefined)?.error;
    this.oauthError = typeof error === 'string' ? error : undefined;
  }
}

/** Looks a token up at the introspection endpoint, with a bounded cache. */
export type Introspector = (token: string) => Promise<IntrospectionResponse>;

/**
 * RFC 7662 token introspection with client credentials (`client_secret_basic`), done by oauth4webapi
 * (`introspectionRequest` / `processIntrospectionResponse`). Active answers are cached by token fingerprint
 * for at most `cacheMaxTtlMs` and never past their `exp`; inactive answers, and answers whose `exp` is not a
 * number, are not cached.
 * @throws {IntrospectionFailedError} `ERR_PORTCULLIS_RS_INTROSPECTION_FAILED` when the endpoint cannot be used.
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 */
export function createIntrospector(options: IntrospectorOptions): Introspector {
  const cache = new Map<string, { until: number; value: IntrospectionResponse }>();
  const maxEntries = options.maxEntries ?? 10_000;
  const clock = options.now ?? (() => Date.now());
  // Only `introspection_endpoint` is used. The options schema already allows http for loopback only.
  const as: AuthorizationServer = {
    issuer: new URL(options.endpoint).origin,
    introspection_endpoint: options.endpoint,
  };
  const client: Client = { client_id: options.clientId };
  const auth = ClientSecretBasic(options.clientSecret);
  const insecure = new URL(options.endpoint).protocol === 'http:';

  const ask = async (token: string): Promise<IntrospectionResponse> => {
    let response: Response;
    try {
      response = await introspectionRequest(as, client, auth, token, {
        additionalParameters: { token_type_hint: 'access_token' },
        signal: AbortSignal.timeout(options.timeoutMs),
        [allowInsecureRequests]: insecure,
      });
    } catch (cause) {
      throw new IntrospectionFailedError(
        `the introspection endpoint ${options.endpoint} could not be reached; check introspection.endpoint and that the authorization server is up`,
        undefined,
        cause,
      );
    }
    try {
      return (await processIntrospectionResponse(as, client, response)) as IntrospectionResponse;
    } catch (cause) {
      throw new IntrospectionFailedError(
        `the introspection endpoint ${options.endpoint} answered ${response.status} without an RFC 7662 body; check introspection.clientId and clientSecret`,
        response.status,
        cause,
      );
    }
  };

  return async (token) => {
    const key = tokenFingerprint(token);
    const now = clock();
    const hit = cache.get(key);
    if (hit !== undefined && hit.until > now) return hit.value;
    cache.delete(key);
    const value = await ask(token);
    // An `exp` that is not a number is refused by the verifier: never cache such an answer.
    if (value.exp !== undefined && !(typeof value.exp === 'number' && Number.isFinite(value.exp)))
      return value;
    const exp = typeof value.exp === 'number' ? value.exp * 1000 : Number.POSITIVE_INFINITY;
    const until = Math.min(now + options.cacheMaxTtlMs, exp);
    if (value.active && until > now) {
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
      cache.set(key, { until, value });
    }
    return value;
  };
}
