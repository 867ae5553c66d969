import { describe, expect, it } from 'vitest';
import * as surface from '../src/index.js';

describe('public surface', () => {
  it('exports exactly the documented values', () => {
    expect(Object.keys(surface).sort()).toEqual([
      'CONFORMANCE_ERROR_CODES',
      'ConformanceError',
      'MCP_PROTOCOL_VERSIONS',
      'REQUIREMENTS',
      'REQUIREMENT_IDS',
      'REQUIREMENT_KEYWORDS',
      'REQUIREMENT_ROLES',
      'coverageReport',
      'findWorkspaceRoot',
      'formatCoverageTable',
      'isRequirementId',
      'parseRequirementTags',
      'requirementById',
      'scanTests',
      'verifies',
    ]);
  });

  it('lists the MCP protocol versions, oldest first', () => {
    expect(surface.MCP_PROTOCOL_VERSIONS).toEqual(['2025-03-26', '2025-06-18', '2025-11-25', '2026-07-28']);
  });
});
