import { describe, expect, it } from 'vitest';
import { coverageReport } from '../../src/report/coverage-report.js';
import { scanTests } from '../../src/scan/scan-tests.js';
import { PARTLY_TAGGED_REPO, TAGGED_REPO, UNTAGGED_REPO } from '../fixtures/fake-repos.js';
import { writeTree } from '../helpers/temp-tree.js';

describe('coverageReport', () => {
  it('lists every requirement in table order with its tests and locations', () => {
    const report = coverageReport(scanTests({ root: writeTree(PARTLY_TAGGED_REPO) }));
    expect(report.requirements).toHaveLength(100);
    expect(report.requirements[0]).toEqual({
      id: 'RS-01',
      role: 'RS',
      keyword: 'MUST',
      versions: ['2025-03-26', '2025-06-18', '2025-11-25', '2026-07-28'],
      transport: 'any',
      tests: 2,
      locations: [
        {
          file: 'packages/rs/test/challenge.test.ts',
          line: 1,
          title: '[RS-01] answers 401 with a Bearer challenge',
        },
        {
          file: 'packages/rs/test/challenge.test.ts',
          line: 2,
          title: '[RS-01 RS-02] names the metadata URL',
        },
      ],
      pending: [],
    });
    expect(report.requirements[1]).toMatchObject({ id: 'RS-02', tests: 1 });
  });

  it('does not count pending tests as coverage', () => {
    const report = coverageReport(scanTests({ root: writeTree(PARTLY_TAGGED_REPO) }));
    expect(report.requirements[2]).toMatchObject({
      id: 'RS-03',
      tests: 0,
      locations: [],
      pending: [
        { file: 'packages/rs/test/challenge.test.ts', line: 3, title: '[RS-03] omits the error code' },
      ],
    });
    expect(report.untested).toContain('RS-03');
  });

  it('sums coverage by role and by keyword, and counts MUST with MUST NOT', () => {
    const { summary } = coverageReport(scanTests({ root: writeTree(PARTLY_TAGGED_REPO) }));
    expect(summary.requirements).toEqual({ covered: 2, total: 100 });
    expect(summary.mandatory).toEqual({ covered: 2, total: 77 });
    expect(summary.byRole).toEqual({
      RS: { covered: 2, total: 31 },
      AS: { covered: 0, total: 23 },
      CL: { covered: 0, total: 33 },
      PX: { covered: 0, total: 13 },
    });
    expect(summary.byKeyword).toEqual({
      MUST: { covered: 2, total: 70 },
      'MUST NOT': { covered: 0, total: 7 },
      SHOULD: { covered: 0, total: 16 },
      'SHOULD NOT': { covered: 0, total: 2 },
      RECOMMENDED: { covered: 0, total: 1 },
      MAY: { covered: 0, total: 4 },
    });
  });

  it('lists the untested requirements, and the untested MUST / MUST NOT ones separately', () => {
    const report = coverageReport(scanTests({ root: writeTree(PARTLY_TAGGED_REPO) }));
    expect(report.untested).toHaveLength(98);
    expect(report.untested).not.toContain('RS-01');
    expect(report.untestedMandatory).toHaveLength(75);
    expect(report.untestedMandatory).toContain('RS-20');
    expect(report.untestedMandatory).not.toContain('RS-03');
  });

  it('carries the unknown IDs of the scan', () => {
    const report = coverageReport(scanTests({ root: writeTree(TAGGED_REPO) }));
    expect(report.unknown.map((reference) => reference.id)).toEqual(['CL-98', 'RS-99']);
    expect(report.files).toBe(3);
  });

  it('reports zero coverage for a repository without tags', () => {
    const report = coverageReport(scanTests({ root: writeTree(UNTAGGED_REPO) }));
    expect(report.summary.requirements).toEqual({ covered: 0, total: 100 });
    expect(report.untested).toHaveLength(100);
    expect(report.untestedMandatory).toHaveLength(77);
  });
});
