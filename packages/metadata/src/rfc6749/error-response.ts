import { z } from 'zod';
import { createOAuthError } from '../oauth-error-classes.js';
import type { OAuthError } from '../oauth-errors.js';
import { linkUrl, parseDocument, requiredString } from '../zod-helpers.js';

const DOCUMENT = 'OAuth error response';
const ERROR_CHARS = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;
const URI_CHARS = /^[\x21\x23-\x5B\x5D-\x7E]*$/;
const CHARSET = 'must use only the characters %x20-21 / %x23-5B / %x5D-7E (RFC 6749 §5.2)';

/**
 * The zod schema of an OAuth error response body. Unknown members are kept.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export const oauthErrorResponseSchema = z.looseObject({
  error: requiredString('RFC 6749 §5.2').regex(ERROR_CHARS, CHARSET).min(1, 'must not be empty'),
  error_description: z.string().regex(ERROR_CHARS, CHARSET).optional(),
  error_uri: z
    .string()
    .regex(URI_CHARS, 'must use only URI characters (RFC 6749 §5.2)')
    .pipe(linkUrl())
    .optional(),
  state: z.string().optional(),
});

/**
 * An OAuth error response body (token endpoint, registration endpoint, authorization redirect).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export type OAuthErrorResponse = z.infer<typeof oauthErrorResponseSchema>;

/**
 * Validate an OAuth error response body (the parsed JSON).
 * @throws {MetadataValidationError} listing every problem.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export function parseOAuthErrorResponse(input: unknown): OAuthErrorResponse {
  return parseDocument(oauthErrorResponseSchema, input, DOCUMENT);
}

/**
 * Check an error body before sending it and return the JSON-ready object.
 * @throws {MetadataValidationError} when `error` or `error_description` use forbidden characters.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export function serializeOAuthErrorResponse(body: OAuthErrorResponse): Record<string, unknown> {
  return { ...parseOAuthErrorResponse(body) };
}

/**
 * Turn a received error response into the matching typed {@link OAuthError} subclass (an unregistered code
 * gives a plain `OAuthError`).
 * @throws {MetadataValidationError} when `body` is not an error response.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export function oauthErrorFromResponse(status: number, body: unknown): OAuthError {
  const { error, error_description, error_uri } = parseOAuthErrorResponse(body);
  return createOAuthError(error, status, error_description, { errorUri: error_uri });
}
