import {
  InvalidGrantError,
  InvalidTargetError,
  OAuthError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
} from '@portcullis/metadata';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DAY_MS } from '../options-facade.js';
import type { IssuedCode } from './callback.js';
import { authenticate, type Form, param, required } from './client-auth.js';
import { type FacadeClient, type GrantType, mayUseGrant, NS, secretMatches, sha256 } from './clients.js';
import { FACADE_PATHS, type FacadeContext, isOurResource } from './context.js';
import { idpErrorOf, sendIdpFailure } from './idp-client.js';

/** Relay the IdP's token response: errors mapped, `id_token` dropped (its audience is the IdP client). */
async function relay(
  context: FacadeContext,
  reply: FastifyReply,
  client: FacadeClient,
  response: Response,
): Promise<FastifyReply> {
  const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  if (!response.ok || body === undefined || typeof body !== 'object') {
    const error = idpErrorOf(body);
    if (error === undefined || error === 'invalid_client' || response.status >= 500) {
      return sendIdpFailure(reply, 'issue a token', response.status, error);
    }
    const description = typeof body?.error_description === 'string' ? body.error_description : undefined;
    throw new OAuthError(error, 400, description);
  }
  const { id_token: _idToken, refresh_token: refreshToken, ...rest } = body;
  // A client that did not register the refresh_token grant could not use one: it gets none (RFC 6749 §1.5).
  const tokens = mayUseGrant(client, 'refresh_token') ? { ...rest, refresh_token: refreshToken } : rest;
  if (typeof tokens.refresh_token === 'string') {
    await context.store.set(
      NS.refresh,
      sha256(tokens.refresh_token),
      { client_id: client.client_id },
      context.facade.ttl.clientDays * DAY_MS,
    );
  }
  return reply.status(200).send(tokens);
}

/** The client's IdP client; only looked up here, never registered (a grant implies an earlier authorization). */
async function upstreamOf(context: FacadeContext, client: FacadeClient) {
  const upstream = await context.upstreams.existing(client);
  if (upstream === undefined) {
    throw new InvalidGrantError(
      'this client has no client at the identity provider any more (its registration expired); authorize again',
    );
  }
  return upstream;
}

/** Refuse a grant the client did not register (RFC 6749 §5.2 `unauthorized_client`). */
function checkGrant(client: FacadeClient, grant: GrantType): void {
  if (!mayUseGrant(client, grant)) {
    throw new UnauthorizedClientError(
      `this client did not register the ${grant} grant (its grant_types); register again with it`,
    );
  }
}

async function token(context: FacadeContext, request: FastifyRequest, reply: FastifyReply) {
  const form = (request.body ?? {}) as Form;
  const grantType = param(form, 'grant_type');
  const client = await authenticate(context, request, form);
  const asked = param(form, 'resource');
  if (asked !== undefined && !isOurResource(asked, context.options.resource)) {
    throw new InvalidTargetError(
      `resource must be ${context.options.resource}, the only resource of this server`,
    );
  }
  const resource = context.facade.sendResource ? { resource: context.options.resource } : {};
  if (grantType === 'authorization_code') {
    checkGrant(client, grantType);
    const code = required(form, 'code');
    const issued = (await context.store.take(NS.code, code)) as IssuedCode | undefined;
    if (issued === undefined || issued.client_id !== client.client_id) {
      throw new InvalidGrantError(
        'the authorization code is unknown, expired, already used or for another client',
      );
    }
    const redirectUri = param(form, 'redirect_uri');
    // RFC 6749 §4.1.3: required, and identical, only when the authorization request included it.
    if (redirectUri === undefined && issued.redirect_uri_given !== false) {
      throw new InvalidGrantError('redirect_uri is required: the authorization request included one');
    }
    if (redirectUri !== undefined && redirectUri !== issued.redirect_uri) {
      throw new InvalidGrantError('redirect_uri differs from the one of the authorization request');
    }
    const verifier = required(form, 'code_verifier');
    if (issued.code_challenge !== undefined && !secretMatches(verifier, issued.code_challenge)) {
      throw new InvalidGrantError(
        'code_verifier does not match the code_challenge of the authorization request (PKCE S256, RFC 7636 §4.6)',
      );
    }
    const response = await context.idp.token(await upstreamOf(context, client), 'authorization_code', {
      code: issued.idp_code,
      redirect_uri: context.callbackUrl,
      code_verifier: verifier,
      ...resource,
    });
    return relay(context, reply, client, response);
  }
  if (grantType === 'refresh_token') {
    checkGrant(client, grantType);
    const refreshToken = required(form, 'refresh_token');
    const binding = (await context.store.get(NS.refresh, sha256(refreshToken))) as
      | { client_id?: string }
      | undefined;
    if (binding?.client_id !== client.client_id) {
      throw new InvalidGrantError('the refresh token is unknown here or was issued to another client');
    }
    const scope = param(form, 'scope');
    const response = await context.idp.token(await upstreamOf(context, client), 'refresh_token', {
      refresh_token: refreshToken,
      ...(scope === undefined ? {} : { scope }),
      ...resource,
    });
    return relay(context, reply, client, response);
  }
  throw new UnsupportedGrantTypeError(
    grantType === undefined
      ? 'grant_type is required'
      : 'grant_type must be authorization_code or refresh_token',
  );
}

/**
 * `POST /token`: authenticates the MCP client, checks that the code or refresh token is its own, and forwards
 * the grant to the IdP as the client's upstream IdP client (PKCE verifier passed through, `resource` added).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 */
export async function tokenRoute(app: FastifyInstance, context: FacadeContext): Promise<void> {
  app.post(FACADE_PATHS.token, (request, reply) => token(context, request, reply));
}
