import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalResourceUri, isCanonicalResourceUri } from '../src/index.js';
import { expectCode } from './helpers.js';

describe('canonicalResourceUri', () => {
  it('[CL-09] never adds a trailing slash to an origin-only resource', () => {
    expect(canonicalResourceUri('https://H.example')).toBe('https://h.example');
    expect(canonicalResourceUri('https://h.example:443')).toBe('https://h.example');
    expect(new URL('https://h.example').href).toBe('https://h.example/');
  });

  it('[CL-09 RS-08] keeps an existing trailing slash and the exact path', () => {
    expect(canonicalResourceUri('https://h.example/mcp/')).toBe('https://h.example/mcp/');
    expect(canonicalResourceUri('https://h.example/')).toBe('https://h.example/');
    expect(canonicalResourceUri('https://h.example/MCP/Server')).toBe('https://h.example/MCP/Server');
  });

  it('[CL-10] lowercases scheme and host and drops default ports only', () => {
    expect(canonicalResourceUri('HTTPS://RS.TEST/mcp')).toBe('https://rs.test/mcp');
    expect(canonicalResourceUri('http://LOCALHOST:80/mcp')).toBe('http://localhost/mcp');
    expect(canonicalResourceUri('https://rs.test:8443/mcp')).toBe('https://rs.test:8443/mcp');
    expect(canonicalResourceUri('http://[::1]:3000/mcp')).toBe('http://[::1]:3000/mcp');
  });

  it('keeps the query, without adding a slash before it', () => {
    expect(canonicalResourceUri('https://h.example?tenant=a')).toBe('https://h.example?tenant=a');
    expect(canonicalResourceUri('https://h.example/mcp?tenant=a')).toBe('https://h.example/mcp?tenant=a');
  });

  it('[RS-08 AS-09] rejects a fragment rather than stripping it', () => {
    const error = expectCode(
      () => canonicalResourceUri('https://rs.test/mcp#x'),
      'ERR_PORTCULLIS_METADATA_INVALID_RESOURCE_URI',
    );
    expect(error.message).toBe(
      'resource "https://rs.test/mcp#x" MUST NOT include a fragment (RFC 8707 §2); remove the "#…" part',
    );
    expectCode(
      () => canonicalResourceUri('https://rs.test#'),
      'ERR_PORTCULLIS_METADATA_INVALID_RESOURCE_URI',
    );
  });

  it.each([
    ['relative', '/mcp'],
    ['no slashes', 'https:rs.test/mcp'],
    ['other scheme', 'urn:example:mcp'],
    ['ftp', 'ftp://rs.test/mcp'],
    ['empty host', 'https:///mcp'],
    ['userinfo', 'https://user:pw@rs.test/mcp'],
    ['dot segment', 'https://rs.test/a/../mcp'],
    ['encoded dot segment', 'https://rs.test/a/%2E%2e/mcp'],
    ['whitespace', ' https://rs.test/mcp'],
    ['tab inside', 'https://rs.test/m\tcp'],
    ['backslash', 'https://rs.test\\mcp'],
    ['bad host', 'https://exa mple.com'],
    ['invalid port', 'https://rs.test:99999/'],
    ['not a string', 42],
  ])('[AS-09] rejects %s', (_name, value) => {
    expectCode(() => canonicalResourceUri(value as string), 'ERR_PORTCULLIS_METADATA_INVALID_RESOURCE_URI');
  });

  it('tells whether a value is already canonical', () => {
    expect(isCanonicalResourceUri('https://h.example')).toBe(true);
    expect(isCanonicalResourceUri('https://H.example')).toBe(false);
    expect(isCanonicalResourceUri('https://h.example#x')).toBe(false);
  });
});

const label = fc
  .stringMatching(/^[a-zA-Z](?:[a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?$/)
  .filter((l) => !/^..--/.test(l));
const host = fc.array(label, { minLength: 1, maxLength: 3 }).map((labels) => labels.join('.'));
const segment = fc
  .stringMatching(/^[a-zA-Z0-9._~!$&'()*+,;=:@-]{1,8}$/)
  .filter((s) => s !== '.' && s !== '..');
const path = fc.oneof(
  fc.constant(''),
  fc
    .array(segment, { maxLength: 4 })
    .chain((segs) => fc.boolean().map((slash) => `/${segs.join('/')}${slash && segs.length > 0 ? '/' : ''}`)),
);
const query = fc.oneof(fc.constant(''), fc.stringMatching(/^\?[a-z0-9=&]{1,10}$/));
const resource = fc
  .record({
    scheme: fc.constantFrom('https', 'HTTPS', 'Https', 'http', 'HTTP'),
    host,
    port: fc.oneof(
      fc.constant(''),
      fc.constantFrom(':443', ':80', ':8443'),
      fc.integer({ min: 1, max: 65535 }).map((p) => `:${p}`),
    ),
    path,
    query,
  })
  .map((r) => ({ ...r, uri: `${r.scheme}://${r.host}${r.port}${r.path}${r.query}` }));

describe('canonicalResourceUri properties', () => {
  it('[CL-09 CL-10] is idempotent', () => {
    fc.assert(
      fc.property(resource, ({ uri }) => {
        const once = canonicalResourceUri(uri);
        expect(canonicalResourceUri(once)).toBe(once);
        expect(isCanonicalResourceUri(once)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('[CL-09] never adds a trailing slash', () => {
    fc.assert(
      fc.property(resource, ({ uri }) => {
        if (!uri.endsWith('/')) expect(canonicalResourceUri(uri).endsWith('/')).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('[CL-10] lowercases scheme and host only; path and query are kept verbatim', () => {
    fc.assert(
      fc.property(resource, ({ scheme, host, path: p, query: q, uri }) => {
        const out = canonicalResourceUri(uri);
        expect(out.startsWith(`${scheme.toLowerCase()}://${host.toLowerCase()}`)).toBe(true);
        expect(out.endsWith(`${p}${q}`)).toBe(true);
        const authority = out.slice(out.indexOf('//') + 2).split(/[/?]/, 1)[0] ?? '';
        expect(authority.endsWith(out.startsWith('https:') ? ':443' : ':80')).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('[RS-08] never outputs a fragment', () => {
    fc.assert(
      fc.property(resource, fc.string(), ({ uri }, frag) => {
        expectCode(
          () => canonicalResourceUri(`${uri}#${frag}`),
          'ERR_PORTCULLIS_METADATA_INVALID_RESOURCE_URI',
        );
      }),
      { numRuns: 500 },
    );
  });
});
