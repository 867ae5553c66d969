import { IssuerMismatchError, ResourceMismatchError } from './errors.js';

/**
 * `true` when the `resource` of protected resource metadata is identical to the resource it was requested for.
 * Simple string comparison, no normalisation: `https://x/` and `https://x` differ.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.3
 */
export function resourceMatches(actual: unknown, expected: string): boolean {
  return typeof actual === 'string' && actual === expected;
}

/**
 * Throw unless {@link resourceMatches}. The client MUST NOT use metadata that fails this check.
 * @throws {ResourceMismatchError}
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.3
 */
export function assertResourceMatches(actual: unknown, expected: string): void {
  if (resourceMatches(actual, expected)) return;
  throw new ResourceMismatchError(
    `"resource" in protected resource metadata (${JSON.stringify(actual)}) MUST equal the resource the metadata was requested for (${JSON.stringify(expected)}); do not use this metadata`,
    expected,
    actual,
  );
}

/**
 * `true` when an issuer identifier is identical to the expected one. Simple string comparison, no
 * normalisation: `https://as.example/` and `https://as.example` differ.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2.4
 */
export function issuerMatches(actual: unknown, expected: string): boolean {
  return typeof actual === 'string' && actual === expected;
}

/**
 * Throw unless the `issuer` of authorization server metadata is identical to the issuer the well-known URL was
 * built from. The client MUST NOT use metadata that fails this check.
 * @throws {IssuerMismatchError}
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 */
export function assertIssuerMatches(actual: unknown, expected: string): void {
  if (issuerMatches(actual, expected)) return;
  throw new IssuerMismatchError(
    `"issuer" in authorization server metadata (${JSON.stringify(actual)}) MUST equal the issuer the metadata was requested for (${JSON.stringify(expected)}); do not use this metadata`,
    expected,
    actual,
  );
}

/**
 * Input of {@link assertAuthorizationResponseIssuer}.
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2.4
 */
export interface AuthorizationResponseIssuerCheck {
  /** The issuer recorded next to the PKCE verifier before the redirect. */
  readonly expectedIssuer: string;
  /** `authorization_response_iss_parameter_supported` from the AS metadata. */
  readonly issParameterSupported: boolean | undefined;
  /** The `iss` query parameter of the authorization response, if any. */
  readonly iss: string | undefined;
}

/**
 * The RFC 9207 §2.4 check MCP 2026-07-28 requires before the code goes to any token endpoint: when `iss` is
 * present it must equal the expected issuer (simple string comparison); when the AS advertises support, `iss`
 * must be present; when neither, proceed. On failure the caller must also ignore `error*` parameters.
 * @throws {IssuerMismatchError}
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2.4
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#authorization-response-validation
 */
export function assertAuthorizationResponseIssuer(check: AuthorizationResponseIssuerCheck): void {
  const { expectedIssuer, issParameterSupported, iss } = check;
  if (iss === undefined) {
    if (issParameterSupported !== true) return;
    throw new IssuerMismatchError(
      `the authorization response has no "iss" parameter although the authorization server advertises authorization_response_iss_parameter_supported; reject the response (expected ${JSON.stringify(expectedIssuer)})`,
      expectedIssuer,
      iss,
    );
  }
  if (iss === expectedIssuer) return;
  throw new IssuerMismatchError(
    `"iss" in the authorization response (${JSON.stringify(iss)}) MUST equal the issuer the request was sent to (${JSON.stringify(expectedIssuer)}); reject the response and ignore its error parameters`,
    expectedIssuer,
    iss,
  );
}
