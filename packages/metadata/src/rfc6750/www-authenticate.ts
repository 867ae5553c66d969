// Written by hand on purpose: oauth4webapi's parseWwwAuthenticateChallenges reads a Response and returns
// undefined or throws its own errors on malformed input, and no well-kept library formats challenges. This module
// must take a bare header string, never throw anything but WwwAuthenticateParseError / WwwAuthenticateFormatError,
// and format the exact RFC 6750 §3 / RFC 9728 §5.1 challenges our servers send.
import { WwwAuthenticateFormatError, WwwAuthenticateParseError } from '../errors.js';
import { isScopeToken } from '../scopes.js';

/**
 * One challenge of a `WWW-Authenticate` header: an auth-scheme with either a token68 or auth-params. Parameter
 * names are lowercased by the parser (they are case-insensitive); the scheme keeps its spelling.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 */
export interface AuthChallenge {
  readonly scheme: string;
  readonly token68?: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * The parameters of a Bearer challenge. Unknown extension parameters are kept.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 */
export interface BearerChallengeParams {
  readonly realm?: string | undefined;
  readonly scope?: string | undefined;
  readonly error?: string | undefined;
  readonly error_description?: string | undefined;
  readonly error_uri?: string | undefined;
  /** Absolute URL of the protected resource metadata. */
  readonly resource_metadata?: string | undefined;
  readonly [param: string]: string | undefined;
}

const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TOKEN68 = /[A-Za-z0-9\-._~+/]+=*/y;
const TOKEN68_FULL = /^[A-Za-z0-9\-._~+/]+=*$/;
const ERROR_CHARS = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;
const URI_CHARS = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

function isTchar(c: string | undefined): boolean {
  return c !== undefined && TCHAR.test(c);
}

function isWs(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

/** quoted-string content: HTAB, SP, VCHAR, obs-text (RFC 9110 §5.6.4). */
function isQuotable(code: number): boolean {
  return code === 0x09 || (code >= 0x20 && code <= 0xff && code !== 0x7f);
}

/**
 * Parse a `WWW-Authenticate` value (or several header lines) into its challenges. Tolerates what real servers
 * send: several challenges in one value (`Basic realm="x", Bearer error="invalid_token", DPoP algs="ES256"`),
 * escaped quotes and commas inside quoted strings, token68, any letter case and extra whitespace or commas.
 * An empty value gives no challenges.
 * @throws {WwwAuthenticateParseError} on any syntax error; no other exception escapes.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 */
export function parseWwwAuthenticate(header: string | readonly string[]): AuthChallenge[] {
  const s = Array.isArray(header) && header.every((h) => typeof h === 'string') ? header.join(', ') : header;
  if (typeof s !== 'string')
    throw new WwwAuthenticateParseError('WWW-Authenticate value must be a string', 0);
  const n = s.length;
  let i = 0;
  const fail = (what: string): never => {
    const found = i < n ? JSON.stringify(s[i]) : 'the end';
    throw new WwwAuthenticateParseError(`WWW-Authenticate: ${what}, found ${found} at position ${i}`, i);
  };
  const skipWs = () => {
    while (isWs(s[i])) i++;
  };
  const skipSeparators = () => {
    while (isWs(s[i]) || s[i] === ',') i++;
  };
  const readToken = () => {
    const start = i;
    while (isTchar(s[i])) i++;
    return s.slice(start, i);
  };
  const readQuoted = () => {
    let out = '';
    for (i++; i < n; i++) {
      const c = s[i] as string;
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\\') i++;
      if (i >= n) break;
      if (!isQuotable(s.charCodeAt(i))) fail('invalid character inside a quoted-string');
      out += s[i];
    }
    return fail('unterminated quoted-string');
  };
  const tryToken68 = (): string | undefined => {
    TOKEN68.lastIndex = i;
    const match = TOKEN68.exec(s);
    if (match === null) return undefined;
    let j = i + match[0].length;
    while (isWs(s[j])) j++;
    if (j < n && s[j] !== ',') return undefined;
    i = j;
    return match[0];
  };
  const readParams = (params: Record<string, string>) => {
    for (;;) {
      const name = readToken();
      if (name === '') fail('expected an auth-param name');
      skipWs();
      if (s[i] !== '=') fail(`expected "=" after the parameter name ${JSON.stringify(name)}`);
      i++;
      skipWs();
      const value = s[i] === '"' ? readQuoted() : readToken();
      if (value === '' && s[i - 1] !== '"') fail(`expected a token or quoted-string value for ${name}`);
      const key = name.toLowerCase();
      if (Object.hasOwn(params, key)) fail(`duplicate parameter ${JSON.stringify(name)} in one challenge`);
      params[key] = value;
      skipWs();
      if (i >= n) return;
      if (s[i] !== ',') fail(`expected "," or the end after the parameter ${JSON.stringify(name)}`);
      let j = i;
      while (isWs(s[j]) || s[j] === ',') j++;
      let k = j;
      while (isTchar(s[k])) k++;
      if (k === j) return;
      while (isWs(s[k])) k++;
      if (s[k] !== '=') return;
      i = j;
    }
  };

  const challenges: AuthChallenge[] = [];
  skipSeparators();
  while (i < n) {
    const scheme = readToken();
    if (scheme === '') fail('expected an auth-scheme');
    const params: Record<string, string> = Object.create(null);
    const before = i;
    skipWs();
    let token68: string | undefined;
    if (i < n && s[i] !== ',') {
      if (i === before) fail(`expected a space after the auth-scheme ${JSON.stringify(scheme)}`);
      token68 = tryToken68();
      if (token68 === undefined) readParams(params);
    }
    challenges.push(token68 === undefined ? { scheme, params } : { scheme, token68, params });
    skipSeparators();
  }
  return challenges;
}

/**
 * The parameters of the first Bearer challenge (scheme compared case-insensitively), or `undefined` when the
 * header has none.
 * @throws {WwwAuthenticateParseError} on any syntax error.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function parseBearerChallenge(header: string | readonly string[]): BearerChallengeParams | undefined {
  const bearer = parseWwwAuthenticate(header).find((c) => c.scheme.toLowerCase() === 'bearer');
  return bearer === undefined ? undefined : { ...bearer.params };
}

function quote(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new WwwAuthenticateFormatError(`parameter ${name} must be a string`);
  let out = '"';
  for (let k = 0; k < value.length; k++) {
    const code = value.charCodeAt(k);
    if (!isQuotable(code)) {
      throw new WwwAuthenticateFormatError(
        `parameter ${name} contains U+${code.toString(16).toUpperCase().padStart(4, '0')}, which a quoted-string cannot carry; remove control and non-Latin-1 characters`,
      );
    }
    out += code === 0x22 || code === 0x5c ? `\\${value[k]}` : value[k];
  }
  return `${out}"`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function formatOne(challenge: AuthChallenge): string {
  if (!isRecord(challenge)) {
    throw new WwwAuthenticateFormatError(
      `a challenge must be an object with a scheme, not ${challenge === null ? 'null' : typeof challenge}`,
    );
  }
  if (challenge.params !== undefined && !isRecord(challenge.params)) {
    throw new WwwAuthenticateFormatError('the params of a challenge must be an object of name → value');
  }
  if (typeof challenge.scheme !== 'string' || !TCHAR.test(challenge.scheme)) {
    throw new WwwAuthenticateFormatError(`auth-scheme ${JSON.stringify(challenge.scheme)} is not a token`);
  }
  const entries = Object.entries(challenge.params ?? {});
  if (challenge.token68 !== undefined) {
    if (entries.length > 0)
      throw new WwwAuthenticateFormatError('a challenge has either token68 or parameters');
    if (!TOKEN68_FULL.test(challenge.token68)) {
      throw new WwwAuthenticateFormatError(`${JSON.stringify(challenge.token68)} is not a valid token68`);
    }
    return `${challenge.scheme} ${challenge.token68}`;
  }
  if (entries.length === 0) return challenge.scheme;
  const seen = new Set<string>();
  const params = entries.map(([name, value]) => {
    if (!TCHAR.test(name))
      throw new WwwAuthenticateFormatError(`parameter name ${JSON.stringify(name)} is not a token`);
    if (seen.has(name.toLowerCase())) throw new WwwAuthenticateFormatError(`parameter ${name} appears twice`);
    seen.add(name.toLowerCase());
    return `${name}=${quote(name, value)}`;
  });
  return `${challenge.scheme} ${params.join(', ')}`;
}

/**
 * Write challenges as one `WWW-Authenticate` value. Parameter values are always quoted, with `"` and `\`
 * escaped.
 * @throws {WwwAuthenticateFormatError} when a scheme, name, token68 or value cannot be represented.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 */
export function formatWwwAuthenticate(challenges: AuthChallenge | readonly AuthChallenge[]): string {
  const list = Array.isArray(challenges) ? challenges : [challenges as AuthChallenge];
  if (list.length === 0)
    throw new WwwAuthenticateFormatError('WWW-Authenticate needs at least one challenge');
  return list.map(formatOne).join(', ');
}

function check(name: string, value: string, valid: boolean, rule: string): void {
  if (!valid) throw new WwwAuthenticateFormatError(`${name} ${JSON.stringify(value)} ${rule}`);
}

/**
 * Write a Bearer challenge, checking the RFC 6750 §3 value rules: `error` and `error_description` only use
 * %x20-21 / %x23-5B / %x5D-7E, `error_uri` and `resource_metadata` are absolute URIs, `scope` is
 * space-delimited scope-tokens. Parameters set to `undefined` are left out; order is kept.
 * @throws {WwwAuthenticateFormatError} when a value breaks those rules.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 */
export function formatBearerChallenge(params: BearerChallengeParams = {}): string {
  const out: Record<string, string> = {};
  if (!isRecord(params)) {
    throw new WwwAuthenticateFormatError(
      'the parameters of a Bearer challenge must be an object of name → value',
    );
  }
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new WwwAuthenticateFormatError(`parameter ${name} must be a string`);
    // auth-param names are case-insensitive (RFC 9110 §11.2): `Error` is checked as `error` is.
    const key = name.toLowerCase();
    if (key === 'error' || key === 'error_description') {
      check(
        name,
        value,
        ERROR_CHARS.test(value) && value !== '',
        'must use only %x20-21 / %x23-5B / %x5D-7E',
      );
    } else if (key === 'error_uri' || key === 'resource_metadata') {
      check(name, value, URI_CHARS.test(value) && URL.canParse(value), 'must be an absolute URI');
    } else if (key === 'scope') {
      check(
        name,
        value,
        value.split(' ').every(isScopeToken),
        'must be scope-tokens separated by single spaces',
      );
    }
    out[name] = value;
  }
  return formatWwwAuthenticate({ scheme: 'Bearer', params: out });
}
