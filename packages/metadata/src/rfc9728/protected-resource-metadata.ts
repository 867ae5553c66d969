import { z } from 'zod';
import { assertResourceMatches } from '../identifier-match.js';
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

const DOCUMENT = 'protected resource metadata';

function build(options: ParseOptions) {
  return z.looseObject({
    resource: requiredString('RFC 9728 §2')
      .pipe(endpointUrl(options))
      .superRefine((value, ctx) => {
        if (value.includes('#'))
          ctx.addIssue({ code: 'custom', message: 'MUST NOT contain a fragment (RFC 9728 §1.2)' });
      }),
    authorization_servers: z.array(issuerUrl(options)).optional(),
    jwks_uri: endpointUrl(options).optional(),
    scopes_supported: stringArray.optional(),
    bearer_methods_supported: stringArray.optional(),
    resource_signing_alg_values_supported: stringArray.optional(),
    resource_name: z.string().optional(),
    resource_documentation: linkUrl().optional(),
    resource_policy_uri: linkUrl().optional(),
    resource_tos_uri: linkUrl().optional(),
    tls_client_certificate_bound_access_tokens: z.boolean().optional(),
    authorization_details_types_supported: stringArray.optional(),
    dpop_signing_alg_values_supported: stringArray.optional(),
    dpop_bound_access_tokens_required: z.boolean().optional(),
    signed_metadata: z.string().optional(),
  });
}

/**
 * The zod schema of RFC 9728 protected resource metadata. Unknown members are kept (the metadata set is an open
 * IANA registry). `resource` is REQUIRED, an https URL (loopback http when allowed) without fragment; URL
 * fields are checked with {@link assertSecureUrl}, documentation links with {@link assertSafeLinkUrl}.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 */
export const protectedResourceMetadataSchema = memoizeByLoopback(build);

/**
 * RFC 9728 protected resource metadata.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 */
export type ProtectedResourceMetadata = z.infer<ReturnType<typeof build>>;

/**
 * Validate a protected resource metadata document (the parsed JSON body).
 * @throws {MetadataValidationError} listing every problem.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.2
 */
export function parseProtectedResourceMetadata(
  input: unknown,
  options?: ParseOptions,
): ProtectedResourceMetadata {
  return parseDocument(protectedResourceMetadataSchema(options), input, DOCUMENT);
}

/**
 * Options of {@link validateProtectedResourceMetadata}.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.3
 */
export interface ProtectedResourceMetadataCheck extends ParseOptions {
  /**
   * The resource the metadata was requested for: the URL the `resource_metadata` challenge parameter pointed
   * from, or the resource the well-known suffix was inserted into.
   */
  readonly expectedResource: string;
}

/**
 * Validate a protected resource metadata document and check that its `resource` is identical (simple string
 * comparison) to the resource it was requested for. A client MUST NOT use metadata that fails this.
 * @throws {MetadataValidationError} when the document is malformed.
 * @throws {ResourceMismatchError} when `resource` differs.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.3
 */
export function validateProtectedResourceMetadata(
  input: unknown,
  check: ProtectedResourceMetadataCheck,
): ProtectedResourceMetadata {
  const metadata = parseProtectedResourceMetadata(input, check);
  assertResourceMatches(metadata.resource, check.expectedResource);
  return metadata;
}

/**
 * Check a document before serving it and return the JSON-ready object, unknown members included.
 * @throws {MetadataValidationError} when the document is not valid metadata.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.2
 */
export function serializeProtectedResourceMetadata(
  metadata: ProtectedResourceMetadata,
  options?: ParseOptions,
): Record<string, unknown> {
  return { ...parseProtectedResourceMetadata(metadata, options) };
}
