import {
  InvalidClientError,
  InvalidGrantError,
  InvalidRequestError,
  InvalidTargetError,
  OAuthError,
  resourceMatches,
  UnsupportedGrantTypeError,
} from '@portcullis/metadata';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IssuedCode } from './callback.js';
import { type FacadeClient, NS, secretMatches, sha256 } from './clients.js';
import { FACADE_PATHS, type FacadeContext } from './context.js';

type Form = Record<string, unknown>;

function param(form: Form, name: string): string | undefined {
  const value = form[name];
  if (Array.isArray(value)) throw new InvalidRequestError(`${name} is repeated`);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function required(form: Form, name: string): string {
  const value = param(form, name);
  if (value === undefined) throw new InvalidRequestError(`${name} is required`);
  return value;
}

/** `client_secret_basic` credentials (RFC 6749 §2.3.1: form-urlencoded, then base64). */
function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  if (header === undefined || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new InvalidClientError('the Basic credentials have no ":"');
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    throw new InvalidClientError('the Basic credentials are not form-urlencoded');
  }
}

/**
 * Authenticate the client as it registered: `none` (public, `client_id` in the body), `client_secret_basic`
 * or `client_secret_post` against the SHA-256 of the secret the proxy issued.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 */
async function authenticate(
  context: FacadeContext,
  request: FastifyRequest,
  form: Form,
): Promise<FacadeClient> {
  const basic = basicCredentials(request.headers.authorization);
  const postSecret = param(form, 'client_secret');
  if (basic !== undefined && postSecret !== undefined) {
    throw new InvalidRequestError(
      'use one client authentication method, not Basic and client_secret together',
    );
  }
  const bodyId = param(form, 'client_id');
  const clientId = basic?.id ?? bodyId;
  if (clientId === undefined) throw new InvalidClientError('client_id is missing');
  if (basic !== undefined && bodyId !== undefined && bodyId !== basic.id) {
    throw new InvalidClientError('client_id in the body differs from the Basic credentials');
  }
  const client = await context.clients.find(clientId);
  const method =
    basic !== undefined ? 'client_secret_basic' : postSecret !== undefined ? 'client_secret_post' : 'none';
  const secret = basic?.secret ?? postSecret;
  if (method !== client.token_endpoint_auth_method) {
    throw new InvalidClientError(
      `this client must authenticate with ${client.token_endpoint_auth_method}, not ${method}`,
    );
  }
  if (
    secret !== undefined &&
    (client.secret_sha256 === undefined || !secretMatches(secret, client.secret_sha256))
  ) {
    throw new InvalidClientError('client authentication failed');
  }
  return client;
}

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
    const error = typeof body?.error === 'string' ? body.error : undefined;
    if (error === undefined || error === 'invalid_client' || response.status >= 500) {
      return reply.status(502).send({
        error: 'server_error',
        error_description: `the identity provider could not issue a token (HTTP ${response.status}${error === undefined ? '' : ` ${error}`})`,
      });
    }
    const description = typeof body?.error_description === 'string' ? body.error_description : undefined;
    throw new OAuthError(error, 400, description);
  }
  const { id_token: _idToken, ...tokens } = body;
  if (typeof tokens.refresh_token === 'string') {
    await context.store.set(
      NS.refresh,
      sha256(tokens.refresh_token),
      { client_id: client.client_id },
      context.facade.ttl.clientDays * 24 * 3600 * 1000,
    );
  }
  return reply.status(200).send(tokens);
}

async function token(context: FacadeContext, request: FastifyRequest, reply: FastifyReply) {
  const form = (request.body ?? {}) as Form;
  const grantType = param(form, 'grant_type');
  const client = await authenticate(context, request, form);
  const upstream = await context.upstreams.for(client);
  const asked = param(form, 'resource');
  if (asked !== undefined && !resourceMatches(asked, context.options.resource)) {
    throw new InvalidTargetError(
      `resource must be ${context.options.resource}, the only resource of this server`,
    );
  }
  const resource = context.facade.sendResource ? { resource: context.options.resource } : {};
  if (grantType === 'authorization_code') {
    const code = required(form, 'code');
    const issued = (await context.store.take(NS.code, code)) as IssuedCode | undefined;
    if (issued === undefined || issued.client_id !== client.client_id) {
      throw new InvalidGrantError(
        'the authorization code is unknown, expired, already used or for another client',
      );
    }
    if (param(form, 'redirect_uri') !== issued.redirect_uri) {
      throw new InvalidGrantError('redirect_uri differs from the one of the authorization request');
    }
    const response = await context.idp.token(upstream, 'authorization_code', {
      code: issued.idp_code,
      redirect_uri: context.callbackUrl,
      code_verifier: required(form, 'code_verifier'),
      ...resource,
    });
    return relay(context, reply, client, response);
  }
  if (grantType === 'refresh_token') {
    const refreshToken = required(form, 'refresh_token');
    const binding = (await context.store.get(NS.refresh, sha256(refreshToken))) as
      | { client_id?: string }
      | undefined;
    if (binding?.client_id !== client.client_id) {
      throw new InvalidGrantError('the refresh token is unknown here or was issued to another client');
    }
    const scope = param(form, 'scope');
    const response = await context.idp.token(upstream, 'refresh_token', {
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
