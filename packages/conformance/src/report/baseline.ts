import { readFileSync } from 'node:fs';
import { ConformanceError } from '../errors.js';
import type { CheckResult, SuiteReport } from '../suite/result.js';

const KEY = /^(?:RS|AS|CL|PX)-\d{2}\/[a-z0-9-]+$/;

/** The expected failures of one suite, read from a baseline file. */
export interface Baseline {
  readonly keys: ReadonlySet<string>;
}

/**
 * Parse a baseline: one check key per line (`RS-19/empty-bearer`), optionally as a YAML list item (`- key`);
 * `#` starts a comment; a `server:` or `client:` line starts a section for that suite only (the layout of the
 * official suite's `--expected-failures` file). Keys before any section apply to both suites.
 * @throws {ConformanceError} `ERR_PORTCULLIS_BASELINE` for a line that is not a check key.
 */
export function parseBaseline(text: string, suite: SuiteReport['suite'], file = 'baseline'): Baseline {
  const keys = new Set<string>();
  let section: string | undefined;
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const header = /^(server|client):\s*(\[\s*\])?$/.exec(line);
    if (header !== null) {
      section = header[1];
      continue;
    }
    const key = line.replace(/^-\s*/, '').replace(/^["']|["']$/g, '');
    if (!KEY.test(key)) {
      throw new ConformanceError(
        'ERR_PORTCULLIS_BASELINE',
        `${file}:${index + 1}: ${JSON.stringify(key)} is not a check key; expected e.g. RS-19/empty-bearer (see the --json output)`,
      );
    }
    if (section === undefined || section === suite) keys.add(key);
  }
  return { keys };
}

/**
 * Read a baseline file.
 * @throws {ConformanceError} `ERR_PORTCULLIS_BASELINE` when the file cannot be read or has a bad line.
 */
export function readBaseline(path: string, suite: SuiteReport['suite']): Baseline {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConformanceError('ERR_PORTCULLIS_BASELINE', `cannot read ${path}: ${(error as Error).message}`);
  }
  return parseBaseline(text, suite, path);
}

/** How a run compares with the baseline. */
export interface BaselineComparison {
  /** Failing checks the baseline does not list. */
  readonly regressions: readonly CheckResult[];
  /** Baseline keys whose check now passes, or that no check has. */
  readonly stale: readonly string[];
  /** Failing checks the baseline lists. */
  readonly expected: readonly CheckResult[];
}

/** Compare a report with a baseline; with `strict`, warnings count as failures. */
export function compareWithBaseline(
  report: SuiteReport,
  baseline: Baseline,
  strict = false,
): BaselineComparison {
  const failing = (r: CheckResult) => r.status === 'fail' || (strict && r.status === 'warn');
  const byKey = new Map(report.results.map((r) => [r.key, r]));
  const stale = [...baseline.keys].filter((key) => {
    const result = byKey.get(key);
    return result === undefined || result.status === 'pass' || (!strict && result.status === 'warn');
  });
  const failures = report.results.filter(failing);
  return {
    regressions: failures.filter((r) => !baseline.keys.has(r.key)),
    stale,
    expected: failures.filter((r) => baseline.keys.has(r.key)),
  };
}
