/** Outcome of one check. `warn` and `skip` do not fail the report. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

/** One row of the realm check. */
export interface RealmCheck {
  readonly id: string;
  readonly title: string;
  readonly status: CheckStatus;
  readonly detail: string;
  /** What to change when the check fails or warns. */
  readonly hint?: string;
}

/**
 * The overall answer: `ready` when every check ran and none failed; `incomplete` when none failed but some were
 * skipped (no realm user given, so consent, `aud` and `iss` were not checked); `failed` when any check failed.
 */
export type RealmCheckResult = 'ready' | 'incomplete' | 'failed';

/** The realm check's answer. */
export interface RealmCheckReport {
  readonly issuer: string;
  /** False when any check failed. True for an `incomplete` report too: read `result` before calling it ready. */
  readonly ok: boolean;
  readonly result: RealmCheckResult;
  readonly checks: readonly RealmCheck[];
}

/** Build the report from its rows. */
export function buildReport(issuer: string, checks: readonly RealmCheck[]): RealmCheckReport {
  const failed = checks.some((check) => check.status === 'fail');
  const skipped = checks.some((check) => check.status === 'skip');
  const result: RealmCheckResult = failed ? 'failed' : skipped ? 'incomplete' : 'ready';
  return { issuer, ok: !failed, result, checks };
}

/** Build one row; the hint is left out when undefined. */
export function row(
  id: string,
  title: string,
  status: CheckStatus,
  detail: string,
  hint?: string,
): RealmCheck {
  return hint === undefined ? { id, title, status, detail } : { id, title, status, detail, hint };
}

const marks: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP' };

/** Render a realm check as a plain-text table, with a fix hint under every failing or warning row. */
export function formatReport(report: RealmCheckReport): string {
  const titleWidth = Math.max(...report.checks.map((check) => check.title.length), 5);
  const lines = [`Realm check for ${report.issuer}`, '', `STATUS  ${'CHECK'.padEnd(titleWidth)}  DETAIL`];
  for (const check of report.checks) {
    lines.push(`${marks[check.status].padEnd(6)}  ${check.title.padEnd(titleWidth)}  ${check.detail}`);
    if (check.hint && (check.status === 'fail' || check.status === 'warn')) {
      lines.push(`${' '.repeat(8)}${' '.repeat(titleWidth)}  hint: ${check.hint}`);
    }
  }
  lines.push('', resultLine(report));
  return lines.join('\n');
}

function resultLine(report: RealmCheckReport): string {
  const failed = report.checks.filter((check) => check.status === 'fail');
  const skipped = report.checks.filter((check) => check.status === 'skip');
  const why = [...new Set(skipped.map((check) => check.detail))].join('; ');
  const skippedText = `${skipped.map((check) => check.id).join(', ')} skipped (${why})`;
  if (failed.length > 0)
    return `Result: ${failed.length} check(s) failed${skipped.length > 0 ? `; ${skippedText}` : ''}`;
  if (skipped.length > 0) return `Result: incomplete: ${skippedText}; not verified ready for MCP clients`;
  return 'Result: ready for MCP clients';
}
