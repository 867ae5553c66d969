import { z } from 'zod';
import { hasForbiddenCharacter } from '../canonical-uri.js';
import { InvalidUrlError, MetadataValidationError } from '../errors.js';
import { checkClientMetadataRules, clientMetadataShape } from '../rfc7591/client-registration.js';
import { assertSecureUrl } from '../safe-url.js';
import {
  memoizeByLoopback,
  type ParseOptions,
  parseDocument,
  redirectUri,
  requiredString,
} from '../zod-helpers.js';

const DOCUMENT = 'client ID metadata document';
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;
const SHARED_SECRET_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt'];
/** JWK members that carry private or symmetric key material (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * Check that `clientId` can be a client ID metadata document URL: `https` (loopback `http` only when allowed),
 * a path other than `/`, no fragment, no userinfo, no `.` or `..` path segments. Returns the parsed URL.
 * @throws {InvalidUrlError} when a rule is broken.
 * @throws {UnsafeUrlError} when the scheme is not allowed.
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
 */
export function assertClientIdMetadataDocumentUrl(clientId: string, options: ParseOptions = {}): URL {
  const url = assertSecureUrl(clientId, {
    allowLoopbackHttp: options.allowLoopbackHttp === true,
    field: 'client_id',
  });
  const shown = JSON.stringify(clientId);
  const raw = clientId.replace(/^[a-z]+:\/\/[^/?#]*/i, '').split(/[?#]/, 1)[0] ?? '';
  // The URL parser drops tabs and newlines and reads `\` as `/`: the string checked must be the one fetched.
  const problem = hasForbiddenCharacter(clientId)
    ? 'MUST NOT contain whitespace, control characters or backslashes'
    : !/^https?:\/\//i.test(clientId)
      ? 'must start with https:// (the scheme, then "//" and the host)'
      : clientId.includes('#')
        ? 'MUST NOT contain a fragment component'
        : url.username !== '' || url.password !== '' || /^[a-z]+:\/\/[^/?#]*@/i.test(clientId)
          ? 'MUST NOT contain a username or password'
          : raw === '' || raw === '/'
            ? 'MUST contain a path component (e.g. https://app.example/client.json)'
            : raw.split('/').some((segment) => DOT_SEGMENT.test(segment))
              ? 'MUST NOT contain single-dot or double-dot path segments'
              : undefined;
  if (problem !== undefined) throw new InvalidUrlError(`client_id ${shown} ${problem}`);
  return url;
}

/**
 * `true` when {@link assertClientIdMetadataDocumentUrl} would accept `clientId`.
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
 */
export function isClientIdMetadataDocumentUrl(clientId: string, options: ParseOptions = {}): boolean {
  try {
    assertClientIdMetadataDocumentUrl(clientId, options);
    return true;
  } catch {
    return false;
  }
}

function build(options: ParseOptions) {
  return z
    .looseObject({
      ...clientMetadataShape(options),
      client_id: requiredString('CIMD draft §3').superRefine((value, ctx) => {
        try {
          assertClientIdMetadataDocumentUrl(value, options);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
        }
      }),
      client_name: requiredString('MCP client registration, CIMD'),
      redirect_uris: z.array(redirectUri(), { error: 'is REQUIRED (MCP client registration, CIMD)' }).min(1),
    })
    .superRefine((doc, ctx) => {
      checkClientMetadataRules(doc, ctx);
      for (const member of ['client_secret', 'client_secret_expires_at']) {
        if (Object.hasOwn(doc, member)) {
          ctx.addIssue({
            code: 'custom',
            path: [member],
            message: 'MUST NOT be used in a client ID metadata document',
          });
        }
      }
      doc.jwks?.keys.forEach((key, index) => {
        const secret = PRIVATE_JWK_MEMBERS.filter((member) => Object.hasOwn(key, member));
        if (secret.length > 0) {
          ctx.addIssue({
            code: 'custom',
            path: ['jwks', 'keys', index],
            message: `MUST NOT contain private key material (${secret.join(', ')}); publish public keys only`,
          });
        }
      });
      const method = doc.token_endpoint_auth_method;
      if (
        method !== undefined &&
        (SHARED_SECRET_METHODS.includes(method) || method.startsWith('client_secret'))
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['token_endpoint_auth_method'],
          message: `MUST NOT be a shared-secret method such as ${method}; use "none" or "private_key_jwt"`,
        });
      }
    });
}

/**
 * The zod schema of a client ID metadata document: RFC 7591 client metadata with `client_id`, `client_name`
 * and `redirect_uris` REQUIRED, no `client_secret*` members, no shared-secret authentication method and no
 * private key material in `jwks`.
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
 */
export const clientIdMetadataDocumentSchema = memoizeByLoopback(build);

/**
 * A client ID metadata document (CIMD).
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
 */
export type ClientIdMetadataDocument = z.infer<ReturnType<typeof build>>;

/**
 * Validate a client ID metadata document (the parsed JSON body).
 * @throws {MetadataValidationError} listing every problem.
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
 */
export function parseClientIdMetadataDocument(
  input: unknown,
  options?: ParseOptions,
): ClientIdMetadataDocument {
  return parseDocument(clientIdMetadataDocumentSchema(options), input, DOCUMENT);
}

/**
 * Validate a fetched document and check that its `client_id` is identical (simple string comparison) to the
 * URL it was fetched from, as the authorization server MUST.
 * @throws {MetadataValidationError} when the document is malformed or `client_id` differs.
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
 */
export function validateClientIdMetadataDocument(
  input: unknown,
  check: ParseOptions & { readonly clientId: string },
): ClientIdMetadataDocument {
  const doc = parseClientIdMetadataDocument(input, check);
  if (doc.client_id !== check.clientId) {
    throw new MetadataValidationError(DOCUMENT, [
      {
        path: '"client_id"',
        message: `${JSON.stringify(doc.client_id)} MUST equal the URL the document was fetched from (${JSON.stringify(check.clientId)})`,
      },
    ]);
  }
  return doc;
}

/**
 * Check a document before publishing it; returns the JSON-ready object.
 * @throws {MetadataValidationError} when the document is invalid.
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
 */
export function serializeClientIdMetadataDocument(
  doc: ClientIdMetadataDocument,
  options?: ParseOptions,
): Record<string, unknown> {
  return { ...parseClientIdMetadataDocument(doc, options) };
}
