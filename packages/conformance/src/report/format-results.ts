import type { CheckResult, CheckStatus, SuiteReport } from '../suite/result.js';

const LABEL: Readonly<Record<CheckStatus, string>> = {
  pass: 'PASS',
  fail: 'FAIL',
  warn: 'WARN',
  skip: 'SKIP',
  'not-applicable': 'N/A',
};

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** One progress line, e.g. `[ 3/41] PASS  RS-03 the challenge … has no error code`. */
export function formatProgress(result: CheckResult, index: number, total: number): string {
  const width = String(total).length;
  return `[${String(index + 1).padStart(width)}/${total}] ${LABEL[result.status].padEnd(4)}  ${result.id} ${result.title}`;
}

/** The summary line, e.g. `server suite, spec 2026-07-28: 30 passed, 1 failed, 2 warnings, 5 skipped, 3 n/a`. */
export function formatResultSummary(report: SuiteReport): string {
  const s = report.summary;
  return (
    `${report.suite} suite, spec ${report.spec}, ${report.target}: ${s.pass} passed, ${s.fail} failed, ` +
    `${s.warn} warnings, ${s.skip} skipped, ${s['not-applicable']} not applicable`
  );
}

/**
 * Render a suite report as plain text: one table row per check (status, ID, level, check), then a block per
 * failure and warning with the spec section, expected, observed and the fix hint, then skipped checks with the
 * reason, then the summary line.
 */
export function formatResultTable(report: SuiteReport): string {
  const rows = report.results.map((r) => [LABEL[r.status], r.id, r.level, clip(r.title, 90)]);
  const headers = ['Status', 'ID', 'Level', 'Check'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  const problems = report.results.filter((r) => r.status === 'fail' || r.status === 'warn');
  for (const r of problems) {
    out.push(
      '',
      `${LABEL[r.status]} ${r.key} (${r.level}): ${r.title}`,
      `  section:  ${r.section}`,
      `  expected: ${r.expected}`,
      `  observed: ${r.observed}`,
      `  fix:      ${r.hint}`,
    );
  }
  const skipped = report.results.filter((r) => r.status === 'skip');
  if (skipped.length > 0) {
    out.push('', 'skipped:');
    for (const r of skipped) out.push(`  ${r.key}: ${r.observed}`);
  }
  out.push('', formatResultSummary(report));
  return out.join('\n');
}
