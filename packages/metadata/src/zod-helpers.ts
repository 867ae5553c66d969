// Internal building blocks shared by the document schemas. Not part of the public API.
import { z } from 'zod';
import { MetadataValidationError } from './errors.js';
import { assertRedirectUri, assertSafeLinkUrl, assertSecureUrl } from './safe-url.js';
import { isScopeToken } from './scopes.js';

/**
 * Options every document parser takes.
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 */
export interface ParseOptions {
  /**
   * Accept `http:` URLs on loopback hosts (127.0.0.0/8, `[::1]`, `localhost`) where `https:` is required. For
   * local development and tests only. Default `false`.
   */
  readonly allowLoopbackHttp?: boolean;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A string, with a "REQUIRED" message when it is missing.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function requiredString(spec: string) {
  return z.string({
    error: (issue) => (issue.input === undefined ? `is REQUIRED (${spec})` : 'must be a string'),
  });
}

/**
 * A URL the client will call: `https:`, or loopback `http:` when allowed.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations
 */
export function endpointUrl(options: ParseOptions) {
  return z.string().superRefine((value, ctx) => {
    try {
      assertSecureUrl(value, { allowLoopbackHttp: options.allowLoopbackHttp === true, field: 'the URL' });
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: message(error) });
    }
  });
}

/**
 * A URL that is only linked or shown: `http:` or `https:`.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function linkUrl() {
  return z.string().superRefine((value, ctx) => {
    try {
      assertSafeLinkUrl(value, { field: 'the URL' });
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: message(error) });
    }
  });
}

/**
 * A redirect URI: `https:` or loopback `http:`, no fragment.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2
 */
export function redirectUri() {
  return z.string().superRefine((value, ctx) => {
    try {
      assertRedirectUri(value, { field: 'the redirect URI' });
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: message(error) });
    }
  });
}

/**
 * An issuer identifier: an endpoint URL with no query and no fragment (RFC 8414 §2).
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function issuerUrl(options: ParseOptions) {
  return endpointUrl(options).superRefine((value, ctx) => {
    if (value.includes('?') || value.includes('#')) {
      ctx.addIssue({
        code: 'custom',
        message: 'MUST NOT contain a query or fragment component (RFC 8414 §2)',
      });
    }
  });
}

/**
 * A space-delimited scope string (RFC 6749 §3.3).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
export function scopeString() {
  return z.string().superRefine((value, ctx) => {
    if (!value.split(' ').every(isScopeToken)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be scope-tokens separated by single spaces (RFC 6749 §3.3)',
      });
    }
  });
}

/** A JSON array of strings. @see https://www.rfc-editor.org/rfc/rfc8414#section-2 */
export const stringArray = z.array(z.string());

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    out += typeof key === 'number' ? `[${key}]` : out === '' ? `"${String(key)}"` : `."${String(key)}"`;
  }
  return out;
}

/**
 * Run `schema` over `input` and return the typed value, or throw one {@link MetadataValidationError} that
 * lists every issue with its path.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.2
 */
export function parseDocument<T extends z.ZodType>(schema: T, input: unknown, document: string): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new MetadataValidationError(
    document,
    result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
  );
}

/**
 * Build a schema once per `allowLoopbackHttp` value.
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 */
export function memoizeByLoopback<T>(build: (options: ParseOptions) => T): (options?: ParseOptions) => T {
  const cache = new Map<boolean, T>();
  return (options = {}) => {
    const key = options.allowLoopbackHttp === true;
    let schema = cache.get(key);
    if (schema === undefined) {
      schema = build({ allowLoopbackHttp: key });
      cache.set(key, schema);
    }
    return schema;
  };
}
