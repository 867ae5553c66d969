// This file defines the complete public surface of @portcullis/conformance.
// Any export added here becomes public API. Use named exports, not wildcards.

export type { MockBehaviour, MockPair, RecordedRequest } from './client-suite/mock-servers.js';
export { CLIENT_SCENARIO_NAMES, runClientSuite } from './client-suite/run-client-suite.js';
export type { ClientExit, ClientScenario, ScenarioRun } from './client-suite/scenarios.js';
export type { ConformanceErrorCode } from './errors.js';
export { CONFORMANCE_ERROR_CODES, ConformanceError } from './errors.js';
export type {
  ClientSuiteOptions,
  ClientSuiteOptionsInput,
  ServerSuiteOptions,
  ServerSuiteOptionsInput,
} from './options.js';
export {
  clientSuiteOptionsSchema,
  DEFAULT_CHROMIUM,
  DEFAULT_CLIENT_TIMEOUT_MS,
  DEFAULT_OTHER_RESOURCE,
  DEFAULT_PROBE_TIMEOUT_MS,
  DEFAULT_TOKEN_TIMEOUT_MS,
  resolveClientSuiteOptions,
  resolveServerSuiteOptions,
  SUITE_SPEC_VERSIONS,
  serverSuiteOptionsSchema,
} from './options.js';
export type { Baseline, BaselineComparison } from './report/baseline.js';
export { compareWithBaseline, parseBaseline, readBaseline } from './report/baseline.js';
export type {
  CoverageCount,
  CoverageReport,
  CoverageSummary,
  RequirementCoverage,
  TestLocation,
} from './report/coverage-report.js';
export { coverageReport } from './report/coverage-report.js';
export { formatProgress, formatResultSummary, formatResultTable } from './report/format-results.js';
export { formatCoverageTable } from './report/format-table.js';
export { formatJunit } from './report/junit.js';
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
export type { Check, CheckResult, CheckStatus, Outcome, SuiteReport } from './suite/result.js';
export type { ProgressListener } from './suite/run-server-suite.js';
export { runServerSuite, serverChecks } from './suite/run-server-suite.js';
export type { ServerContext } from './suite/server-context.js';
export type { ParsedRequirementTags } from './tags.js';
export { parseRequirementTags, verifies } from './tags.js';
