/**
 * Every error code @portcullis/conformance throws. The list is closed: a new code is a change to the public API
 * and to the README's error table.
 */
export const CONFORMANCE_ERROR_CODES = [
  'ERR_PORTCULLIS_UNKNOWN_REQUIREMENT',
  'ERR_PORTCULLIS_INVALID_ARGUMENT',
  'ERR_PORTCULLIS_WORKSPACE_NOT_FOUND',
  'ERR_PORTCULLIS_SCAN_ROOT_NOT_FOUND',
  'ERR_PORTCULLIS_TOKEN_SOURCE',
  'ERR_PORTCULLIS_BASELINE',
] as const;

/**
 * The code of a {@link ConformanceError}:
 * - `ERR_PORTCULLIS_UNKNOWN_REQUIREMENT`: an ID given to `verifies()` is not in the requirements table;
 * - `ERR_PORTCULLIS_INVALID_ARGUMENT`: an argument has the wrong shape (e.g. an empty ID list or title);
 * - `ERR_PORTCULLIS_WORKSPACE_NOT_FOUND`: no folder above the start folder holds `pnpm-workspace.yaml`;
 * - `ERR_PORTCULLIS_SCAN_ROOT_NOT_FOUND`: the folder to scan does not exist or is not a directory;
 * - `ERR_PORTCULLIS_TOKEN_SOURCE`: the token source (command, client credentials, browser login, signing key)
 *   could not produce a token;
 * - `ERR_PORTCULLIS_BASELINE`: the `--expected-failures` file cannot be read or names an unknown check.
 */
export type ConformanceErrorCode = (typeof CONFORMANCE_ERROR_CODES)[number];

/**
 * The one error class of @portcullis/conformance. Branch on `code`, never on `message`.
 *
 * @example
 * ```ts
 * try {
 *   verifies(id, 'rejects a token for another audience');
 * } catch (error) {
 *   if (error instanceof ConformanceError && error.code === 'ERR_PORTCULLIS_UNKNOWN_REQUIREMENT') {
 *     // a typo in the requirement ID
 *   }
 * }
 * ```
 */
export class ConformanceError extends Error {
  /** The stable error code. */
  readonly code: ConformanceErrorCode;

  constructor(code: ConformanceErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConformanceError';
    this.code = code;
  }
}

/** The message of `ERR_PORTCULLIS_UNKNOWN_REQUIREMENT` for `id`. */
export function unknownRequirementMessage(id: string): string {
  return `unknown requirement ID ${JSON.stringify(id)}: expected one of RS-01…RS-31, AS-01…AS-23, CL-01…CL-33, PX-01…PX-13`;
}
