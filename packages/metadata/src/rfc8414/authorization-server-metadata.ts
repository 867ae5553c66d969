import { z } from 'zod';
import { assertIssuerMatches } from '../identifier-match.js';
import {
  endpointUrl,
  issuerUrl,
  linkUrl,
  memoizeByLoopback,
  type ParseOptions,
  parseDocument,
  requiredString,
  stringArray,
} from '../zod-helpers.js';

const DOCUMENT = 'authorization server metadata';

/**
 * The RFC 8414 §2 members (plus the MCP-relevant extensions) shared with OpenID provider metadata.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function authorizationServerMetadataShape(options: ParseOptions) {
  const url = endpointUrl(options);
  return {
    issuer: requiredString('RFC 8414 §2').pipe(issuerUrl(options)),
    authorization_endpoint: url.optional(),
    token_endpoint: url.optional(),
    jwks_uri: url.optional(),
    registration_endpoint: url.optional(),
    scopes_supported: stringArray.optional(),
    response_types_supported: z.array(z.string(), {
      error: (issue) =>
        issue.input === undefined ? 'is REQUIRED (RFC 8414 §2)' : 'must be an array of strings',
    }),
    response_modes_supported: stringArray.optional(),
    grant_types_supported: stringArray.optional(),
    token_endpoint_auth_methods_supported: stringArray.optional(),
    token_endpoint_auth_signing_alg_values_supported: stringArray.optional(),
    service_documentation: linkUrl().optional(),
    ui_locales_supported: stringArray.optional(),
    op_policy_uri: linkUrl().optional(),
    op_tos_uri: linkUrl().optional(),
    revocation_endpoint: url.optional(),
    revocation_endpoint_auth_methods_supported: stringArray.optional(),
    revocation_endpoint_auth_signing_alg_values_supported: stringArray.optional(),
    introspection_endpoint: url.optional(),
    introspection_endpoint_auth_methods_supported: stringArray.optional(),
    introspection_endpoint_auth_signing_alg_values_supported: stringArray.optional(),
    code_challenge_methods_supported: stringArray.optional(),
    userinfo_endpoint: url.optional(),
    end_session_endpoint: url.optional(),
    device_authorization_endpoint: url.optional(),
    pushed_authorization_request_endpoint: url.optional(),
    require_pushed_authorization_requests: z.boolean().optional(),
    authorization_response_iss_parameter_supported: z.boolean().optional(),
    client_id_metadata_document_supported: z.boolean().optional(),
    dpop_signing_alg_values_supported: stringArray.optional(),
    tls_client_certificate_bound_access_tokens: z.boolean().optional(),
    mtls_endpoint_aliases: z.record(z.string(), url).optional(),
  };
}

const DEFAULT_GRANT_TYPES = ['authorization_code', 'implicit'];
const NONE_FORBIDDEN = [
  'token_endpoint_auth_signing_alg_values_supported',
  'revocation_endpoint_auth_signing_alg_values_supported',
  'introspection_endpoint_auth_signing_alg_values_supported',
] as const;

type SharedMetadata = { [K in keyof ReturnType<typeof authorizationServerMetadataShape>]?: unknown };

/**
 * The cross-member MUSTs of RFC 8414 §2, shared with OpenID provider metadata.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function checkAuthorizationServerRules(metadata: SharedMetadata, ctx: z.RefinementCtx): void {
  const grants = (metadata.grant_types_supported as string[] | undefined) ?? DEFAULT_GRANT_TYPES;
  const needsAuthorize = grants.includes('authorization_code') || grants.includes('implicit');
  if (needsAuthorize && metadata.authorization_endpoint === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['authorization_endpoint'],
      message: 'is REQUIRED when the authorization_code or implicit grant is supported (RFC 8414 §2)',
    });
  }
  if (grants.some((g) => g !== 'implicit') && metadata.token_endpoint === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['token_endpoint'],
      message: 'is REQUIRED unless only the implicit grant is supported (RFC 8414 §2)',
    });
  }
  for (const member of NONE_FORBIDDEN) {
    if ((metadata[member] as string[] | undefined)?.includes('none')) {
      ctx.addIssue({ code: 'custom', path: [member], message: 'MUST NOT contain "none" (RFC 8414 §2)' });
    }
  }
}

function build(options: ParseOptions) {
  return z.looseObject(authorizationServerMetadataShape(options)).superRefine(checkAuthorizationServerRules);
}

/**
 * The zod schema of RFC 8414 authorization server metadata. Unknown members are kept. Enforces the REQUIRED
 * members (`issuer`, `response_types_supported`, and `authorization_endpoint` / `token_endpoint` as the grant
 * types demand), an `issuer` without query or fragment, safe URLs and no `"none"` signing algorithm.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export const authorizationServerMetadataSchema = memoizeByLoopback(build);

/**
 * RFC 8414 authorization server metadata.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export type AuthorizationServerMetadata = z.infer<ReturnType<typeof build>>;

/**
 * Validate an authorization server metadata document (the parsed JSON body).
 * @throws {MetadataValidationError} listing every problem.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.2
 */
export function parseAuthorizationServerMetadata(
  input: unknown,
  options?: ParseOptions,
): AuthorizationServerMetadata {
  return parseDocument(authorizationServerMetadataSchema(options), input, DOCUMENT);
}

/**
 * Options of {@link validateAuthorizationServerMetadata}.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 */
export interface AuthorizationServerMetadataCheck extends ParseOptions {
  /** The issuer the well-known URL was built from. */
  readonly expectedIssuer: string;
}

/**
 * Validate authorization server metadata and check that `issuer` is identical (simple string comparison, no
 * normalisation) to the issuer the well-known URL was built from. A client MUST NOT use metadata that fails.
 * @throws {MetadataValidationError} when the document is malformed.
 * @throws {IssuerMismatchError} when `issuer` differs.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 */
export function validateAuthorizationServerMetadata(
  input: unknown,
  check: AuthorizationServerMetadataCheck,
): AuthorizationServerMetadata {
  const metadata = parseAuthorizationServerMetadata(input, check);
  assertIssuerMatches(metadata.issuer, check.expectedIssuer);
  return metadata;
}

/**
 * `true` when the metadata lists `S256` in `code_challenge_methods_supported`. MCP clients MUST refuse to
 * proceed when the member is absent, and MUST use `S256`.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations
 */
export function supportsPkceS256(metadata: { readonly code_challenge_methods_supported?: unknown }): boolean {
  const methods = metadata.code_challenge_methods_supported;
  return Array.isArray(methods) && methods.includes('S256');
}

/**
 * Check a document before serving it and return the JSON-ready object, unknown members included.
 * @throws {MetadataValidationError} when the document is not valid metadata.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.2
 */
export function serializeAuthorizationServerMetadata(
  metadata: AuthorizationServerMetadata,
  options?: ParseOptions,
): Record<string, unknown> {
  return { ...parseAuthorizationServerMetadata(metadata, options) };
}
