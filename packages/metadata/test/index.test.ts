import { describe, expect, it } from 'vitest';
import { MCP_PROTOCOL_VERSIONS } from '../src/index.js';

describe('public surface', () => {
  it('lists the MCP protocol versions', () => {
    expect(MCP_PROTOCOL_VERSIONS).toContain('2026-07-28');
  });
});
