import { describe, expect, it } from 'vitest';
import { coverageReport } from '../../src/report/coverage-report.js';
import {
  formatCoverageTable,
  formatSummary,
  formatUnknown,
  formatVersions,
} from '../../src/report/format-table.js';
import { REQUIREMENT_IDS } from '../../src/requirements/ids.js';
import { scanTests } from '../../src/scan/scan-tests.js';
import { PARTLY_TAGGED_REPO, TAGGED_REPO } from '../fixtures/fake-repos.js';
import { writeTree } from '../helpers/temp-tree.js';

describe('formatVersions', () => {
  it.each([
    [['2025-03-26', '2025-06-18', '2025-11-25', '2026-07-28'], 'all'],
    [['2026-07-28'], '2026-07-28'],
    [['2025-11-25', '2026-07-28'], '≥2025-11-25'],
    [['2025-03-26', '2025-06-18', '2025-11-25'], '≤2025-11-25'],
    [['2025-06-18', '2025-11-25'], '2025-06-18–2025-11-25'],
    [['2025-03-26', '2026-07-28'], '2025-03-26,2026-07-28'],
    [[], '—'],
  ] as const)('writes %j as %s', (versions, text) => {
    expect(formatVersions(versions)).toBe(text);
  });
});

describe('formatCoverageTable', () => {
  it('has a header and one aligned row per requirement, then the totals', () => {
    const report = coverageReport(scanTests({ root: writeTree(PARTLY_TAGGED_REPO) }));
    const lines = formatCoverageTable(report).split('\n');
    expect(lines[0]).toMatch(/^ID {5}Role {2}Keyword {6}Versions +Tests {2}First test$/);
    const rows = lines.slice(2, 102);
    expect(rows.map((row) => row.slice(0, 5))).toEqual([...REQUIREMENT_IDS]);
    expect(lines[2]).toMatch(/^RS-01 {2}RS {4}MUST {9}all +2 {6}packages\/rs\/test\/challenge\.test\.ts:1$/);
    expect(lines[3]).toMatch(
      /^RS-02 {2}RS {4}MUST {9}≥2025-06-18 +1 {6}packages\/rs\/test\/challenge\.test\.ts:2$/,
    );
    expect(lines[4]).toMatch(/^RS-03 .* 0 {6}— no test \(1 pending\)$/);
    expect(lines[5]).toMatch(/^RS-04 .* 0 {6}— no test$/);
    expect(lines.slice(-2)).toEqual([
      'by role: RS 2/31, AS 0/23, CL 0/33, PX 0/13',
      'coverage: 2/100 requirements have tests (MUST/MUST NOT: 2/77)',
    ]);
  });

  it('writes the summary line', () => {
    const report = coverageReport(scanTests({ root: writeTree(PARTLY_TAGGED_REPO) }));
    expect(formatSummary(report)).toBe('coverage: 2/100 requirements have tests (MUST/MUST NOT: 2/77)');
  });
});

describe('formatUnknown', () => {
  it('writes one error line per unknown ID', () => {
    const report = coverageReport(scanTests({ root: writeTree(TAGGED_REPO) }));
    expect(formatUnknown(report)).toEqual([
      'error: unknown requirement ID "CL-98" at packages/client/test/discovery.spec.ts:8',
      'error: unknown requirement ID "RS-99" at packages/rs/test/audience.test.ts:5',
    ]);
  });
});
