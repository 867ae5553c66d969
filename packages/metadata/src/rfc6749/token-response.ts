import { z } from 'zod';
import { parseDocument, requiredString, scopeString } from '../zod-helpers.js';

const DOCUMENT = 'token response';

/**
 * The zod schema of a successful token response, for the authorization code grant and for refresh (RFC 6749
 * §6 answers with the same body). Unknown members are kept.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export const tokenResponseSchema = z.looseObject({
  access_token: requiredString('RFC 6749 §5.1').min(1, 'must not be empty'),
  token_type: requiredString('RFC 6749 §5.1').min(1, 'must not be empty'),
  expires_in: z.number().int().nonnegative().optional(),
  refresh_token: z.string().min(1, 'must not be empty').optional(),
  scope: scopeString().optional(),
  id_token: z.string().optional(),
});

/**
 * A successful token response.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

/**
 * Validate a token response body (the parsed JSON). A refresh response without `refresh_token` is valid: the
 * client keeps its current refresh token; MCP clients MUST NOT assume one is issued.
 * @throws {MetadataValidationError} listing every problem.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
export function parseTokenResponse(input: unknown): TokenResponse {
  return parseDocument(tokenResponseSchema, input, DOCUMENT);
}

/**
 * `true` when `token_type` is `Bearer` (compared case-insensitively, as RFC 6749 §5.1 requires).
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-4
 */
export function isBearerTokenType(response: Pick<TokenResponse, 'token_type'>): boolean {
  return response.token_type.toLowerCase() === 'bearer';
}

/**
 * Check a token response before sending it and return the JSON-ready object, unknown members included.
 * @throws {MetadataValidationError} when the body is not a valid token response.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export function serializeTokenResponse(response: TokenResponse): Record<string, unknown> {
  return { ...parseTokenResponse(response) };
}
