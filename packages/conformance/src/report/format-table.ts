import { MCP_PROTOCOL_VERSIONS, type McpProtocolVersion } from '../requirements/types.js';
import type { CoverageReport, RequirementCoverage } from './coverage-report.js';

const HEADERS = ['ID', 'Role', 'Keyword', 'Versions', 'Tests', 'First test'] as const;

/**
 * Write a version list compactly: `all`, a single version, `≥2025-11-25` (up to the newest), `≤2025-11-25`
 * (from the oldest), `2025-06-18–2025-11-25` (a run), or a comma list.
 */
export function formatVersions(versions: readonly McpProtocolVersion[]): string {
  const positions = versions.map((version) => MCP_PROTOCOL_VERSIONS.indexOf(version));
  const first = versions[0];
  const last = versions.at(-1);
  if (first === undefined || last === undefined) return '—';
  const contiguous = positions.every((position, i) => i === 0 || position === (positions[i - 1] ?? -2) + 1);
  if (!contiguous) return versions.join(',');
  if (versions.length === MCP_PROTOCOL_VERSIONS.length) return 'all';
  if (versions.length === 1) return first;
  if (last === MCP_PROTOCOL_VERSIONS.at(-1)) return `≥${first}`;
  if (first === MCP_PROTOCOL_VERSIONS[0]) return `≤${last}`;
  return `${first}–${last}`;
}

function firstTest(row: RequirementCoverage): string {
  const first = row.locations[0];
  if (first) return `${first.file}:${first.line}`;
  return row.pending.length > 0 ? `— no test (${row.pending.length} pending)` : '— no test';
}

/** The one-line summary, e.g. `coverage: 12/100 requirements have tests (MUST/MUST NOT: 7/77)`. */
export function formatSummary(report: CoverageReport): string {
  const { requirements, mandatory } = report.summary;
  return (
    `coverage: ${requirements.covered}/${requirements.total} requirements have tests ` +
    `(MUST/MUST NOT: ${mandatory.covered}/${mandatory.total})`
  );
}

/**
 * Render a coverage report as plain text: a table with every requirement of the table (ID, role, keyword,
 * versions, number of tests, first test location or `— no test`), then totals by role and the summary line.
 */
export function formatCoverageTable(report: CoverageReport): string {
  const rows = report.requirements.map((row) => [
    row.id,
    row.role,
    row.keyword,
    formatVersions(row.versions),
    String(row.tests),
    firstTest(row),
  ]);
  const widths = HEADERS.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ');
  const byRole = Object.entries(report.summary.byRole)
    .map(([role, { covered, total }]) => `${role} ${covered}/${total}`)
    .join(', ');
  return [
    line(HEADERS),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
    '',
    `scanned ${report.files} test files under ${report.root}`,
    `by role: ${byRole}`,
    formatSummary(report),
  ].join('\n');
}

/** One line per unknown ID: `error: unknown requirement ID "RS-99" at packages/x/test/a.test.ts:12`. */
export function formatUnknown(report: CoverageReport): string[] {
  return report.unknown.map(
    (reference) =>
      `error: unknown requirement ID ${JSON.stringify(reference.id)} at ${reference.file}:${reference.line}`,
  );
}
