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

describe('the server suite flags deliberately broken servers', () => {
  it('[RS-01 RS-08 RS-13 RS-15 AS-02 AS-03 AS-13] the fault-free fixture passes (control)', async () => {
    const { fail, warn } = await flagged('none');
    expect({ fail, warn }).toEqual({ fail: [], warn: [] });
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
