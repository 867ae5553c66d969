import { InvalidClientError, InvalidRequestError } from '@portcullis/metadata';
import type { FastifyRequest } from 'fastify';
import { type FacadeClient, secretMatches } from './clients.js';
import type { FacadeContext } from './context.js';

/** A parsed `application/x-www-form-urlencoded` body. */
export type Form = Record<string, unknown>;

/** The one value of `name`, or `undefined`; a repeated parameter is an `invalid_request`. */
export function param(form: Form, name: string): string | undefined {
  const value = form[name];
  if (Array.isArray(value)) throw new InvalidRequestError(`${name} is repeated`);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The one value of `name`; missing is an `invalid_request`. */
export function required(form: Form, name: string): string {
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
export async function authenticate(
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
