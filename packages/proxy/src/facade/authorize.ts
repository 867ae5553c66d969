import { InvalidClientError, isScopeToken } from '@portcullis/metadata';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JsonValue } from '../store.js';
import { type FacadeClient, NS, randomId } from './clients.js';
import { CONSENT_COOKIE, readCookie } from './consent-cookie.js';
import {
  FACADE_PATHS,
  type FacadeContext,
  isOurResource,
  type PendingAuthorization,
  redirectToClient,
} from './context.js';
import { renderConsent, sendErrorPage, sendPage } from './pages.js';
import { matchRedirectUri } from './redirect-uri.js';
import { bindRelayToBrowser } from './relay-cookie.js';

const PKCE_CHALLENGE = /^[A-Za-z0-9._~-]{43,128}$/;

type Query = Record<string, string | string[] | undefined>;

/** A parameter given once; `null` when repeated (RFC 6749 §3.1: parameters MUST NOT be included more than once). */
function single(query: Query, name: string): string | undefined | null {
  const value = query[name];
  if (Array.isArray(value)) return null;
  return value === '' ? undefined : value;
}

/**
 * Build the redirect to the IdP for an accepted request: a fresh upstream `state` (random, single-use, short
 * lived; stored only now, after consent: PX-07) bound to this browser by a cookie (the callback accepts it
 * only from the browser that started it), the client's PKCE challenge (kept end to end), the proxy's
 * callback as `redirect_uri`, and the proxy's MCP URL as RFC 8707 `resource`. Returns the IdP URL and the
 * `Set-Cookie` value to send with the redirect.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/security_best_practices#oauth-state-parameter-validation
 */
export async function startRelay(
  context: FacadeContext,
  pending: PendingAuthorization,
): Promise<{ target: string; setCookie: string }> {
  const { client_id, client_name, cimd } = pending;
  const upstream = await context.upstreams.for({ client_id, client_name, cimd } as FacadeClient);
  const relayState = randomId();
  const binding = bindRelayToBrowser(relayState, context.facade.ttl.requestMs);
  await context.store.set(
    NS.relay,
    relayState,
    { ...pending, browser: binding.browser } as unknown as JsonValue,
    context.facade.ttl.requestMs,
  );
  const target = new URL(await context.idp.endpoint('authorization_endpoint'));
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: upstream.clientId,
    redirect_uri: context.callbackUrl,
    state: relayState,
    code_challenge: pending.code_challenge,
    code_challenge_method: 'S256',
    scope: pending.scope,
    resource: context.facade.sendResource ? context.options.resource : undefined,
  };
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) target.searchParams.set(name, value);
  }
  return { target: target.href, setCookie: binding.setCookie };
}

/** The authorization request's parameters after `client_id` and `redirect_uri`, or the first problem. */
type Checked =
  | { readonly challenge: string; readonly scope: string | undefined }
  | { readonly error: string; readonly description: string };

function checkRequest(context: FacadeContext, query: Query): Checked {
  const fail = (error: string, description: string) => ({ error, description });
  if (single(query, 'state') === null) return fail('invalid_request', 'state is repeated');
  const responseType = single(query, 'response_type');
  if (responseType == null) return fail('invalid_request', 'response_type is missing or repeated');
  if (responseType !== 'code') return fail('unsupported_response_type', 'response_type must be "code"');
  const challenge = single(query, 'code_challenge');
  if (challenge == null || !PKCE_CHALLENGE.test(challenge)) {
    return fail('invalid_request', 'code_challenge is required: PKCE with S256 (RFC 7636)');
  }
  if (single(query, 'code_challenge_method') !== 'S256') {
    return fail('invalid_request', 'code_challenge_method must be "S256"');
  }
  const resource = single(query, 'resource');
  if (resource === null || (resource !== undefined && !isOurResource(resource, context.options.resource))) {
    return fail('invalid_target', `resource must be ${context.options.resource}`);
  }
  const scope = single(query, 'scope');
  if (scope === null || (scope !== undefined && !scope.split(' ').every(isScopeToken))) {
    return fail('invalid_scope', 'scope must be space-separated scope tokens');
  }
  return { challenge, scope };
}

async function authorize(context: FacadeContext, request: FastifyRequest, reply: FastifyReply) {
  const query = request.query as Query;
  const clientId = single(query, 'client_id');
  if (clientId == null)
    return sendErrorPage(reply, 400, 'invalid_request', 'client_id is missing or repeated');
  let client: FacadeClient;
  try {
    client = await context.clients.find(clientId);
  } catch (error) {
    if (error instanceof InvalidClientError)
      return sendErrorPage(reply, 400, 'invalid_client', error.message);
    throw error;
  }
  const given = single(query, 'redirect_uri');
  const only = client.redirect_uris.length === 1 ? client.redirect_uris[0] : undefined;
  const redirectUri = given === undefined ? only : given;
  if (redirectUri == null || !matchRedirectUri(client.redirect_uris, redirectUri)) {
    return sendErrorPage(
      reply,
      400,
      'invalid_request',
      'redirect_uri is missing or is not one of the redirect URIs registered for this client (exact match)',
    );
  }
  const cookie = readCookie(request.headers.cookie, CONSENT_COOKIE);
  const approved = await context.consent.approved(cookie, client.client_id);
  const checked = checkRequest(context, query);
  const state = single(query, 'state') ?? undefined;
  if ('error' in checked) {
    // Registration is open: a redirect URI nobody approved in this browser is not trusted (AS-22).
    if (!approved) return sendErrorPage(reply, 400, checked.error, checked.description);
    return redirectToClient(reply, context, redirectUri, {
      error: checked.error,
      error_description: checked.description,
      state,
    });
  }
  const pending: PendingAuthorization = {
    client_id: client.client_id,
    client_name: client.client_name,
    cimd: client.cimd,
    redirect_uri: redirectUri,
    redirect_uri_given: given !== undefined,
    state,
    code_challenge: checked.challenge,
    scope: checked.scope,
  };
  // The IdP only ever sees the proxy's callback: this page is where the user sees the redirect host (AS-19).
  const consentNeeded =
    context.facade.consent === 'always' || context.upstreams.shared || client.cimd === true;
  if (consentNeeded && !approved) return askConsent(context, reply, pending);
  const relay = await startRelay(context, pending);
  return reply
    .header('set-cookie', relay.setCookie)
    .header('cache-control', 'no-store')
    .redirect(relay.target, 302);
}

/** Keep `pending` under a fresh request id and CSRF token and show the consent page for it (PX-04, AS-19). */
async function askConsent(context: FacadeContext, reply: FastifyReply, pending: PendingAuthorization) {
  const requestId = randomId();
  const csrf = randomId();
  await context.store.set(
    NS.request,
    requestId,
    { ...pending, csrf } as unknown as JsonValue,
    context.facade.ttl.requestMs,
  );
  return sendPage(
    reply,
    200,
    'Allow access?',
    renderConsent({
      requestId,
      csrf,
      clientId: pending.client_id,
      clientName: pending.client_name,
      redirectUri: pending.redirect_uri,
      scopes: pending.scope === undefined ? [] : pending.scope.split(' '),
      idpIssuer: context.options.idp.issuer,
      actionPath: FACADE_PATHS.consent,
    }),
  );
}

/** True when a consent POST comes from the proxy's own page: same-origin `Origin` or `Sec-Fetch-Site`. */
function sameOrigin(context: FacadeContext, request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = request.headers.origin;
  return origin === undefined || origin === new URL(context.options.publicUrl).origin;
}

async function decide(context: FacadeContext, request: FastifyRequest, reply: FastifyReply) {
  const form = (request.body ?? {}) as Record<string, unknown>;
  const requestId = typeof form.request === 'string' ? form.request : '';
  const csrf = typeof form.csrf === 'string' ? form.csrf : '';
  if (!sameOrigin(context, request)) {
    return sendErrorPage(reply, 403, 'access_denied', 'the consent form was posted from another site');
  }
  const pending =
    requestId === ''
      ? undefined
      : ((await context.store.take(NS.request, requestId)) as
          | (PendingAuthorization & { csrf: string })
          | undefined);
  if (pending === undefined) {
    return sendErrorPage(
      reply,
      400,
      'invalid_request',
      'this consent request is unknown, expired or already used',
    );
  }
  if (csrf === '' || csrf !== pending.csrf) {
    return sendErrorPage(
      reply,
      403,
      'access_denied',
      'the consent form is missing its CSRF token or it is wrong',
    );
  }
  const { csrf: _csrf, ...authorization } = pending;
  if (form.decision !== 'approve') {
    return redirectToClient(
      reply,
      context,
      authorization.redirect_uri,
      { error: 'access_denied', error_description: 'the user denied access', state: authorization.state },
      303,
    );
  }
  const cookie = readCookie(request.headers.cookie, CONSENT_COOKIE);
  const approval = await context.consent.approve(cookie, authorization.client_id);
  const relay = await startRelay(context, authorization);
  return reply
    .header('set-cookie', [approval, relay.setCookie])
    .header('cache-control', 'no-store')
    .redirect(relay.target, 303);
}

/**
 * `GET /authorize` and `POST /consent`: validate the request (client, exact `redirect_uri` before anything is
 * redirected, PKCE S256, `resource`), ask for consent for a client not yet approved in this browser (with
 * `consent: always`, every client; PX-03…PX-05, AS-19), then send the browser to the IdP through
 * {@link startRelay}. Errors after the `redirect_uri` check go back to the client only once this browser
 * approved it, else they are shown as a 400 page (AS-22).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.11.2
 */
export async function authorizeRoutes(app: FastifyInstance, context: FacadeContext): Promise<void> {
  app.get(FACADE_PATHS.authorize, (request, reply) => authorize(context, request, reply));
  app.post(FACADE_PATHS.consent, (request, reply) => decide(context, request, reply));
}
