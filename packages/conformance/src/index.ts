// This file defines the complete public surface of @portcullis/conformance.
// Any export added here becomes public API. Use named exports, not wildcards.

export type { ConformanceErrorCode } from './errors.js';
export { CONFORMANCE_ERROR_CODES, ConformanceError } from './errors.js';
export type {
  CoverageCount,
  CoverageReport,
  CoverageSummary,
  RequirementCoverage,
  TestLocation,
} from './report/coverage-report.js';
export { coverageReport } from './report/coverage-report.js';
export { formatCoverageTable } from './report/format-table.js';
export type { RequirementId } from './requirements/ids.js';
export { REQUIREMENT_IDS } from './requirements/ids.js';
export { isRequirementId, REQUIREMENTS, requirementById } from './requirements/index.js';
export type {
  McpProtocolVersion,
  Requirement,
  RequirementKeyword,
  RequirementRole,
  RequirementTransport,
} from './requirements/types.js';
export { MCP_PROTOCOL_VERSIONS, REQUIREMENT_KEYWORDS, REQUIREMENT_ROLES } from './requirements/types.js';
export type { ReferenceKind, RequirementReference, UnknownRequirementReference } from './scan/scan-source.js';
export type { ScanOptions, TestScan } from './scan/scan-tests.js';
export { findWorkspaceRoot, scanTests } from './scan/scan-tests.js';
export type { ParsedRequirementTags } from './tags.js';
export { parseRequirementTags, verifies } from './tags.js';
