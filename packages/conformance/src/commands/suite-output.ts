import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compareWithBaseline, readBaseline } from '../report/baseline.js';
import { formatProgress, formatResultTable } from '../report/format-results.js';
import { formatJunit } from '../report/junit.js';
import type { CheckResult, SuiteReport } from '../suite/result.js';

/** Exit codes of `portcullis-conformance`. */
export const EXIT_CODES = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

/** Where the CLI reads its working folder and writes its output; injectable for tests. */
export interface CliIo {
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** The output flags shared by the `server` and `client` commands. */
export interface OutputFlags {
  readonly json?: boolean | undefined;
  readonly junit?: string | undefined;
  readonly 'expected-failures'?: string | undefined;
  readonly strict?: boolean | undefined;
  readonly quiet?: boolean | undefined;
}

/** The progress listener for the flags: one line per check on stderr, unless `--quiet`. */
export function progressFor(flags: OutputFlags, io: CliIo) {
  return flags.quiet
    ? undefined
    : (r: CheckResult, i: number, n: number) => io.stderr(formatProgress(r, i, n));
}

/**
 * Print the report (table or JSON), write the JUnit file, compare with the baseline and return the exit code:
 * 1 on a failing check the baseline does not list, or on a stale baseline entry; otherwise 0.
 */
export function finishSuite(report: SuiteReport, flags: OutputFlags, io: CliIo): number {
  const strict = flags.strict === true;
  const baselineFile = flags['expected-failures'];
  const baseline =
    baselineFile === undefined ? undefined : readBaseline(resolve(io.cwd, baselineFile), report.suite);
  const comparison = baseline === undefined ? undefined : compareWithBaseline(report, baseline, strict);
  if (flags.junit !== undefined) writeFileSync(resolve(io.cwd, flags.junit), formatJunit(report, { strict }));
  if (flags.json) {
    const json =
      comparison === undefined
        ? report
        : {
            ...report,
            baseline: {
              ...comparison,
              regressions: comparison.regressions.map((r) => r.key),
              expected: comparison.expected.map((r) => r.key),
            },
          };
    io.stdout(JSON.stringify(json, null, 2));
  } else io.stdout(formatResultTable(report));
  const failing = report.results.filter((r) => r.status === 'fail' || (strict && r.status === 'warn'));
  if (comparison === undefined) return failing.length > 0 ? EXIT_CODES.failed : EXIT_CODES.ok;
  for (const r of comparison.expected) io.stderr(`expected failure: ${r.key}`);
  for (const r of comparison.regressions) io.stderr(`error: regression: ${r.key} (${r.level}) ${r.observed}`);
  for (const key of comparison.stale) {
    io.stderr(
      `error: stale baseline entry: ${key} passes now (or no longer exists); remove it from ${baselineFile}`,
    );
  }
  return comparison.regressions.length > 0 || comparison.stale.length > 0 ? EXIT_CODES.failed : EXIT_CODES.ok;
}
