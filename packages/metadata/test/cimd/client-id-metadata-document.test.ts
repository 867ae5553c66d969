import { describe, expect, it } from 'vitest';
import {
  assertClientIdMetadataDocumentUrl,
  isClientIdMetadataDocumentUrl,
  type MetadataValidationError,
  parseClientIdMetadataDocument,
  serializeClientIdMetadataDocument,
  validateClientIdMetadataDocument,
} from '../../src/index.js';
import { expectCode, fixture, patched } from '../helpers.js';

const EXAMPLE = 'cimd/mcp-client-registration-example.json';
const INVALID = 'ERR_PORTCULLIS_METADATA_INVALID_DOCUMENT';

function issues(input: unknown) {
  return (expectCode(() => parseClientIdMetadataDocument(input), INVALID) as MetadataValidationError).issues;
}

describe('client ID metadata document URL', () => {
  it.each([
    'https://app.example.com/oauth/client-metadata.json',
    'https://app.example.com:8443/c',
    'https://conformance-test.local/client-metadata.json',
    'https://app.example.com/c?v=1',
  ])('[CL-17] accepts %s', (url) => {
    expect(assertClientIdMetadataDocumentUrl(url).protocol).toBe('https:');
  });

  it.each([
    ['http', 'http://app.example.com/c.json', 'ERR_PORTCULLIS_METADATA_UNSAFE_URL'],
    ['no path', 'https://app.example.com', 'ERR_PORTCULLIS_METADATA_INVALID_URL'],
    ['root path', 'https://app.example.com/', 'ERR_PORTCULLIS_METADATA_INVALID_URL'],
    ['query without path', 'https://app.example.com?x=1', 'ERR_PORTCULLIS_METADATA_INVALID_URL'],
    ['fragment', 'https://app.example.com/c.json#x', 'ERR_PORTCULLIS_METADATA_INVALID_URL'],
    ['userinfo', 'https://user@app.example.com/c.json', 'ERR_PORTCULLIS_METADATA_INVALID_URL'],
    ['password', 'https://u:p@app.example.com/c.json', 'ERR_PORTCULLIS_METADATA_INVALID_URL'],
    ['dot segment', 'https://app.example.com/a/./c.json', 'ERR_PORTCULLIS_METADATA_INVALID_URL'],
    ['double-dot segment', 'https://app.example.com/a/../c.json', 'ERR_PORTCULLIS_METADATA_INVALID_URL'],
    ['encoded dot segment', 'https://app.example.com/a/%2E%2E/c.json', 'ERR_PORTCULLIS_METADATA_INVALID_URL'],
    ['not a URL', 'client-123', 'ERR_PORTCULLIS_METADATA_INVALID_URL'],
    // The URL parser drops tabs and newlines and reads `\` as `/`: these would be checked as one URL and
    // fetched as another (/trusted/../../evil/c.json).
    [
      'dot segments split by a tab',
      'https://app.example.com/trusted/.\t./.\t./evil/c.json',
      'ERR_PORTCULLIS_METADATA_INVALID_URL',
    ],
    [
      'dot segments split by a newline',
      'https://app.example.com/x/.\n./c.json',
      'ERR_PORTCULLIS_METADATA_INVALID_URL',
    ],
    [
      'backslash dot segments',
      'https://app.example.com/a\\..\\c.json',
      'ERR_PORTCULLIS_METADATA_INVALID_URL',
    ],
    ['leading space', ' https://app.example.com/c.json', 'ERR_PORTCULLIS_METADATA_INVALID_URL'],
    ['no slashes after the scheme', 'https:app.example.com/c.json', 'ERR_PORTCULLIS_METADATA_INVALID_URL'],
  ] as const)('[CL-17 AS-16] refuses %s', (_name, url, code) => {
    expectCode(() => assertClientIdMetadataDocumentUrl(url), code);
    expect(isClientIdMetadataDocumentUrl(url)).toBe(false);
  });

  it('accepts loopback http only when allowed', () => {
    expect(isClientIdMetadataDocumentUrl('http://127.0.0.1:9000/client.json')).toBe(false);
    expect(
      isClientIdMetadataDocumentUrl('http://127.0.0.1:9000/client.json', { allowLoopbackHttp: true }),
    ).toBe(true);
  });
});

describe('client ID metadata document', () => {
  it('[CL-17] accepts the MCP example and the private_key_jwt variant', () => {
    expect(parseClientIdMetadataDocument(fixture(EXAMPLE)).client_name).toBe('Example MCP Client');
    expect(
      parseClientIdMetadataDocument(fixture('cimd/draft-02-section-8.2-private-key-jwt.json')).jwks_uri,
    ).toBe('https://client.example.com/jwks.json');
  });

  it('[CL-17 AS-16] requires client_id, client_name and redirect_uris', () => {
    const found = issues(
      patched(EXAMPLE, { client_id: undefined, client_name: undefined, redirect_uris: undefined }),
    );
    expect([...found].sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: '"client_id"', message: 'is REQUIRED (CIMD draft §3)' },
      { path: '"client_name"', message: 'is REQUIRED (MCP client registration, CIMD)' },
      { path: '"redirect_uris"', message: 'is REQUIRED (MCP client registration, CIMD)' },
    ]);
    expect(issues(patched(EXAMPLE, { redirect_uris: [] }))[0]?.path).toBe('"redirect_uris"');
  });

  it('[CL-17 AS-17] refuses client_secret and client_secret_expires_at', () => {
    expect(
      issues(patched(EXAMPLE, { client_secret: 's3cr3t', client_secret_expires_at: 0 })).map((i) => i.path),
    ).toEqual(['"client_secret"', '"client_secret_expires_at"']);
  });

  it.each(['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'client_secret_custom'])(
    '[CL-17 AS-17] refuses the shared-secret method %s',
    (method) => {
      expect(issues(patched(EXAMPLE, { token_endpoint_auth_method: method }))).toEqual([
        {
          path: '"token_endpoint_auth_method"',
          message: `MUST NOT be a shared-secret method such as ${method}; use "none" or "private_key_jwt"`,
        },
      ]);
    },
  );

  it('[CL-17] refuses private or symmetric key material in jwks', () => {
    const jwks = {
      keys: [
        { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
        { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'private' },
        { kty: 'oct', k: 'secret' },
      ],
    };
    expect(issues(patched(EXAMPLE, { jwks, token_endpoint_auth_method: 'private_key_jwt' }))).toEqual([
      {
        path: '"jwks"."keys"[1]',
        message: 'MUST NOT contain private key material (d); publish public keys only',
      },
      {
        path: '"jwks"."keys"[2]',
        message: 'MUST NOT contain private key material (k); publish public keys only',
      },
    ]);
  });

  it('[CL-17] refuses a client_id that is not a valid client identifier URL', () => {
    expect(issues(patched(EXAMPLE, { client_id: 'https://app.example.com' }))[0]?.message).toBe(
      'client_id "https://app.example.com" MUST contain a path component (e.g. https://app.example/client.json)',
    );
  });

  it('[AS-07 AS-16] refuses non-loopback http redirect URIs', () => {
    expect(issues(patched(EXAMPLE, { redirect_uris: ['http://evil.test/cb'] }))[0]?.path).toBe(
      '"redirect_uris"[0]',
    );
  });

  it('[AS-16] checks that client_id equals the URL the document was fetched from', () => {
    const doc = fixture(EXAMPLE);
    const clientId = 'https://app.example.com/oauth/client-metadata.json';
    expect(validateClientIdMetadataDocument(doc, { clientId }).client_id).toBe(clientId);
    const error = expectCode(
      () =>
        validateClientIdMetadataDocument(doc, {
          clientId: 'https://app.example.com:443/oauth/client-metadata.json',
        }),
      INVALID,
    );
    expect(error.message).toContain('MUST equal the URL the document was fetched from');
  });

  it('serialises only valid documents', () => {
    expect(serializeClientIdMetadataDocument(parseClientIdMetadataDocument(fixture(EXAMPLE)))).toEqual(
      fixture(EXAMPLE),
    );
    expectCode(() => serializeClientIdMetadataDocument({} as never), INVALID);
  });
});
