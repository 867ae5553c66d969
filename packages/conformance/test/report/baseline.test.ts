import { describe, expect, it } from 'vitest';
import { ConformanceError } from '../../src/errors.js';
import { compareWithBaseline, parseBaseline } from '../../src/report/baseline.js';
import type { CheckResult, CheckStatus, SuiteReport } from '../../src/suite/result.js';
import { summarize } from '../../src/suite/result.js';

function result(key: string, status: CheckStatus): CheckResult {
  const id = key.slice(0, 5) as CheckResult['id'];
  return { key, id, title: key, level: 'MUST', section: '', status, expected: '', observed: '', hint: '' };
}

function report(results: CheckResult[]): SuiteReport {
  return {
    suite: 'server',
    target: 'http://127.0.0.1/mcp',
    spec: '2026-07-28',
    results,
    summary: summarize(results),
  };
}

describe('parseBaseline', () => {
  it('reads plain lines, YAML list items, comments and per-suite sections', () => {
    const text =
      'RS-19/empty-bearer\n# comment\nserver:\n  - "RS-13/other-audience" # why\nclient: []\nclient:\n  - CL-22/state-mismatch\n';
    expect([...parseBaseline(text, 'server').keys]).toEqual(['RS-19/empty-bearer', 'RS-13/other-audience']);
    expect([...parseBaseline(text, 'client').keys]).toEqual(['RS-19/empty-bearer', 'CL-22/state-mismatch']);
  });

  it('refuses a line that is not a check key, naming the file and line', () => {
    const error = (() => {
      try {
        parseBaseline('RS-19/empty-bearer\nRS-19 empty\n', 'server', 'base.yml');
      } catch (e) {
        return e;
      }
    })() as ConformanceError;
    expect(error).toBeInstanceOf(ConformanceError);
    expect(error.code).toBe('ERR_PORTCULLIS_BASELINE');
    expect(error.message).toMatch(/^base\.yml:2: "RS-19 empty" is not a check key/);
  });
});

describe('compareWithBaseline', () => {
  const run = report([
    result('RS-19/empty-bearer', 'fail'),
    result('RS-13/other-audience', 'fail'),
    result('RS-04/challenge-scope', 'warn'),
    result('RS-15/expired', 'skip'),
    result('RS-01/no-token-401', 'pass'),
  ]);

  it('splits failures into expected ones and regressions, and finds stale entries', () => {
    const baseline = parseBaseline(
      'RS-19/empty-bearer\nRS-01/no-token-401\nRS-99/gone\nRS-15/expired\n',
      'server',
    );
    const comparison = compareWithBaseline(run, baseline);
    expect(comparison.expected.map((r) => r.key)).toEqual(['RS-19/empty-bearer']);
    expect(comparison.regressions.map((r) => r.key)).toEqual(['RS-13/other-audience']);
    expect(comparison.stale).toEqual(['RS-01/no-token-401', 'RS-99/gone']);
  });

  it('counts warnings as failures only when strict', () => {
    const baseline = parseBaseline('RS-04/challenge-scope\n', 'server');
    expect(compareWithBaseline(run, baseline).stale).toEqual(['RS-04/challenge-scope']);
    expect(compareWithBaseline(run, baseline, true).stale).toEqual([]);
  });
});
