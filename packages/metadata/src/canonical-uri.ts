import { InvalidResourceUriError } from './errors.js';

const ABSOLUTE = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)(.*)$/s;
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/** `true` when `input` holds whitespace, a control character or a backslash, which URL parsers drop or rewrite. */
export function hasForbiddenCharacter(input: string): boolean {
  for (let k = 0; k < input.length; k++) {
    const code = input.charCodeAt(k);
    if (code <= 0x20 || code === 0x7f || code === 0x5c) return true;
  }
  return false;
}

function fail(input: string, why: string): never {
  throw new InvalidResourceUriError(`resource ${JSON.stringify(input)} ${why}`);
}

/**
 * The canonical form of an MCP server URI, used as the RFC 8707 `resource` parameter and as the PRM
 * `resource`. Scheme and host are lowercased, default ports dropped, and **nothing else is added**: no
 * trailing slash on an origin-only URI (`new URL('https://h').href` gives `https://h/`, which Entra ID and
 * exact-match servers reject), and an existing trailing slash is kept.
 *
 * A fragment is **rejected**, not stripped: MCP says the resource MUST NOT include one, and silently dropping
 * it would hide a misconfiguration. Userinfo, dot-segments, whitespace, backslashes and schemes other than
 * `http`/`https` are rejected too. Whether `http` is acceptable is a separate decision
 * ({@link assertSecureUrl}).
 *
 * @throws {InvalidResourceUriError} when `input` cannot be a canonical resource URI.
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#canonical-server-uri
 */
export function canonicalResourceUri(input: string): string {
  if (typeof input !== 'string') throw new InvalidResourceUriError('resource must be a string');
  if (hasForbiddenCharacter(input)) fail(input, 'contains whitespace, a control character or a backslash');
  const match = ABSOLUTE.exec(input);
  if (match === null) fail(input, 'is not an absolute URI of the form scheme://host[/path]');
  const [, scheme = '', authority = '', rest = ''] = match;
  if (!/^https?$/i.test(scheme))
    fail(input, `uses the scheme ${scheme}:, expected https: (or http: on loopback)`);
  if (authority === '') fail(input, 'has no host');
  if (authority.includes('@')) fail(input, 'MUST NOT contain userinfo');
  if (input.includes('#')) fail(input, 'MUST NOT include a fragment (RFC 8707 §2); remove the "#…" part');
  const path = rest.split('?', 1)[0] ?? '';
  if (path.split('/').some((segment) => DOT_SEGMENT.test(segment))) {
    fail(input, 'contains a "." or ".." path segment; use the resolved path');
  }
  const url = URL.parse(input);
  if (url === null || url.hostname === '') fail(input, 'is not a valid URL');
  const pathname = rest.startsWith('/') ? url.pathname : '';
  return `${url.protocol}//${url.host}${pathname}${url.search}`;
}

/**
 * `true` when `input` is already in canonical form (see {@link canonicalResourceUri}).
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export function isCanonicalResourceUri(input: string): boolean {
  try {
    return canonicalResourceUri(input) === input;
  } catch {
    return false;
  }
}
