import type { IncomingMessage } from 'node:http';
import { InvalidRequestError } from '@portcullis/metadata';
import { MissingTokenError } from './errors.js';

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const BEARER = /^bearer(?: +(.*))?$/is;

function authorizationHeaders(raw: IncomingMessage): string[] {
  const values: string[] = [];
  for (let k = 0; k + 1 < raw.rawHeaders.length; k += 2) {
    if (raw.rawHeaders[k]?.toLowerCase() === 'authorization') values.push(raw.rawHeaders[k + 1] ?? '');
  }
  return values;
}

function hasQueryToken(url: string | undefined): boolean {
  const query = url?.split('?', 2)[1];
  return query !== undefined && new URLSearchParams(query).has('access_token');
}

/**
 * Read the Bearer token of a request, from the `Authorization` header only. Node keeps only the first of
 * several `Authorization` headers, so the raw header list is read.
 *
 * - no credentials, or a token only in the query string → {@link MissingTokenError} (401, no `error`);
 * - several `Authorization` headers, a header plus `?access_token=`, an empty token, a token with spaces or
 *   characters outside `b64token`, a tab or other non-SP whitespace between `Bearer` and the token
 *   (credentials are `auth-scheme 1*SP token68`) → `invalid_request` (400);
 * - another scheme (`Basic …`, `DPoP …`) → {@link MissingTokenError} (401, no `error`: RFC 6750 §3.1 says a
 *   request with an unsupported authentication method SHOULD get a challenge without an error code).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.4
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#token-requirements
 */
export function extractBearerToken(raw: IncomingMessage): string {
  const headers = authorizationHeaders(raw);
  const inQuery = hasQueryToken(raw.url);
  if (headers.length === 0) {
    throw new MissingTokenError(
      inQuery
        ? 'access tokens in the query string are not accepted; send the token in the Authorization header'
        : undefined,
    );
  }
  if (headers.length > 1) throw new InvalidRequestError('the request has more than one Authorization header');
  if (inQuery) {
    throw new InvalidRequestError(
      'the request sends an access token in more than one way (header and query)',
    );
  }
  const value = (headers[0] ?? '').trim();
  const match = BEARER.exec(value);
  if (match === null) {
    if (/^bearer\s/i.test(value))
      throw new InvalidRequestError(
        'the Authorization header separates "Bearer" from the token with whitespace other than spaces',
      );
    if (/^bearer\S/i.test(value))
      throw new InvalidRequestError('the Authorization header is not "Bearer <token>"');
    throw new MissingTokenError(
      'only the Bearer authentication scheme is accepted; send the access token as Authorization: Bearer <token>',
    );
  }
  const token = match[1] ?? '';
  if (token === '') throw new InvalidRequestError('the Authorization header carries an empty Bearer token');
  if (/\s/.test(token)) throw new InvalidRequestError('the Bearer token contains whitespace');
  if (!B64TOKEN.test(token))
    throw new InvalidRequestError('the Bearer token has characters outside b64token');
  return token;
}
