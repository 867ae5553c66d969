import { InvalidTokenError } from '@portcullis/metadata';
import {
  DEFAULT_CLOCK_TOLERANCE_S,
  extractBearerToken,
  type TokenVerifier,
} from '@portcullis/resource-server';
import type { FastifyRequest } from 'fastify';
import { readMcpBody } from './jsonrpc.js';
import type { ProxyMetrics } from './metrics.js';
import type { ResolvedProxyOptions } from './options.js';

/** Why a stream was ended before its upstream ended it. */
export type StreamEndReason = 'token_expired' | 'token_inactive';

/**
 * Ends open-ended streams when the token that opened them stops being accepted: a stream is authorized once,
 * when it opens, and may then run for hours after the token expired or was revoked. The client reconnects with
 * a fresh token (SSE `GET` streams: `Last-Event-ID`; `subscriptions/listen`: a new listen request).
 */
export interface StreamTokenGuard {
  /**
   * Watch the token of `request` (already verified by the kit) for as long as its stream is open; `end` is
   * called at most once, when the kit would refuse the token (`exp`, plus `idp.clockToleranceSec` without
   * introspection) or a recheck finds it inactive. Returns the function that stops watching (call it when
   * the stream closes for any other reason).
   */
  watch(request: FastifyRequest, end: (reason: StreamEndReason) => void): () => void;
}

/** Longest delay a Node.js timer accepts (2^31 − 1 ms, about 24.8 days); a later expiry is re-armed. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Whether the response to `request` is an open-ended stream: a `GET` (the SSE stream of Streamable HTTP, or
 * of the 2024-11-05 transport) or a POST holding a 2026-07-28 `subscriptions/listen` request. Answers to other requests run
 * to their end even when they stream: the request was authorized, and cutting it would lose its result.
 */
export function isOpenEndedStream(request: FastifyRequest): boolean {
  if (request.method === 'GET') return true;
  const body = request.method === 'POST' ? readMcpBody(request.body) : undefined;
  // In a batch too: the stream of a batch holding a listen request does not end either.
  return body?.messages.some((message) => message.method === 'subscriptions/listen') === true;
}

/** The request's bearer token (already verified by the kit), or `undefined` if it carries none. */
function bearerOf(request: FastifyRequest): string | undefined {
  try {
    return extractBearerToken(request.raw);
  } catch {
    return undefined;
  }
}

/**
 * The guard of `options.streams`. Rechecks run only with `idp.introspection`: a JWT verified once stays valid
 * until its `exp`, which the expiry timer covers. A recheck that cannot reach the IdP keeps the stream (new
 * requests get 503 meanwhile) and tries again at the next interval.
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
 */
export function createStreamTokenGuard(
  options: ResolvedProxyOptions,
  verifier: TokenVerifier,
  metrics: ProxyMetrics,
): StreamTokenGuard {
  const { endAtTokenExpiry, recheckMs } = options.streams;
  const recheck = options.idp.introspection !== undefined && recheckMs > 0;
  // The kit accepts a JWT until exp + its clock tolerance; ending the stream earlier would let the client
  // reconnect at once with the same token and be ended again, in a loop, until the tolerance runs out. With
  // introspection every token is also refused from its exp on (the IdP's word), so there is no tolerance.
  const toleranceMs =
    options.idp.introspection === undefined
      ? (options.idp.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_S) * 1000
      : 0;
  return {
    watch(request, end) {
      const expiresAt = request.mcpAuth?.expiresAt;
      const token = recheck ? bearerOf(request) : undefined;
      let expiry: NodeJS.Timeout | undefined;
      let next: NodeJS.Timeout | undefined;
      let done = false;
      const stop = () => {
        done = true;
        clearTimeout(expiry);
        clearTimeout(next);
      };
      const finish = (reason: StreamEndReason) => {
        if (done) return;
        stop();
        metrics.streamsEnded.inc({ reason });
        request.log.info(
          { reason },
          reason === 'token_expired'
            ? 'stream ended: the token that opened it expired'
            : 'stream ended: the IdP no longer finds the token that opened it active',
        );
        end(reason);
      };
      const arm = () => {
        if (expiresAt === undefined) return;
        // Never synchronous: the caller has not finished setting its stream up.
        const left = Math.max(0, expiresAt * 1000 + toleranceMs - Date.now());
        expiry = setTimeout(
          left > MAX_TIMER_MS ? arm : () => finish('token_expired'),
          Math.min(left, MAX_TIMER_MS),
        );
        expiry.unref();
      };
      if (endAtTokenExpiry) arm();
      if (token !== undefined) {
        // The next check is planned once this one has settled: a slow IdP never has two checks of one stream.
        const schedule = () => {
          if (done) return;
          next = setTimeout(() => {
            verifier.verify(token).then(schedule, (error: unknown) => {
              if (done) return;
              if (error instanceof InvalidTokenError) return finish('token_inactive');
              request.log.warn(
                { err: error },
                'could not recheck the token of an open stream; it stays open until the next check',
              );
              schedule();
            });
          }, recheckMs);
          next.unref();
        };
        schedule();
      }
      return stop;
    },
  };
}
