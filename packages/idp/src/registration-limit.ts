import { TemporarilyUnavailableError } from '@portcullis/metadata';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { MemoryStore } from './memory-adapter.js';
import { ROUTES } from './provider-config.js';

type Next = () => Promise<unknown>;

/**
 * A provider middleware that refuses `POST /register` once `maxClients` dynamically registered clients are
 * stored. Registered clients never expire in the in-memory store, so without this bound open registration
 * would let anyone grow the process's memory for ever.
 *
 * The answer is `503` with `{"error":"temporarily_unavailable"}` and `Cache-Control: no-store`:
 * - RFC 7591 §3.2.2 defines only metadata errors (`invalid_client_metadata`, `invalid_redirect_uri`, …), all
 *   of which tell the client its *request* is wrong and must be changed; here the request is fine and the
 *   server is full, so none of them applies;
 * - `temporarily_unavailable` is the RFC 6749 error code for "the server is unable to handle the request due
 *   to a temporary overloading", which is the IANA-registered code closest to this situation, and its HTTP
 *   equivalent is 503 (RFC 6749 §4.1.2.1 maps it to 503; RFC 9110 §15.6.4);
 * - 429 would say *this client* sent too many requests, which is not the case: the limit is global.
 * oidc-provider's own `errors.TemporarilyUnavailable` renders with status 400, so the answer is written here,
 * before oidc-provider runs, from `@portcullis/metadata`'s `TemporarilyUnavailableError` (503).
 *
 * Registrations in flight count against the limit, so concurrent requests cannot overshoot it.
 */
export function limitRegistrations(store: MemoryStore, maxClients: number) {
  let pending = 0;
  return async (ctx: KoaContextWithOIDC, next: Next): Promise<void> => {
    if (ctx.method !== 'POST' || ctx.path !== ROUTES.registration) {
      await next();
      return;
    }
    if (store.count('Client') + pending >= maxClients) {
      const error = new TemporarilyUnavailableError(
        `client registration limit reached (${maxClients} clients); try again after clients are deleted (RFC 7592) or the identity provider restarts`,
      );
      ctx.status = error.status;
      ctx.set('cache-control', 'no-store');
      ctx.body = { error: error.error, error_description: error.error_description };
      return;
    }
    pending++;
    try {
      await next();
    } finally {
      pending--;
    }
  };
}
