import { describe, expect, it } from 'vitest';
import {
  type MetadataValidationError,
  parseProtectedResourceMetadata,
  protectedResourceMetadataSchema,
  serializeProtectedResourceMetadata,
  validateProtectedResourceMetadata,
} from '../../src/index.js';
import { expectCode, fixture, patched } from '../helpers.js';

const EXAMPLE = 'rfc9728/section-3.2-metadata-response.json';
const INVALID = 'ERR_PORTCULLIS_METADATA_INVALID_DOCUMENT';

function issues(input: unknown, options?: { allowLoopbackHttp?: boolean }) {
  return (
    expectCode(() => parseProtectedResourceMetadata(input, options), INVALID) as MetadataValidationError
  ).issues;
}

describe('RFC 9728 protected resource metadata', () => {
  it('[RS-09 RS-10] accepts the RFC example and keeps unknown members', () => {
    const doc = parseProtectedResourceMetadata({ ...(fixture(EXAMPLE) as object), custom_member: { a: 1 } });
    expect(doc.resource).toBe('https://resource.example.com');
    expect(doc.authorization_servers).toEqual(['https://as1.example.com', 'https://as2.example.net']);
    expect(doc.scopes_supported).toEqual(['profile', 'email', 'phone']);
    expect(doc.custom_member).toEqual({ a: 1 });
  });

  it('[RS-08] requires resource', () => {
    expect(issues(patched(EXAMPLE, { resource: undefined }))).toEqual([
      { path: '"resource"', message: 'is REQUIRED (RFC 9728 §2)' },
    ]);
  });

  it('[RS-08] refuses a resource with a fragment', () => {
    expect(issues(patched(EXAMPLE, { resource: 'https://resource.example.com/#x' }))[0]?.message).toBe(
      'MUST NOT contain a fragment (RFC 9728 §1.2)',
    );
  });

  it('[RS-31 CL-29] refuses a non-https resource and non-https authorization servers', () => {
    expect(issues(patched(EXAMPLE, { resource: 'http://resource.example.com' }))[0]?.path).toBe('"resource"');
    const found = issues(
      patched(EXAMPLE, { authorization_servers: ['http://169.254.169.254/', 'javascript:alert(1)'] }),
    );
    expect(found.map((i) => i.path)).toEqual(['"authorization_servers"[0]', '"authorization_servers"[1]']);
  });

  it('[RS-09 AS-02] refuses an authorization server issuer with a query', () => {
    expect(
      issues(patched(EXAMPLE, { authorization_servers: ['https://as.example/?tenant=1'] }))[0]?.message,
    ).toBe('MUST NOT contain a query or fragment component (RFC 8414 §2)');
  });

  it('[RS-31] accepts loopback http only when allowed', () => {
    const local = {
      resource: 'http://127.0.0.1:8931/mcp',
      authorization_servers: ['http://127.0.0.1:18080/realms/mcp'],
    };
    issues(local);
    expect(parseProtectedResourceMetadata(local, { allowLoopbackHttp: true }).resource).toBe(
      'http://127.0.0.1:8931/mcp',
    );
  });

  it('checks member types', () => {
    const found = issues(
      patched(EXAMPLE, { scopes_supported: 'profile', dpop_bound_access_tokens_required: 'yes' }),
    );
    expect(found.map((i) => i.path)).toEqual(['"scopes_supported"', '"dpop_bound_access_tokens_required"']);
    issues('not an object');
    issues(null);
    issues([]);
  });

  it('[CL-03 RS-08] validates resource against the requested resource by exact string comparison', () => {
    const doc = fixture(EXAMPLE);
    expect(
      validateProtectedResourceMetadata(doc, { expectedResource: 'https://resource.example.com' }).resource,
    ).toBe('https://resource.example.com');
    const error = expectCode(
      () => validateProtectedResourceMetadata(doc, { expectedResource: 'https://resource.example.com/' }),
      'ERR_PORTCULLIS_METADATA_RESOURCE_MISMATCH',
    );
    expect(error.message).toBe(
      '"resource" in protected resource metadata ("https://resource.example.com") MUST equal the resource the metadata was requested for ("https://resource.example.com/"); do not use this metadata',
    );
    expectCode(
      () =>
        validateProtectedResourceMetadata(patched(EXAMPLE, { resource: 'https://evil.example.com/mcp' }), {
          expectedResource: 'https://resource.example.com',
        }),
      'ERR_PORTCULLIS_METADATA_RESOURCE_MISMATCH',
    );
  });

  it('refuses to serialise an invalid document', () => {
    expectCode(
      () => serializeProtectedResourceMetadata({ resource: 'javascript:alert(1)' } as never),
      INVALID,
    );
  });

  it('builds each schema variant once', () => {
    expect(protectedResourceMetadataSchema()).toBe(
      protectedResourceMetadataSchema({ allowLoopbackHttp: false }),
    );
    expect(protectedResourceMetadataSchema({ allowLoopbackHttp: true })).not.toBe(
      protectedResourceMetadataSchema(),
    );
  });
});
