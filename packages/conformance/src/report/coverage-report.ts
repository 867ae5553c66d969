import type { RequirementId } from '../requirements/ids.js';
import { REQUIREMENTS } from '../requirements/index.js';
import {
  type McpProtocolVersion,
  REQUIREMENT_KEYWORDS,
  REQUIREMENT_ROLES,
  type RequirementKeyword,
  type RequirementRole,
  type RequirementTransport,
} from '../requirements/types.js';
import type { UnknownRequirementReference } from '../scan/scan-source.js';
import type { TestScan } from '../scan/scan-tests.js';

/** Where a test names a requirement. */
export interface TestLocation {
  readonly file: string;
  readonly line: number;
  readonly title?: string;
}

/** The coverage of one requirement. */
export interface RequirementCoverage {
  readonly id: RequirementId;
  readonly role: RequirementRole;
  readonly keyword: RequirementKeyword;
  readonly versions: readonly McpProtocolVersion[];
  readonly transport: RequirementTransport;
  /** Number of active tests (and suites) naming the requirement. */
  readonly tests: number;
  /** Where the active tests are, by file then line. */
  readonly locations: TestLocation[];
  /** Tests naming the requirement that are declared with `.skip` or `.todo`; they do not count. */
  readonly pending: TestLocation[];
}

/** Covered and total requirement counts of one group. */
export interface CoverageCount {
  readonly covered: number;
  readonly total: number;
}

/** The totals of a coverage report. */
export interface CoverageSummary {
  readonly requirements: CoverageCount;
  /** MUST and MUST NOT requirements together. */
  readonly mandatory: CoverageCount;
  readonly byRole: Readonly<Record<RequirementRole, CoverageCount>>;
  readonly byKeyword: Readonly<Record<RequirementKeyword, CoverageCount>>;
}

/** The coverage of the requirements table by the tests of a scan. */
export interface CoverageReport {
  /** The absolute scan root. */
  readonly root: string;
  /** Number of test files read. */
  readonly files: number;
  /** One entry per requirement, in table order. */
  readonly requirements: RequirementCoverage[];
  readonly summary: CoverageSummary;
  /** Requirements without an active test, in table order. */
  readonly untested: RequirementId[];
  /** MUST and MUST NOT requirements without an active test, in table order. */
  readonly untestedMandatory: RequirementId[];
  /** IDs of requirement shape that are not in the table: errors to fix. */
  readonly unknown: UnknownRequirementReference[];
}

/**
 * Build the coverage report of a scan: per requirement, the tests that name it; totals by role and keyword;
 * the requirements without tests, with MUST / MUST NOT ones listed separately.
 *
 * @example
 * ```ts
 * const report = coverageReport(scanTests({ root }));
 * if (report.unknown.length > 0) process.exitCode = 1;
 * ```
 */
export function coverageReport(scan: TestScan): CoverageReport {
  const requirements = REQUIREMENTS.map((requirement): RequirementCoverage => {
    const mine = scan.references.filter((reference) => reference.id === requirement.id);
    const location = ({ file, line, title }: TestLocation): TestLocation =>
      title === undefined ? { file, line } : { file, line, title };
    const locations = mine.filter((reference) => !reference.pending).map(location);
    return {
      id: requirement.id,
      role: requirement.role,
      keyword: requirement.keyword,
      versions: requirement.versions,
      transport: requirement.transport,
      tests: locations.length,
      locations,
      pending: mine.filter((reference) => reference.pending).map(location),
    };
  });
  const count = (rows: readonly RequirementCoverage[]): CoverageCount => ({
    covered: rows.filter((row) => row.tests > 0).length,
    total: rows.length,
  });
  const isMandatory = (row: RequirementCoverage): boolean =>
    row.keyword === 'MUST' || row.keyword === 'MUST NOT';
  const untested = requirements.filter((row) => row.tests === 0);
  return {
    root: scan.root,
    files: scan.files.length,
    requirements,
    summary: {
      requirements: count(requirements),
      mandatory: count(requirements.filter(isMandatory)),
      byRole: Object.fromEntries(
        REQUIREMENT_ROLES.map((role) => [role, count(requirements.filter((row) => row.role === role))]),
      ) as Record<RequirementRole, CoverageCount>,
      byKeyword: Object.fromEntries(
        REQUIREMENT_KEYWORDS.map((keyword) => [
          keyword,
          count(requirements.filter((row) => row.keyword === keyword)),
        ]),
      ) as Record<RequirementKeyword, CoverageCount>,
    },
    untested: untested.map((row) => row.id),
    untestedMandatory: untested.filter(isMandatory).map((row) => row.id),
    unknown: scan.unknown,
  };
}
