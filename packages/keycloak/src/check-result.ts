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

/** The realm check's answer: `ok` is false when any check failed. */
export interface RealmCheckReport {
  readonly issuer: string;
  readonly ok: boolean;
  readonly checks: readonly RealmCheck[];
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

/** One discovery URL: served (200) and its `issuer` identical to the configured issuer (RFC 8414 §3.3). */
export function discoveryRow(
  id: string,
  title: string,
  url: string,
  response: { status: number; body: unknown } | undefined,
  issuer: string,
  missing: 'fail' | 'warn',
  hint: string,
): RealmCheck {
  const path = new URL(url).pathname;
  if (response?.status !== 200)
    return row(id, title, missing, `${path} answered ${response?.status ?? 'nothing'}`, hint);
  const docIssuer = (response.body as { issuer?: unknown } | undefined)?.issuer;
  return docIssuer === issuer
    ? row(id, title, 'pass', `${path}: issuer matches`)
    : row(
        id,
        title,
        'fail',
        `${path}: issuer ${String(docIssuer)} ≠ ${issuer}`,
        'Pin the issuer with --hostname; clients reject a mismatch (RFC 8414 §3.3).',
      );
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
  const failed = report.checks.filter((check) => check.status === 'fail').length;
  lines.push('', failed === 0 ? 'Result: ready for MCP clients' : `Result: ${failed} check(s) failed`);
  return lines.join('\n');
}
