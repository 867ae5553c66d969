import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  InvalidUrlError,
  isMetadataError,
  METADATA_ERROR_CODES,
  MetadataError,
  MetadataValidationError,
  ResourceMismatchError,
  WwwAuthenticateParseError,
} from '../src/index.js';

describe('non-wire errors', () => {
  it('lists every code once, all package-prefixed', () => {
    expect(new Set(METADATA_ERROR_CODES).size).toBe(METADATA_ERROR_CODES.length);
    for (const code of METADATA_ERROR_CODES) expect(code).toMatch(/^ERR_PORTCULLIS_METADATA_[A-Z_]+$/);
  });

  it('sets code as a static and an instance field, and the class name', () => {
    const error = new InvalidUrlError('x');
    expect(error.code).toBe(InvalidUrlError.code);
    expect(error.name).toBe('InvalidUrlError');
    expect(error).toBeInstanceOf(MetadataError);
    expect(isMetadataError(error)).toBe(true);
    expect(isMetadataError(new Error('x'))).toBe(false);
  });

  it('names the document and every issue in a validation error', () => {
    const error = new MetadataValidationError('protected resource metadata', [
      { path: '"resource"', message: 'is REQUIRED (RFC 9728 §2)' },
      { path: '', message: 'must be an object' },
    ]);
    expect(error.message).toBe(
      'protected resource metadata is invalid: "resource": is REQUIRED (RFC 9728 §2); must be an object. Fix the document where it is published, or do not use it.',
    );
    expect(error.issues).toHaveLength(2);
  });

  it('keeps expected and actual on a mismatch, and the position on a parse error', () => {
    const mismatch = new ResourceMismatchError('m', 'https://x', 'https://x/');
    expect([mismatch.expected, mismatch.actual]).toEqual(['https://x', 'https://x/']);
    expect(new WwwAuthenticateParseError('m', 7).position).toBe(7);
  });

  it('keeps a cause', () => {
    const cause = new Error('inner');
    expect(new InvalidUrlError('outer', { cause }).cause).toBe(cause);
  });
});

describe('error catalogue', () => {
  it('documents every code in README.md and lists no stale code', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const documented = new Set(readme.match(/ERR_PORTCULLIS_METADATA_[A-Z_]+/g));
    expect([...documented].sort()).toEqual([...METADATA_ERROR_CODES].sort());
  });
});
