import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AuthChallenge,
  formatBearerChallenge,
  formatWwwAuthenticate,
  parseBearerChallenge,
  parseWwwAuthenticate,
  WwwAuthenticateParseError,
} from '../../src/index.js';
import { expectCode } from '../helpers.js';

const PARSE = 'ERR_PORTCULLIS_METADATA_WWW_AUTHENTICATE_PARSE';
const FORMAT = 'ERR_PORTCULLIS_METADATA_WWW_AUTHENTICATE_FORMAT';

describe('parseWwwAuthenticate (RFC 9110 §11.6.1)', () => {
  it('[RS-01 CL-01] reads several challenges in one header', () => {
    expect(parseWwwAuthenticate('Basic realm="x", Bearer error="invalid_token", DPoP algs="ES256"')).toEqual([
      { scheme: 'Basic', params: { realm: 'x' } },
      { scheme: 'Bearer', params: { error: 'invalid_token' } },
      { scheme: 'DPoP', params: { algs: 'ES256' } },
    ]);
  });

  it('unescapes quoted strings and keeps commas inside them', () => {
    expect(parseWwwAuthenticate('Bearer realm="a \\"b\\", c\\\\d", scope="x y"')).toEqual([
      { scheme: 'Bearer', params: { realm: 'a "b", c\\d', scope: 'x y' } },
    ]);
  });

  it('reads token68 and unquoted token values', () => {
    expect(parseWwwAuthenticate('Negotiate abc+/=, Newauth realm=apps, type=1, Basic')).toEqual([
      { scheme: 'Negotiate', token68: 'abc+/=', params: {} },
      { scheme: 'Newauth', params: { realm: 'apps', type: '1' } },
      { scheme: 'Basic', params: {} },
    ]);
  });

  it('[RS-01] matches scheme and parameter names case-insensitively and tolerates extra whitespace and commas', () => {
    const header = ' , bEaReR   REALM = "mcp" ,, Error="invalid_token" , ';
    expect(parseBearerChallenge(header)).toEqual({ realm: 'mcp', error: 'invalid_token' });
    expect(parseWwwAuthenticate(['Basic realm="a"', 'bearer scope="s"'])).toHaveLength(2);
  });

  it('[CL-01] extracts resource_metadata and scope from a Bearer challenge', () => {
    const params = parseBearerChallenge(
      'Bearer error="insufficient_scope", scope="mcp:write", resource_metadata="https://rs.test/.well-known/oauth-protected-resource/mcp"',
    );
    expect(params?.resource_metadata).toBe('https://rs.test/.well-known/oauth-protected-resource/mcp');
    expect(params?.scope).toBe('mcp:write');
    expect(parseBearerChallenge('Basic realm="x"')).toBeUndefined();
  });

  it('gives no challenges for an empty value', () => {
    expect(parseWwwAuthenticate('')).toEqual([]);
    expect(parseWwwAuthenticate(' , ')).toEqual([]);
    expect(parseWwwAuthenticate('Bearer realm=""')).toEqual([{ scheme: 'Bearer', params: { realm: '' } }]);
  });

  it.each([
    ['no space after the scheme', 'Bearer"x"'],
    ['parameter without "="', 'Bearer realm "x"'],
    ['missing value', 'Bearer a="b", realm='],
    ['unterminated quoted-string', 'Bearer realm="x'],
    ['dangling escape', 'Bearer realm="x\\'],
    ['control character in a quoted-string', 'Bearer realm="a\u0001b"'],
    ['non-Latin-1 character', 'Bearer realm="☃"'],
    ['duplicate parameter', 'Bearer realm="a", REALM="b"'],
    ['garbage after a value', 'Bearer realm="a" x'],
    ['semicolon separator', 'Bearer realm="a"; error="b"'],
    ['no scheme', '="x"'],
    ['token68 then params', 'Negotiate abc, def="x"'],
    ['not a string', 42],
  ])('raises a typed error on %s', (_name, header) => {
    const error = expectCode(() => parseWwwAuthenticate(header as string), PARSE);
    expect(error).toBeInstanceOf(WwwAuthenticateParseError);
    expect((error as WwwAuthenticateParseError).position).toBeGreaterThanOrEqual(0);
  });

  it('says where parsing stopped', () => {
    const error = expectCode(() => parseWwwAuthenticate('Bearer realm="a" x'), PARSE);
    expect(error.message).toBe(
      'WWW-Authenticate: expected "," or the end after the parameter "realm", found "x" at position 17',
    );
  });
});

describe('formatWwwAuthenticate / formatBearerChallenge', () => {
  it('[RS-01 RS-03] writes a bare Bearer challenge with no error for a request without credentials', () => {
    expect(formatBearerChallenge({ resource_metadata: 'https://rs.test/prm', scope: undefined })).toBe(
      'Bearer resource_metadata="https://rs.test/prm"',
    );
    expect(formatBearerChallenge()).toBe('Bearer');
  });

  it('[RS-02 RS-04] writes scope and resource_metadata quoted, in the given order', () => {
    expect(
      formatBearerChallenge({ scope: 'mcp:tools files:read', resource_metadata: 'https://rs.test/prm' }),
    ).toBe('Bearer scope="mcp:tools files:read", resource_metadata="https://rs.test/prm"');
  });

  it('escapes quotes and backslashes', () => {
    expect(formatWwwAuthenticate({ scheme: 'Basic', params: { realm: 'a"b\\c, d' } })).toBe(
      'Basic realm="a\\"b\\\\c, d"',
    );
    expect(
      formatWwwAuthenticate([
        { scheme: 'Negotiate', token68: 'abc==', params: {} },
        { scheme: 'Basic', params: {} },
      ]),
    ).toBe('Negotiate abc==, Basic');
  });

  it.each([
    ['a control character', { scheme: 'Bearer', params: { realm: 'a\nb' } }],
    ['DEL', { scheme: 'Bearer', params: { realm: 'a\u007fb' } }],
    ['a non-Latin-1 character', { scheme: 'Bearer', params: { realm: '☃' } }],
    ['a bad scheme', { scheme: 'Bear er', params: {} }],
    ['a bad parameter name', { scheme: 'Bearer', params: { 'a b': 'x' } }],
    ['a duplicate parameter', { scheme: 'Bearer', params: { realm: 'a', REALM: 'b' } }],
    ['a non-string value', { scheme: 'Bearer', params: { realm: 1 } }],
    ['token68 with params', { scheme: 'Basic', token68: 'abc', params: { realm: 'x' } }],
    ['a bad token68', { scheme: 'Basic', token68: 'a b', params: {} }],
  ])('refuses %s', (_name, challenge) => {
    expectCode(() => formatWwwAuthenticate(challenge as unknown as AuthChallenge), FORMAT);
  });

  it('refuses an empty challenge list', () => {
    expectCode(() => formatWwwAuthenticate([]), FORMAT);
  });

  it.each([
    ['null', null],
    ['a string', 'Bearer'],
    ['a list holding null', [null]],
    ['params that are a string', { scheme: 'Bearer', params: 'realm' }],
    ['params that are an array', { scheme: 'Bearer', params: ['realm', 'x'] }],
  ])('refuses %s as a challenge with its typed error, not a TypeError', (_name, challenge) => {
    expectCode(() => formatWwwAuthenticate(challenge as unknown as AuthChallenge), FORMAT);
  });

  it.each([
    ['error with a quote', { error: 'invalid"token' }],
    ['error with a non-ASCII character', { error: 'invalid_tokén' }],
    ['empty error', { error: '' }],
    ['error_description with a backslash', { error_description: 'a\\b' }],
    ['relative error_uri', { error_uri: '/errors/1' }],
    ['resource_metadata with a space', { resource_metadata: 'https://rs.test/a b' }],
    ['scope with a double space', { scope: 'a  b' }],
    ['a non-string value', { realm: 5 }],
    ['Error (any letter case) with a quote', { Error: 'invalid"token' }],
    ['ERROR_DESCRIPTION with a backslash', { ERROR_DESCRIPTION: 'a\\b' }],
    ['Resource_Metadata that is relative', { Resource_Metadata: '/prm' }],
    ['Scope with a double space', { Scope: 'a  b' }],
    ['error twice in two letter cases', { error: 'invalid_token', Error: 'invalid_token' }],
  ])('[RS-15 RS-16] refuses a Bearer challenge with %s', (_name, params) => {
    expectCode(() => formatBearerChallenge(params as never), FORMAT);
  });

  it('refuses Bearer parameters that are not an object', () => {
    expectCode(() => formatBearerChallenge(null as never), FORMAT);
    expectCode(() => formatBearerChallenge('scope' as never), FORMAT);
  });
});

const tchar = fc.constantFrom(
  ..."!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".split(''),
);
const token = fc.string({ unit: tchar, minLength: 1, maxLength: 10 });
const quotable = fc
  .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.constant(0x09), fc.integer({ min: 0x80, max: 0xff }))
  .map((code) => String.fromCharCode(code));
const value = fc.string({ unit: quotable, maxLength: 20 });
const token68 = fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,12}={0,2}$/);
const challenge: fc.Arbitrary<AuthChallenge> = fc.oneof(
  fc.record({
    scheme: token,
    params: fc
      .uniqueArray(
        fc.tuple(
          token.map((t) => t.toLowerCase()),
          value,
        ),
        { selector: ([k]) => k, maxLength: 5 },
      )
      .map((entries) => Object.fromEntries(entries)),
  }),
  fc.record({ scheme: token, token68, params: fc.constant({}) }),
);

describe('WWW-Authenticate properties', () => {
  it('[RS-01 CL-01] parse(format(challenges)) returns the same challenges', () => {
    fc.assert(
      fc.property(fc.array(challenge, { minLength: 1, maxLength: 4 }), (challenges) => {
        expect(parseWwwAuthenticate(formatWwwAuthenticate(challenges))).toEqual(challenges);
      }),
      { numRuns: 3000 },
    );
  });

  it('format(parse(header)) is a fixed point after one round', () => {
    fc.assert(
      fc.property(fc.array(challenge, { minLength: 1, maxLength: 4 }), (challenges) => {
        const header = formatWwwAuthenticate(challenges);
        expect(formatWwwAuthenticate(parseWwwAuthenticate(header))).toBe(header);
      }),
      { numRuns: 1000 },
    );
  });

  it('[RS-15 RS-16] Bearer challenges with RFC 6750 values round-trip', () => {
    const errorChars = fc.string({
      unit: fc
        .integer({ min: 0x20, max: 0x7e })
        .filter((c) => c !== 0x22 && c !== 0x5c)
        .map((c) => String.fromCharCode(c)),
      minLength: 1,
      maxLength: 20,
    });
    const scopeToken = fc.stringMatching(/^[\x21\x23-\x5B\x5D-\x7E]{1,8}$/);
    fc.assert(
      fc.property(
        errorChars,
        errorChars,
        fc.array(scopeToken, { minLength: 1, maxLength: 4 }),
        (error, description, scopes) => {
          const params = {
            error,
            error_description: description,
            scope: scopes.join(' '),
            resource_metadata: 'https://rs.test/.well-known/oauth-protected-resource/mcp',
          };
          expect(parseBearerChallenge(formatBearerChallenge(params))).toEqual(params);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
