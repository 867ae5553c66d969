import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  defineScopeHierarchy,
  formatScope,
  isScopeToken,
  missingScopes,
  parseScope,
  satisfies,
  unionScopes,
} from '../src/index.js';
import { expectCode } from './helpers.js';

describe('scope syntax (RFC 6749 §3.3)', () => {
  it('parses tokens in order, tolerating extra spaces and dropping duplicates', () => {
    expect(parseScope('  mcp:read  files:read mcp:read ')).toEqual(['mcp:read', 'files:read']);
    expect(parseScope('')).toEqual([]);
  });

  it('refuses characters outside the scope-token set', () => {
    for (const bad of ['a"b', 'a\\b', 'a\tb', 'é', 'a\nb']) {
      expectCode(() => parseScope(bad), 'ERR_PORTCULLIS_METADATA_INVALID_SCOPE');
    }
    expectCode(() => parseScope(1 as unknown as string), 'ERR_PORTCULLIS_METADATA_INVALID_SCOPE');
    expect(isScopeToken('urn:x:y/z!')).toBe(true);
  });

  it('formats without duplicates and refuses bad tokens', () => {
    expect(formatScope(['a', 'b', 'a'])).toBe('a b');
    expect(formatScope([])).toBe('');
    const error = expectCode(() => formatScope(['ok', 'not ok']), 'ERR_PORTCULLIS_METADATA_INVALID_SCOPE');
    expect(error.message).toContain('"not ok"');
  });

  it('round-trips any list of scope-tokens', () => {
    const token = fc.stringMatching(/^[\x21\x23-\x5B\x5D-\x7E]{1,12}$/);
    fc.assert(
      fc.property(fc.uniqueArray(token, { maxLength: 8 }), (tokens) => {
        expect(parseScope(formatScope(tokens))).toEqual(tokens);
      }),
    );
  });
});

describe('step-up scope union', () => {
  it('[CL-13] requests previously requested ∪ challenged scopes, first-seen order', () => {
    expect(unionScopes('mcp:basic', ['mcp:write', 'mcp:basic'], 'files:read')).toEqual([
      'mcp:basic',
      'mcp:write',
      'files:read',
    ]);
  });
});

describe('scope hierarchy', () => {
  const hierarchy = defineScopeHierarchy({
    'mcp:admin': ['mcp:tools'],
    'mcp:tools': ['mcp:tools:read'],
    files: ['files:read', 'files:write'],
    a: ['b'],
    b: ['a'],
  });

  it('[RS-18] lets a broader scope satisfy a narrower one', () => {
    expect(satisfies('files', 'files:read', hierarchy)).toBe(true);
    expect(satisfies(['files'], ['files:read', 'files:write'], hierarchy)).toBe(true);
    expect(satisfies('files:read', 'files', hierarchy)).toBe(false);
  });

  it('[RS-18] follows the hierarchy transitively', () => {
    expect(satisfies('mcp:admin', 'mcp:tools:read', hierarchy)).toBe(true);
  });

  it('[RS-18] is cycle-safe', () => {
    expect(satisfies('a', ['a', 'b'], hierarchy)).toBe(true);
    expect(missingScopes('a', 'c', hierarchy)).toEqual(['c']);
  });

  it('[RS-16 RS-17] lists every missing scope, in required order', () => {
    expect(missingScopes('mcp:tools', ['files:write', 'mcp:tools:read', 'mcp:admin'], hierarchy)).toEqual([
      'files:write',
      'mcp:admin',
    ]);
    expect(missingScopes('', 'x y')).toEqual(['x', 'y']);
  });

  it('ignores inherited object keys', () => {
    expect(satisfies('constructor', 'toString', hierarchy)).toBe(false);
  });

  it('validates the hierarchy configuration strictly', () => {
    expect(Object.isFrozen(hierarchy)).toBe(true);
    expect(Object.isFrozen(hierarchy.files)).toBe(true);
    for (const bad of [{ 'a b': ['c'] }, { a: 'b' }, { a: ['b c'] }, null, []]) {
      const error = expectCode(
        () => defineScopeHierarchy(bad),
        'ERR_PORTCULLIS_METADATA_INVALID_SCOPE_HIERARCHY',
      );
      expect(error.message).toMatch(/^scope hierarchy is invalid/);
    }
  });
});
