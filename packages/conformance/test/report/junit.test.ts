import { describe, expect, it } from 'vitest';
import { formatJunit } from '../../src/report/junit.js';
import { type CheckResult, summarize } from '../../src/suite/result.js';

const failed: CheckResult = {
  key: 'RS-19/empty-bearer',
  id: 'RS-19',
  title: '"Authorization: Bearer" gets 400 <invalid_request>',
  level: 'MUST',
  section: 'index §Error Handling',
  status: 'fail',
  expected: '400',
  observed: `401 & a control char \u0001 here`,
  hint: 'answer 400',
};
const warned: CheckResult = {
  ...failed,
  key: 'RS-04/challenge-scope',
  id: 'RS-04',
  level: 'SHOULD',
  status: 'warn',
};
const report = (results: CheckResult[]) => ({
  suite: 'server' as const,
  target: 'http://127.0.0.1/mcp',
  spec: '2026-07-28' as const,
  results,
  summary: summarize(results),
});

describe('formatJunit', () => {
  it('[RS-19] escapes markup and drops characters XML cannot carry', () => {
    const xml = formatJunit(report([failed]));
    expect(xml).toContain(
      'name="[RS-19] RS-19/empty-bearer: &quot;Authorization: Bearer&quot; gets 400 &lt;invalid_request&gt;"',
    );
    expect(xml).toContain('message="RS-19 MUST: 401 &amp; a control char  here"');
    expect(xml).not.toContain('\u0001');
  });

  it('[RS-04] a warning passes with a note, and fails with strict', () => {
    expect(formatJunit(report([warned]))).toMatch(/failures="0"[\s\S]*<system-out>WARNING/);
    expect(formatJunit(report([warned]), { strict: true })).toMatch(
      /failures="1"[\s\S]*<failure message="RS-04 SHOULD/,
    );
  });
});
