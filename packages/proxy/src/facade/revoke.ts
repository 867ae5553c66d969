import { InvalidRequestError, OAuthError } from '@portcullis/metadata';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticate, type Form, param, required } from './client-auth.js';
import { NS, sha256 } from './clients.js';
import { FACADE_PATHS, type FacadeContext } from './context.js';
import { idpErrorOf, sendIdpFailure } from './idp-client.js';

const HINTS = new Set(['access_token', 'refresh_token']);

async function revoke(context: FacadeContext, request: FastifyRequest, reply: FastifyReply) {
  const form = (request.body ?? {}) as Form;
  const client = await authenticate(context, request, form);
  const token = required(form, 'token');
  const hint = param(form, 'token_type_hint');
  if (hint !== undefined && !HINTS.has(hint)) {
    throw new OAuthError(
      'unsupported_token_type',
      400,
      'token_type_hint must be access_token or refresh_token',
    );
  }
  // A refresh token the facade handed out is bound to its client: another client may not revoke it.
  const key = sha256(token);
  const binding = (await context.store.get(NS.refresh, key)) as { client_id?: string } | undefined;
  if (binding !== undefined && binding.client_id !== client.client_id) {
    throw new InvalidRequestError('the token was issued to another client');
  }
  reply.header('cache-control', 'no-store');
  // No IdP client (never authorized, or expired): no token of this client can be live at the IdP.
  const upstream = await context.upstreams.existing(client);
  if (upstream === undefined) {
    if (binding !== undefined) await context.store.take(NS.refresh, key);
    return reply.status(200).send();
  }
  const response = await context.idp.revoke(upstream, token, hint);
  if (!response.ok) {
    const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    const error = idpErrorOf(body);
    if (error === 'unsupported_token_type') {
      throw new OAuthError(error, 400, 'the identity provider cannot revoke this kind of token');
    }
    return sendIdpFailure(reply, 'revoke the token', response.status, error);
  }
  await response.body?.cancel();
  if (binding !== undefined) await context.store.take(NS.refresh, key);
  return reply.status(200).send();
}

/**
 * `POST /revoke` (RFC 7009): authenticates the MCP client as at `/token`, refuses a refresh token the facade
 * bound to another client, and revokes the token at the IdP as the client's upstream IdP client (which lets
 * the IdP check an access token's owner itself). 200 with an empty body, also for a token the IdP does not
 * know (RFC 7009 §2.2).
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
 */
export async function revokeRoute(app: FastifyInstance, context: FacadeContext): Promise<void> {
  app.post(FACADE_PATHS.revoke, (request, reply) => revoke(context, request, reply));
}
