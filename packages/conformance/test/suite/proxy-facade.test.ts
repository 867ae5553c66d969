import { freePort } from '@portcullis/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServerSuite } from '../../src/suite/run-server-suite.js';
import { startFacadeTarget, type Target } from '../helpers/stacks.js';

let target: Target;
let upstreamPort: number;
beforeAll(async () => {
  upstreamPort = await freePort();
  target = await startFacadeTarget(upstreamPort);
});
afterAll(() => target.close());

/**
 * The facade is the authorization server here: the checks that need a completed flow must really run. Each
 * browser login (Chromium) passes the proxy's own consent page first, so they also need Chromium to be able to
 * post that page (its `Origin` kept under the page's `Referrer-Policy`).
 */
const FULL_FLOW = ['AS-12/refresh-rotation', 'AS-05/code-single-use', 'AS-06/exact-redirect'];

describe('the server suite against the proxy in facade mode (its own authorization server)', () => {
  it.each(['2026-07-28', '2025-11-25'] as const)(
    '[PX-01 PX-02 PX-09 RS-01 RS-08 RS-12 RS-14 AS-01 AS-02 AS-03 AS-04 AS-07 AS-05 AS-06 AS-12 AS-13 AS-14 AS-22 PX-10 PX-11] passes every applicable MUST, spec %s',
    async (spec) => {
      const report = await runServerSuite({
        mcpUrl: target.mcpUrl,
        spec,
        login: 'joe:joe-pass',
        secondLogin: 'ann:ann-pass',
        scope: 'mcp:tools',
        stepUpTool: 'admin-stats',
        dcr: true,
        gateway: true,
        upstreamRecorderPort: upstreamPort,
      });
      expect(report.results.filter((r) => r.status === 'fail' || r.status === 'warn')).toEqual([]);
      // The facade signs its own tokens and refuses other resources, so only the signing-key forgeries skip.
      expect(report.results.filter((r) => r.status === 'skip').map((r) => r.key)).toEqual([
        'RS-13/other-audience',
        'RS-13/no-audience',
        'RS-15/expired',
        ...(spec === '2026-07-28' ? ['RS-24/request-state-of-another-user'] : []),
      ]);
      const ran = report.results.filter((r) => FULL_FLOW.includes(r.key)).map((r) => [r.key, r.status]);
      expect(ran).toEqual(FULL_FLOW.map((key) => [key, 'pass']));
      const issuer = report.results.find((r) => r.key === 'AS-02/issuer');
      expect(issuer?.observed).toContain(new URL(target.mcpUrl).origin);
    },
    60_000,
  );
});
