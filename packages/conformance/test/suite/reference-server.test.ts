import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServerSuite } from '../../src/suite/run-server-suite.js';
import { startReferenceTarget, type Target } from '../helpers/stacks.js';

let target: Target;
beforeAll(async () => {
  target = await startReferenceTarget();
});
afterAll(() => target.close());

/** Checks that must really run (not be skipped) against our stack, so a pass is never vacuous. */
const MUST_RUN = [
  'RS-01/no-token-401',
  'RS-02/resource-metadata',
  'RS-08/prm-resource',
  'AS-02/issuer',
  'AS-03/s256',
  'AS-20/register-public-client',
  'RS-12/altered-signature',
  'RS-13/other-audience',
  'RS-13/no-audience',
  'RS-14/other-issuer',
  'RS-15/expired',
  'RS-19/empty-bearer',
  'RS-20/token-in-query',
  'RS-25/bad-origin',
  'AS-14/state-returned',
  'AS-12/refresh-rotation',
  'AS-05/code-single-use',
  'AS-06/exact-redirect',
];

/** The version-specific checks that must really run: the two-caller and header checks. */
const MUST_RUN_BY_SPEC = {
  '2026-07-28': [
    'RS-28/version-mismatch',
    'RS-28/unsupported-version',
    'RS-28/method-mismatch',
    'RS-28/name-mismatch',
    'RS-28/missing-method',
    'RS-24/request-state-of-another-user',
  ],
  '2025-11-25': ['RS-27/unsupported-version', 'RS-22/session-of-another-user'],
  '2025-06-18': ['RS-27/unsupported-version', 'RS-22/session-of-another-user'],
} as const;

describe('the server suite against the reference MCP server and the embedded IdP', () => {
  it.each(['2026-07-28', '2025-11-25', '2025-06-18'] as const)(
    '[RS-01 RS-02 RS-06 RS-08 RS-12 RS-13 RS-14 RS-15 RS-19 RS-20 RS-22 RS-24 RS-25 RS-27 RS-28 AS-01 AS-02 AS-03 AS-05 AS-06 AS-12] passes every applicable MUST, spec %s',
    async (spec) => {
      const report = await runServerSuite({
        mcpUrl: target.mcpUrl,
        spec,
        login: 'joe:joe-pass',
        secondLogin: 'ann:ann-pass',
        mrtrTool: 'confirm-greeting',
        mrtrArguments: { name: 'joe' },
        signingKey: target.key.path,
        stepUpTool: 'admin-stats',
        scope: 'mcp:tools',
        dcr: true,
      });
      expect(report.results.filter((r) => r.status === 'fail' || r.status === 'warn')).toEqual([]);
      const wanted: readonly string[] = [...MUST_RUN, ...MUST_RUN_BY_SPEC[spec]];
      const ran = report.results.filter((r) => wanted.includes(r.key)).map((r) => r.key);
      expect(ran.sort()).toEqual([...wanted].sort());
      expect(report.results.filter((r) => wanted.includes(r.key) && r.status !== 'pass')).toEqual([]);
      const skipped = report.results.filter((r) => r.status === 'skip').map((r) => r.key);
      expect(skipped).toEqual(['RS-29/no-token-passthrough']);
    },
    60_000,
  );

  it('[AS-13] reports the 2026-only rows as not applicable for 2025-06-18', async () => {
    const report = await runServerSuite({ mcpUrl: target.mcpUrl, spec: '2025-06-18' });
    const iss = report.results.filter((r) => r.id === 'AS-13' || r.id === 'RS-05');
    expect(iss.map((r) => r.status)).toEqual(['not-applicable', 'not-applicable', 'not-applicable']);
    expect(iss[0]?.observed).toBe('not part of 2025-06-18');
  });
});
