import { describe, expect, it } from 'vitest';
import * as surface from '../src/index.js';

describe('public surface', () => {
  it('exports exactly the documented values', () => {
    expect(Object.keys(surface).sort()).toEqual([
      'CLIENT_SCENARIO_NAMES',
      'CONFORMANCE_ERROR_CODES',
      'ConformanceError',
      'DEFAULT_CHROMIUM',
      'DEFAULT_CLIENT_TIMEOUT_MS',
      'DEFAULT_OTHER_RESOURCE',
      'DEFAULT_PROBE_TIMEOUT_MS',
      'DEFAULT_TOKEN_TIMEOUT_MS',
      'MCP_PROTOCOL_VERSIONS',
      'REQUIREMENTS',
      'REQUIREMENT_IDS',
      'REQUIREMENT_KEYWORDS',
      'REQUIREMENT_ROLES',
      'SUITE_SPEC_VERSIONS',
      'clientSuiteOptionsSchema',
      'compareWithBaseline',
      'coverageReport',
      'findWorkspaceRoot',
      'formatCoverageTable',
      'formatJunit',
      'formatProgress',
      'formatResultSummary',
      'formatResultTable',
      'isRequirementId',
      'parseBaseline',
      'parseRequirementTags',
      'readBaseline',
      'requirementById',
      'resolveClientSuiteOptions',
      'resolveServerSuiteOptions',
      'runClientSuite',
      'runServerSuite',
      'scanTests',
      'serverChecks',
      'serverSuiteOptionsSchema',
      'verifies',
    ]);
  });

  it('lists the MCP protocol versions, oldest first', () => {
    expect(surface.MCP_PROTOCOL_VERSIONS).toEqual(['2025-03-26', '2025-06-18', '2025-11-25', '2026-07-28']);
  });
});
