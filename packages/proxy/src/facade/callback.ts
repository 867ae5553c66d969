import { isOAuthErrorCode } from '@portcullis/metadata';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JsonValue } from '../store.js';
import { NS, randomId } from './clients.js';
import { type FacadeContext, type RelayedAuthorization, redirectToClient } from './context.js';
import { sendErrorPage } from './pages.js';
import { clearRelayCookie, relayCookieMatches } from './relay-cookie.js';

/** What a proxy authorization code stands for, kept in the store until the client redeems it (once). */
export interface IssuedCode {
  readonly idp_code: string;
  readonly client_id: string;
  readonly redirect_uri: string;
  /** False when the authorization request left `redirect_uri` out; absent (older entries) counts as given. */
  readonly redirect_uri_given?: boolean | undefined;
  /** The client's S256 PKCE challenge, checked at `/token` before the code goes to the IdP. */
  readonly code_challenge?: string | undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

async function callback(context: FacadeContext, request: FastifyRequest, reply: FastifyReply) {
  const query = request.query as Record<string, unknown>;
  const state = text(query.state);
  if (state === undefined) {
    return sendErrorPage(reply, 400, 'invalid_request', 'the identity provider answered without state');
  }
  const relay = (await context.store.take(NS.relay, state)) as RelayedAuthorization | undefined;
  if (relay === undefined) {
    return sendErrorPage(
      reply,
      400,
      'invalid_request',
      'this sign-in answer is unknown, expired or was already used (state); start again from the application',
    );
  }
  reply.header('set-cookie', clearRelayCookie(state));
  // The answer must come back to the browser that was sent to the IdP: a sign-in link started elsewhere
  // (someone else's approved request) would otherwise deliver this user's code to that request's client.
  if (!relayCookieMatches(request.headers.cookie, state, relay.browser)) {
    request.log.warn(
      { client_id: relay.client_id },
      'facade: an IdP answer came back to another browser than the one that started it (relay cookie)',
    );
    return sendErrorPage(
      reply,
      400,
      'invalid_request',
      'this sign-in answer did not come back to the browser that started it; start again from the application',
    );
  }
  const toClient = (params: Record<string, string | undefined>) =>
    redirectToClient(reply, context, relay.redirect_uri, { ...params, state: relay.state });

  const metadata = await context.idp.metadata();
  const iss = text(query.iss);
  const issRequired = metadata.authorization_response_iss_parameter_supported === true;
  if ((issRequired || iss !== undefined) && iss !== context.idp.issuer) {
    request.log.warn(
      { client_id: relay.client_id, iss: iss ?? null },
      'facade: the IdP authorization response failed the RFC 9207 iss check',
    );
    return toClient({
      error: 'server_error',
      error_description: 'the identity provider response failed the issuer (iss) check',
    });
  }
  const error = text(query.error);
  if (error !== undefined) {
    return toClient({
      error: isOAuthErrorCode(error) ? error : 'server_error',
      error_description: text(query.error_description)?.slice(0, 500),
    });
  }
  const idpCode = text(query.code);
  if (idpCode === undefined) {
    return toClient({ error: 'server_error', error_description: 'the identity provider returned no code' });
  }
  const code = randomId();
  const issued: IssuedCode = {
    idp_code: idpCode,
    client_id: relay.client_id,
    redirect_uri: relay.redirect_uri,
    redirect_uri_given: relay.redirect_uri_given !== false,
    code_challenge: relay.code_challenge,
  };
  await context.store.set(NS.code, code, issued as unknown as JsonValue, context.facade.ttl.codeMs);
  return toClient({ code });
}

/**
 * The proxy's redirect URI at the IdP: checks the upstream `state` (exact, single-use, expiring, and coming
 * back to the browser that started it: PX-07) and the IdP's `iss` (RFC 9207), then sends the browser on to the client's `redirect_uri` with a proxy code, the
 * client's own `state` and the proxy's `iss` — so a 2026-07-28 client, which checks `iss` against the issuer
 * it discovered (the proxy), accepts it.
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2.4
 */
export async function callbackRoute(app: FastifyInstance, context: FacadeContext): Promise<void> {
  app.get(context.facade.callbackPath, (request, reply) => callback(context, request, reply));
}
