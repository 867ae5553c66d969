import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runClientSuite } from '../../src/client-suite/run-client-suite.js';
import type { SuiteReport } from '../../src/suite/result.js';

const CLIENT = join(
  dirname(dirname(fileURLToPath(import.meta.url))),
  'fixtures',
  'clients',
  'oauth-client.ts',
);

function statuses(report: SuiteReport): Record<string, string> {
  return Object.fromEntries(report.results.map((r) => [r.key, r.status]));
}

async function flagged(fault: string, scenario: string): Promise<Record<string, string>> {
  const report = await runClientSuite({
    command: ['node', CLIENT, `--fault=${fault}`],
    scenarios: [scenario],
    timeoutMs: 15_000,
  });
  return statuses(report);
}

describe('the client suite', () => {
  it('[CL-07 CL-09 CL-22 CL-23 CL-24 CL-25 CL-28 CL-29] a correct oauth4webapi client passes every scenario', async () => {
    const report = await runClientSuite({ command: ['node', CLIENT], timeoutMs: 15_000 });
    expect(statuses(report)).toEqual({
      'CL-23/bearer-header': 'pass',
      'CL-07/pkce-unsupported': 'pass',
      'CL-22/state-mismatch': 'pass',
      'CL-24/no-cross-server-token': 'pass',
      'CL-25/retry-after-401': 'pass',
      'CL-25/refresh-with-resource': 'pass',
      'CL-28/unsafe-authorization-url': 'pass',
      'CL-29/link-local-authorization-server': 'pass',
      'CL-09/resource-verbatim': 'pass',
    });
  }, 60_000);

  it('[CL-07] flags a client that proceeds without code_challenge_methods_supported', async () => {
    expect(await flagged('ignore-pkce-metadata', 'pkce-unsupported')).toMatchObject({
      'CL-07/pkce-unsupported': 'fail',
    });
  }, 30_000);

  it('[CL-22] flags (as a SHOULD) a client that redeems a code with a changed state', async () => {
    expect(await flagged('ignore-state', 'state-mismatch')).toMatchObject({ 'CL-22/state-mismatch': 'warn' });
  }, 30_000);

  it('[CL-24] flags a client that sends one server’s token to another', async () => {
    expect(await flagged('shared-token-cache', 'token-reuse')).toMatchObject({
      'CL-24/no-cross-server-token': 'fail',
    });
  }, 30_000);

  it('[CL-25] flags a refresh request without resource', async () => {
    expect(await flagged('refresh-without-resource', 'refresh-on-401')).toMatchObject({
      'CL-25/retry-after-401': 'pass',
      'CL-25/refresh-with-resource': 'fail',
    });
  }, 30_000);

  it('[CL-28] flags a client that opens a plain-http authorization URL', async () => {
    expect(await flagged('any-authorization-url', 'unsafe-authorization-url')).toMatchObject({
      'CL-28/unsafe-authorization-url': 'fail',
    });
  }, 30_000);

  it('[CL-29] flags a client that fetches metadata from a link-local address', async () => {
    expect(await flagged('any-issuer-url', 'ssrf-metadata')).toMatchObject({
      'CL-29/link-local-authorization-server': 'fail',
    });
  }, 30_000);

  it('[CL-09] flags a client that adds a trailing slash to the resource', async () => {
    expect(await flagged('slash-resource', 'trailing-slash')).toMatchObject({
      'CL-09/resource-verbatim': 'fail',
    });
  }, 30_000);

  it('[CL-23] skips every scenario when the client cannot complete the control flow', async () => {
    const report = await runClientSuite({
      command: [process.execPath, '-e', 'process.exit(0)'],
      scenarios: ['pkce-unsupported'],
      timeoutMs: 15_000,
    });
    expect(statuses(report)).toEqual({ 'CL-23/bearer-header': 'fail', 'CL-07/pkce-unsupported': 'skip' });
    expect(report.results[1]?.observed).toBe('the client failed the control scenario');
  }, 30_000);

  it('[CL-07] reports rows outside the chosen spec version as not applicable', async () => {
    const report = await runClientSuite({
      command: ['node', CLIENT],
      scenarios: ['pkce-unsupported'],
      spec: '2025-06-18',
      timeoutMs: 15_000,
    });
    expect(statuses(report)).toEqual({
      'CL-23/bearer-header': 'pass',
      'CL-07/pkce-unsupported': 'not-applicable',
    });
  }, 30_000);
});
