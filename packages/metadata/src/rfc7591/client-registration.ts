import { z } from 'zod';
import { type OAuthErrorResponse, parseOAuthErrorResponse } from '../rfc6749/error-response.js';
import {
  endpointUrl,
  linkUrl,
  memoizeByLoopback,
  type ParseOptions,
  parseDocument,
  redirectUri,
  requiredString,
  scopeString,
  stringArray,
} from '../zod-helpers.js';

/**
 * The RFC 7591 §2 client metadata members (plus OIDC `application_type`), shared with CIMD.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
export function clientMetadataShape(options: ParseOptions) {
  return {
    redirect_uris: z.array(redirectUri()).optional(),
    token_endpoint_auth_method: z.string().optional(),
    grant_types: stringArray.optional(),
    response_types: stringArray.optional(),
    client_name: z.string().optional(),
    client_uri: linkUrl().optional(),
    logo_uri: linkUrl().optional(),
    scope: scopeString().optional(),
    contacts: stringArray.optional(),
    tos_uri: linkUrl().optional(),
    policy_uri: linkUrl().optional(),
    jwks_uri: endpointUrl(options).optional(),
    jwks: z.looseObject({ keys: z.array(z.looseObject({})) }).optional(),
    software_id: z.string().optional(),
    software_version: z.string().optional(),
    software_statement: z.string().optional(),
    application_type: z.enum(['web', 'native']).optional(),
  };
}

/**
 * RFC 7591 §2: `jwks_uri` and `jwks` MUST NOT both be present.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
export function checkClientMetadataRules(
  metadata: { jwks_uri?: unknown; jwks?: unknown },
  ctx: z.RefinementCtx,
) {
  if (metadata.jwks_uri !== undefined && metadata.jwks !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['jwks'],
      message: 'MUST NOT be present together with jwks_uri (RFC 7591 §2)',
    });
  }
}

function buildRequest(options: ParseOptions) {
  return z.looseObject(clientMetadataShape(options)).superRefine(checkClientMetadataRules);
}

function buildResponse(options: ParseOptions) {
  return z
    .looseObject({
      ...clientMetadataShape(options),
      client_id: requiredString('RFC 7591 §3.2.1').min(1, 'must not be empty'),
      client_secret: z.string().optional(),
      client_id_issued_at: z.number().int().nonnegative().optional(),
      client_secret_expires_at: z.number().int().nonnegative().optional(),
      registration_access_token: z.string().optional(),
      registration_client_uri: endpointUrl(options).optional(),
    })
    .superRefine((response, ctx) => {
      checkClientMetadataRules(response, ctx);
      if (response.client_secret !== undefined && response.client_secret_expires_at === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['client_secret_expires_at'],
          message: 'is REQUIRED when client_secret is issued (RFC 7591 §3.2.1)',
        });
      }
    });
}

/**
 * The zod schema of an RFC 7591 client registration request. Unknown members (and language-tagged ones such as
 * `client_name#ja-Jpan-JP`) are kept.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.1
 */
export const clientRegistrationRequestSchema = memoizeByLoopback(buildRequest);

/**
 * The zod schema of an RFC 7591 client information (registration) response.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.1
 */
export const clientRegistrationResponseSchema = memoizeByLoopback(buildResponse);

/** RFC 7591 client metadata as sent in a registration request. @see https://www.rfc-editor.org/rfc/rfc7591#section-2 */
export type ClientRegistrationRequest = z.infer<ReturnType<typeof buildRequest>>;
/** RFC 7591 client information response. @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.1 */
export type ClientRegistrationResponse = z.infer<ReturnType<typeof buildResponse>>;
/** RFC 7591 client registration error response. @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2 */
export type ClientRegistrationError = OAuthErrorResponse;

/**
 * Options of {@link parseClientRegistrationRequest}.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/client-registration
 */
export interface ClientRegistrationRequestOptions extends ParseOptions {
  /** Require `application_type`, as MCP 2026-07-28 does (see `authRulesFor(v).applicationTypeRequired`). */
  readonly requireApplicationType?: boolean;
}

/**
 * Validate a registration request body. Redirect URIs must be https or loopback http without fragment.
 * @throws {MetadataValidationError} listing every problem.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.1
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/client-registration
 */
export function parseClientRegistrationRequest(
  input: unknown,
  options: ClientRegistrationRequestOptions = {},
): ClientRegistrationRequest {
  const request = parseDocument(
    clientRegistrationRequestSchema(options),
    input,
    'client registration request',
  );
  if (options.requireApplicationType === true && request.application_type === undefined) {
    parseDocument(
      z.object({
        application_type: z.enum(['web', 'native'], { error: 'is REQUIRED by MCP 2026-07-28 (SEP-837)' }),
      }),
      input,
      'client registration request',
    );
  }
  return request;
}

/**
 * Validate a registration response body.
 * @throws {MetadataValidationError} listing every problem.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.1
 */
export function parseClientRegistrationResponse(
  input: unknown,
  options?: ParseOptions,
): ClientRegistrationResponse {
  return parseDocument(clientRegistrationResponseSchema(options), input, 'client registration response');
}

/**
 * Validate a registration error body (`invalid_redirect_uri`, `invalid_client_metadata`, …).
 * @throws {MetadataValidationError} listing every problem.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2
 */
export function parseClientRegistrationError(input: unknown): ClientRegistrationError {
  return parseOAuthErrorResponse(input);
}

/**
 * Check a registration request before sending it; returns the JSON-ready object.
 * @throws {MetadataValidationError} when the request is invalid.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.1
 */
export function serializeClientRegistrationRequest(
  request: ClientRegistrationRequest,
  options?: ClientRegistrationRequestOptions,
): Record<string, unknown> {
  return { ...parseClientRegistrationRequest(request, options) };
}

/**
 * Check a registration response before sending it; returns the JSON-ready object.
 * @throws {MetadataValidationError} when the response is invalid.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.1
 */
export function serializeClientRegistrationResponse(
  response: ClientRegistrationResponse,
  options?: ParseOptions,
): Record<string, unknown> {
  return { ...parseClientRegistrationResponse(response, options) };
}
