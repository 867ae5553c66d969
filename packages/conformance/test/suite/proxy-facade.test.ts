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

describe('the server suite against the proxy in facade mode (its own authorization server)', () => {
  it.each(['2026-07-28', '2025-11-25'] as const)(
    '[PX-01 PX-02 PX-09 RS-01 RS-08 RS-12 RS-14 AS-01 AS-02 AS-03 AS-04 AS-07 AS-13 AS-14 AS-22] passes every applicable MUST, spec %s',
    async (spec) => {
      const report = await runServerSuite({
        mcpUrl: target.mcpUrl,
        spec,
        login: 'joe:joe-pass',
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
      ]);
      const issuer = report.results.find((r) => r.key === 'AS-02/issuer');
      expect(issuer?.observed).toContain(new URL(target.mcpUrl).origin);
    },
    60_000,
  );
});
