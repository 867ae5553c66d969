import { freePort } from '@portcullis/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServerSuite } from '../../src/suite/run-server-suite.js';
import { startProxyTarget, type Target } from '../helpers/stacks.js';

let target: Target;
let upstreamPort: number;
beforeAll(async () => {
  upstreamPort = await freePort();
  target = await startProxyTarget(upstreamPort);
});
afterAll(() => target.close());

describe('the server suite against the proxy in direct mode', () => {
  it.each(['2026-07-28', '2025-11-25'] as const)(
    '[PX-01 PX-02 PX-09 RS-01 RS-08 RS-12 RS-13 RS-14 RS-15 RS-21 RS-27 RS-28 RS-29 PX-10 PX-11] passes every applicable MUST with the suite as its upstream, spec %s',
    async (spec) => {
      const report = await runServerSuite({
        mcpUrl: target.mcpUrl,
        spec,
        login: 'joe:joe-pass',
        secondLogin: 'ann:ann-pass',
        signingKey: target.key.path,
        stepUpTool: 'admin-stats',
        scope: 'mcp:tools',
        gateway: true,
        dcr: true,
        upstreamRecorderPort: upstreamPort,
      });
      expect(report.results.filter((r) => r.status === 'fail' || r.status === 'warn')).toEqual([]);
      const gateway = report.results.filter((r) => r.id.startsWith('PX-')).map((r) => [r.key, r.status]);
      expect(gateway).toEqual([
        ['PX-01/prm-resource-is-gateway', 'pass'],
        ['PX-09/bad-origin', 'pass'],
        ['PX-10/method-mismatch', spec === '2026-07-28' ? 'pass' : 'not-applicable'],
        ['PX-11/session-of-another-user', spec === '2026-07-28' ? 'not-applicable' : 'pass'],
        ['PX-02/no-token-passthrough', 'pass'],
      ]);
      expect(report.results.find((r) => r.key === 'RS-15/expired')?.status).toBe('pass');
      // The suite's upstream has no multi-round-trip tool, so RS-24 has nothing to check behind the proxy.
      const skipped = report.results.filter((r) => r.status === 'skip').map((r) => r.key);
      expect(skipped).toEqual(spec === '2026-07-28' ? ['RS-24/request-state-of-another-user'] : []);
    },
    60_000,
  );
});
