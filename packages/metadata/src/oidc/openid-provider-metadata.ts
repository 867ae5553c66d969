import { z } from 'zod';
import { assertIssuerMatches } from '../identifier-match.js';
import {
  authorizationServerMetadataShape,
  checkAuthorizationServerRules,
} from '../rfc8414/authorization-server-metadata.js';
import {
  endpointUrl,
  memoizeByLoopback,
  type ParseOptions,
  parseDocument,
  stringArray,
} from '../zod-helpers.js';

const DOCUMENT = 'OpenID provider metadata';

function required(member: string) {
  return (issue: { input: unknown }) =>
    issue.input === undefined
      ? `is REQUIRED (OpenID Connect Discovery 1.0 §3)`
      : `${member} has the wrong type`;
}

function build(options: ParseOptions) {
  return z
    .looseObject({
      ...authorizationServerMetadataShape(options),
      jwks_uri: z.string({ error: required('jwks_uri') }).pipe(endpointUrl(options)),
      subject_types_supported: z.array(z.string(), { error: required('subject_types_supported') }),
      id_token_signing_alg_values_supported: z.array(z.string(), {
        error: required('id_token_signing_alg_values_supported'),
      }),
      claims_supported: stringArray.optional(),
      claims_parameter_supported: z.boolean().optional(),
      request_parameter_supported: z.boolean().optional(),
      request_uri_parameter_supported: z.boolean().optional(),
      check_session_iframe: endpointUrl(options).optional(),
      frontchannel_logout_supported: z.boolean().optional(),
      backchannel_logout_supported: z.boolean().optional(),
    })
    .superRefine(checkAuthorizationServerRules);
}

/**
 * The zod schema of OpenID Connect Discovery 1.0 provider metadata: everything RFC 8414 requires plus the
 * OpenID REQUIRED members `jwks_uri`, `subject_types_supported` and `id_token_signing_alg_values_supported`.
 * Unknown members are kept.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
 */
export const openIdProviderMetadataSchema = memoizeByLoopback(build);

/**
 * OpenID Connect Discovery 1.0 provider metadata.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
 */
export type OpenIdProviderMetadata = z.infer<ReturnType<typeof build>>;

/**
 * Validate an OpenID provider configuration document (the parsed JSON body).
 * @throws {MetadataValidationError} listing every problem.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationResponse
 */
export function parseOpenIdProviderMetadata(input: unknown, options?: ParseOptions): OpenIdProviderMetadata {
  return parseDocument(openIdProviderMetadataSchema(options), input, DOCUMENT);
}

/**
 * Validate OpenID provider metadata and check that `issuer` is identical to the issuer the URL was built from.
 * @throws {MetadataValidationError} when the document is malformed.
 * @throws {IssuerMismatchError} when `issuer` differs.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationValidation
 */
export function validateOpenIdProviderMetadata(
  input: unknown,
  check: ParseOptions & { readonly expectedIssuer: string },
): OpenIdProviderMetadata {
  const metadata = parseOpenIdProviderMetadata(input, check);
  assertIssuerMatches(metadata.issuer, check.expectedIssuer);
  return metadata;
}

/**
 * Check a document before serving it and return the JSON-ready object, unknown members included.
 * @throws {MetadataValidationError} when the document is not valid metadata.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationResponse
 */
export function serializeOpenIdProviderMetadata(
  metadata: OpenIdProviderMetadata,
  options?: ParseOptions,
): Record<string, unknown> {
  return { ...parseOpenIdProviderMetadata(metadata, options) };
}
