import { describe, expect, it } from 'vitest';
import { selectScopes, stepUpScopes } from '../src/index.js';

describe('scope selection', () => {
  it('[CL-11 CL-12] takes the challenge scope even when it is not in scopes_supported', () => {
    expect(selectScopes('x:special', ['mcp:tools'], {})).toEqual(['x:special']);
  });

  it('[CL-11] falls back to every PRM scopes_supported entry, then to no scope', () => {
    expect(selectScopes(undefined, ['a', 'b'], {})).toEqual(['a', 'b']);
    expect(selectScopes('  ', undefined, {})).toEqual([]);
  });

  it('[CL-26] adds offline_access only when asked to and the authorization server lists it', () => {
    const listed = { scopes_supported: ['mcp:tools', 'offline_access'] };
    expect(selectScopes('mcp:tools', undefined, listed, true)).toEqual(['mcp:tools', 'offline_access']);
    expect(selectScopes('mcp:tools', undefined, listed)).toEqual(['mcp:tools']);
    expect(
      selectScopes('mcp:tools offline_access', undefined, { scopes_supported: ['mcp:tools'] }, true),
    ).toEqual(['mcp:tools']);
    expect(selectScopes(undefined, undefined, { scopes_supported: ['offline_access'] }, true)).toEqual([]);
  });

  it('[CL-13] steps up with the union of requested, granted and challenged scopes', () => {
    expect(stepUpScopes(['mcp:basic'], 'mcp:basic mcp:read', 'mcp:write', {})).toEqual([
      'mcp:basic',
      'mcp:read',
      'mcp:write',
    ]);
  });
});
