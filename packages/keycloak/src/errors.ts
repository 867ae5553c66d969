/** Stable codes of every error this package throws. Match on `error.code`, never on the message. */
export type KeycloakErrorCode =
  /** The options failed validation. */
  | 'ERR_PORTCULLIS_KEYCLOAK_INVALID_OPTIONS'
  /** No container runtime is reachable and the process fallback is not allowed (always so in CI). */
  | 'ERR_PORTCULLIS_KEYCLOAK_NO_RUNTIME'
  /** The image is neither present locally nor pullable. */
  | 'ERR_PORTCULLIS_KEYCLOAK_IMAGE_UNAVAILABLE'
  /** The Keycloak server distribution (process runtime) or Java runtime is missing. */
  | 'ERR_PORTCULLIS_KEYCLOAK_DIST_MISSING'
  /** Keycloak did not become ready (container or process). */
  | 'ERR_PORTCULLIS_KEYCLOAK_START_FAILED'
  /** A Keycloak endpoint answered with something other than what the flow expects. */
  | 'ERR_PORTCULLIS_KEYCLOAK_UNEXPECTED_RESPONSE'
  /** The login or consent page could not be driven (bad credentials, unknown page). */
  | 'ERR_PORTCULLIS_KEYCLOAK_LOGIN_FAILED';

/** The one error class of @portcullis/keycloak. Messages say what failed, where, and what to do. */
export class KeycloakError extends Error {
  override readonly name = 'KeycloakError';
  readonly code: KeycloakErrorCode;

  constructor(code: KeycloakErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** True when `error` is a {@link KeycloakError}, optionally with the given code. */
export function isKeycloakError(error: unknown, code?: KeycloakErrorCode): error is KeycloakError {
  return error instanceof KeycloakError && (code === undefined || error.code === code);
}
