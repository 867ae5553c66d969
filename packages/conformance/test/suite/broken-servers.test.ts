import { freePort } from '@portcullis/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ServerSuiteOptionsInput } from '../../src/options.js';
import type { SuiteReport } from '../../src/suite/result.js';
import { runServerSuite } from '../../src/suite/run-server-suite.js';
import { type Fault, startBrokenServer } from '../fixtures/broken-server.js';
import { type SigningKey, signingKey } from '../helpers/stacks.js';

let key: SigningKey;
beforeAll(async () => {
  key = await signingKey();
});

/** Run the suite against a broken server and return the keys of the failed and warned checks. */
async function flagged(fault: Fault, extra: Partial<ServerSuiteOptionsInput> = {}, upstream?: string) {
  const server = await startBrokenServer(fault, key, upstream);
  try {
    const report: SuiteReport = await runServerSuite({
      mcpUrl: server.mcpUrl,
      signingKey: key.path,
      stepUpTool: 'admin',
      dcr: true,
      secondClientCredentials: 'other:other-secret',
      mrtrTool: 'confirm',
      ...extra,
    });
    return {
      fail: report.results.filter((r) => r.status === 'fail').map((r) => r.key),
      warn: report.results.filter((r) => r.status === 'warn').map((r) => r.key),
      report,
    };
  } finally {
    await server.close();
  }
}

/** The new checks the fault-free fixture must really pass, by spec. */
const NEW_CHECKS: Record<'2026-07-28' | '2025-11-25', readonly string[]> = {
  '2026-07-28': [
    'RS-28/version-mismatch',
    'RS-28/unsupported-version',
    'RS-28/method-mismatch',
    'RS-28/name-mismatch',
    'RS-28/missing-method',
    'PX-10/method-mismatch',
    'RS-24/request-state-of-another-user',
    'AS-12/refresh-rotation',
    'AS-05/code-single-use',
    'AS-06/exact-redirect',
  ],
  '2025-11-25': [
    'RS-27/unsupported-version',
    'RS-22/session-of-another-user',
    'PX-11/session-of-another-user',
    'AS-12/refresh-rotation',
    'AS-05/code-single-use',
    'AS-06/exact-redirect',
  ],
};

describe('the server suite flags deliberately broken servers', () => {
  it('[RS-01 RS-08 RS-13 RS-15 AS-02 AS-03 AS-13] the fault-free fixture passes (control)', async () => {
    const { fail, warn } = await flagged('none');
    expect({ fail, warn }).toEqual({ fail: [], warn: [] });
  });

  it('[RS-22 RS-24 RS-27 RS-28 AS-05 AS-06 AS-12] the fault-free fixture passes the two-caller, header and full-flow checks', async () => {
    for (const spec of ['2026-07-28', '2025-11-25'] as const) {
      const { fail, warn, report } = await flagged('none', { spec, login: 'joe:joe-pass', gateway: true });
      expect({ spec, fail, warn }).toEqual({ spec, fail: [], warn: [] });
      const ran = report.results.filter((r) => NEW_CHECKS[spec].includes(r.key)).map((r) => r.status);
      expect(ran).toEqual(NEW_CHECKS[spec].map(() => 'pass'));
    }
  });

  it('[RS-22 RS-24] without a second token the two-caller checks are skipped with the reason, never passed', async () => {
    const skippedBy = async (extra: Partial<ServerSuiteOptionsInput>) => {
      const results = await Promise.all(
        (['2026-07-28', '2025-11-25'] as const).map(async (spec) => {
          const { report } = await flagged('shared-session', { spec, ...extra });
          return report.results.filter(
            (r) =>
              r.status !== 'not-applicable' &&
              (r.key === 'RS-22/session-of-another-user' || r.key.startsWith('RS-24/')),
          );
        }),
      );
      return results.flat().map((r) => [r.key, r.status, r.observed]);
    };
    const none = await skippedBy({ secondClientCredentials: undefined });
    expect(none).toEqual([
      ['RS-24/request-state-of-another-user', 'skip', expect.stringContaining('--second-login')],
      ['RS-22/session-of-another-user', 'skip', expect.stringContaining('--second-token-command')],
    ]);
    const same = await skippedBy({ clientCredentials: 'other:other-secret' });
    expect(
      same.map(([key, status, observed]) => [key, status, String(observed).includes('same user')]),
    ).toEqual([
      ['RS-24/request-state-of-another-user', 'skip', true],
      ['RS-22/session-of-another-user', 'skip', true],
    ]);
  });

  it('[AS-05 AS-06 AS-12] without --login the full-flow checks are skipped with the reason', async () => {
    const { report } = await flagged('none');
    const flow = report.results.filter((r) => ['AS-05', 'AS-06', 'AS-12'].includes(r.id));
    expect(flow.map((r) => [r.status, r.observed])).toEqual(
      flow.map(() => ['skip', 'needs --login (a browser login completes the flow)']),
    );
  });

  it('[RS-22 PX-11] serves one session to every caller', async () => {
    const { fail, report } = await flagged('shared-session', { spec: '2025-11-25', gateway: true });
    expect(fail).toEqual(['RS-22/session-of-another-user', 'PX-11/session-of-another-user']);
    expect(report.results.find((r) => r.id === 'RS-22')?.observed).toMatch(/→ 200$/);
  });

  it('[RS-28 PX-10] ignores Mcp-Method and Mcp-Name that disagree with the body', async () => {
    expect((await flagged('ignores-mcp-method', { gateway: true })).fail).toEqual([
      'RS-28/method-mismatch',
      'RS-28/name-mismatch',
      'RS-28/missing-method',
      'PX-10/method-mismatch',
    ]);
  });

  it('[RS-24] completes a requestState minted for another caller', async () => {
    expect((await flagged('unbound-request-state')).fail).toEqual(['RS-24/request-state-of-another-user']);
  });

  it('[AS-05] an authorization code that can be redeemed twice', async () => {
    expect((await flagged('reusable-code', { login: 'joe:joe-pass' })).fail).toEqual([
      'AS-05/code-single-use',
    ]);
  });

  it('[AS-12] refresh tokens that do not rotate', async () => {
    const { fail, report } = await flagged('no-refresh-rotation', { login: 'joe:joe-pass' });
    expect(fail).toEqual(['AS-12/refresh-rotation']);
    expect(report.results.find((r) => r.id === 'AS-12')?.observed).toMatch(/^no new refresh token/);
  });

  it('[AS-06] a redirect URI matched by prefix instead of exactly', async () => {
    expect((await flagged('loose-redirect', { login: 'joe:joe-pass' })).fail).toEqual([
      'AS-06/exact-redirect',
    ]);
  });

  it('[RS-02] no resource_metadata in the challenge: a MUST in 2025-06-18, a warning since 2025-11-25', async () => {
    expect((await flagged('no-resource-metadata', { spec: '2025-06-18' })).fail).toEqual([
      'RS-02/resource-metadata',
    ]);
    const newest = await flagged('no-resource-metadata');
    expect({ fail: newest.fail, warn: newest.warn }).toEqual({
      fail: [],
      warn: ['RS-02/resource-metadata', 'RS-16/insufficient-scope'],
    });
  });

  it('[RS-08] a PRM resource with an added trailing slash', async () => {
    const { fail, warn } = await flagged('wrong-prm-resource');
    expect({ fail, warn }).toEqual({ fail: ['RS-08/prm-resource'], warn: ['RS-07/root-prm'] });
  });

  it('[RS-13] accepts a token for another audience', async () => {
    expect((await flagged('accepts-other-audience')).fail).toEqual([
      'RS-13/other-audience',
      'RS-13/no-audience',
    ]);
  });

  it('[RS-15] accepts an expired token', async () => {
    expect((await flagged('accepts-expired')).fail).toEqual(['RS-15/expired']);
  });

  it('[RS-20] accepts a token in the query string', async () => {
    expect((await flagged('accepts-query-token')).fail).toEqual(['RS-20/token-in-query']);
  });

  it('[PX-02 RS-29] forwards the client token upstream (seen by the suite playing the upstream)', async () => {
    const port = await freePort();
    const result = await flagged(
      'forwards-token',
      { gateway: true, upstreamRecorderPort: port },
      `http://127.0.0.1:${port}/mcp`,
    );
    expect(result.fail).toEqual(['PX-02/no-token-passthrough', 'RS-29/no-token-passthrough']);
  });

  it('[AS-03] no S256 in code_challenge_methods_supported', async () => {
    expect((await flagged('no-s256')).fail).toEqual(['AS-03/s256']);
  });

  it('[RS-16] a malformed insufficient-scope challenge', async () => {
    const { fail, report } = await flagged('malformed-insufficient-scope');
    expect(fail).toEqual(['RS-16/insufficient-scope']);
    expect(report.results.find((r) => r.key === 'RS-16/insufficient-scope')?.observed).toMatch(
      /^unparsable challenge/,
    );
  });

  it('[RS-25] ignores a foreign Origin', async () => {
    expect((await flagged('ignores-origin')).fail).toEqual(['RS-25/bad-origin']);
  });

  it('[AS-02] an issuer that differs from the one the metadata URL was built from', async () => {
    expect((await flagged('issuer-mismatch')).fail).toEqual(['AS-02/issuer']);
  });

  it('[AS-13] iss missing from authorization responses while the metadata advertises it', async () => {
    expect((await flagged('iss-missing')).fail).toEqual(['AS-13/iss-in-response']);
  });
});
