import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@portcullis/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES, runCli } from '../../src/cli.js';
import { type BrokenServer, startBrokenServer } from '../fixtures/broken-server.js';
import { type SigningKey, signingKey } from '../helpers/stacks.js';

let key: SigningKey;
let good: BrokenServer;
let broken: BrokenServer;
const dir = mkdtempSync(join(tmpdir(), 'portcullis-conformance-cli-'));

beforeAll(async () => {
  key = await signingKey();
  good = await startBrokenServer('none', key);
  broken = await startBrokenServer('accepts-expired', key);
});
afterAll(async () => {
  await good.close();
  await broken.close();
});

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { cwd: dir, stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('portcullis-conformance server', () => {
  it('[RS-01 RS-15] prints progress and the table, and exits 0 when every MUST passes', async () => {
    const { code, stdout, stderr } = await run(['server', good.mcpUrl, '--signing-key', key.path]);
    expect(code).toBe(EXIT_CODES.ok);
    expect(stderr).toMatch(/^\[ ?1\/\d+\] PASS {2}RS-01 /m);
    expect(stdout).toMatch(/^PASS {4}RS-15 {2}MUST +an expired token is refused/m);
    expect(stdout).toMatch(/server suite, spec 2026-07-28, .*: \d+ passed, 0 failed/);
  });

  it('[RS-15] exits 1 and explains the failure: section, expected, observed, fix', async () => {
    const { code, stdout } = await run(['server', broken.mcpUrl, '--signing-key', key.path, '--quiet']);
    expect(code).toBe(EXIT_CODES.failed);
    expect(stdout).toContain('FAIL RS-15/expired (MUST): an expired token is refused with invalid_token');
    expect(stdout).toMatch(
      / {2}expected: 401, error="invalid_token"\n {2}observed: 200\n {2}fix: {6}Check `exp`/,
    );
  });

  it('[RS-15] --json gives the results with requirement ID, level, section, expected, observed and hint', async () => {
    const { code, stdout } = await run([
      'server',
      broken.mcpUrl,
      '--signing-key',
      key.path,
      '--json',
      '--quiet',
    ]);
    expect(code).toBe(EXIT_CODES.failed);
    const report = JSON.parse(stdout) as { spec: string; results: Record<string, string>[] };
    expect(report.spec).toBe('2026-07-28');
    expect(report.results.find((r) => r.key === 'RS-15/expired')).toMatchObject({
      id: 'RS-15',
      level: 'MUST',
      status: 'fail',
      expected: '401, error="invalid_token"',
      observed: '200',
    });
  });

  it('[RS-15] --junit writes one testcase per check, the failure and skips included', async () => {
    const file = join(dir, 'junit.xml');
    await run(['server', broken.mcpUrl, '--signing-key', key.path, '--junit', 'junit.xml', '--quiet']);
    const xml = readFileSync(file, 'utf8');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
    const cases = xml.match(/<testcase /g)?.length ?? 0;
    expect(xml).toMatch(
      new RegExp(`<testsuite name="[^"]+" tests="${cases}" failures="1" errors="0" skipped="\\d+"`),
    );
    expect(xml).toContain('name="[RS-15] RS-15/expired: an expired token is refused with invalid_token"');
    expect(xml).toMatch(/<failure message="RS-15 MUST: 200" type="MUST">requirement: RS-15 \(MUST\)/);
    expect(xml).toMatch(/<skipped message="[^"]+"\/>/);
    expect(xml.match(/<testcase /g)?.length).toBe(xml.match(/<\/testcase>/g)?.length);
  });

  it('[RS-15] --expected-failures: exits 0 when only listed checks fail, 1 on a stale entry', async () => {
    writeFileSync(
      join(dir, 'baseline.yml'),
      'server:\n  - RS-15/expired # known\nclient:\n  - CL-07/pkce-unsupported\n',
    );
    const known = await run([
      'server',
      broken.mcpUrl,
      '--signing-key',
      key.path,
      '--expected-failures',
      'baseline.yml',
      '--quiet',
    ]);
    expect(known.code).toBe(EXIT_CODES.ok);
    expect(known.stderr).toBe('expected failure: RS-15/expired');
    const stale = await run([
      'server',
      good.mcpUrl,
      '--signing-key',
      key.path,
      '--expected-failures',
      'baseline.yml',
      '--quiet',
    ]);
    expect(stale.code).toBe(EXIT_CODES.failed);
    expect(stale.stderr).toContain('error: stale baseline entry: RS-15/expired passes now');
  });

  it('[RS-15] --expected-failures: a failure the baseline does not list is a regression', async () => {
    writeFileSync(join(dir, 'other.txt'), 'RS-13/other-audience\n');
    const { code, stderr } = await run([
      'server',
      broken.mcpUrl,
      '--signing-key',
      key.path,
      '--expected-failures',
      'other.txt',
      '--quiet',
    ]);
    expect(code).toBe(EXIT_CODES.failed);
    expect(stderr).toContain('error: regression: RS-15/expired (MUST) 200');
    expect(stderr).toContain('error: stale baseline entry: RS-13/other-audience');
  });

  it('exits 2 on a bad baseline line, a bad --spec or a missing URL', async () => {
    writeFileSync(join(dir, 'bad.txt'), 'RS-15\n');
    const badBaseline = await run(['server', good.mcpUrl, '--expected-failures', 'bad.txt', '--quiet']);
    expect(badBaseline).toMatchObject({ code: EXIT_CODES.usage });
    expect(badBaseline.stderr).toContain('bad.txt:1: "RS-15" is not a check key');
    const badSpec = await run(['server', good.mcpUrl, '--spec', '2024-11-05']);
    expect(badSpec.code).toBe(EXIT_CODES.usage);
    expect(badSpec.stderr).toMatch(/invalid server suite options: spec/);
    expect((await run(['server'])).code).toBe(EXIT_CODES.usage);
  });

  it('exits 3 when the MCP URL does not answer', async () => {
    const { code, stderr } = await run(['server', `http://127.0.0.1:${await freePort()}/mcp`, '--quiet']);
    expect(code).toBe(EXIT_CODES.unreachable);
    expect(stderr).toMatch(/did not answer: no answer \(/);
  });

  it('[RS-13] client credentials from the environment supply the valid and the other-audience token', async () => {
    process.env.PORTCULLIS_CONFORMANCE_CLIENT_CREDENTIALS = 'suite:suite-secret';
    try {
      const { code, stdout } = await run(['server', good.mcpUrl, '--json', '--quiet']);
      expect(code).toBe(EXIT_CODES.ok);
      const results = (JSON.parse(stdout) as { results: Record<string, string>[] }).results;
      const byKey = (key: string) => results.find((r) => r.key === key);
      expect(byKey('RS-12/valid-token-accepted')?.observed).toContain('client_credentials (client suite)');
      expect(byKey('RS-13/other-audience')?.status).toBe('pass');
      expect(stdout).not.toContain('suite-secret');
    } finally {
      delete process.env.PORTCULLIS_CONFORMANCE_CLIENT_CREDENTIALS;
    }
  });

  it('prints the usage of each command with --help', async () => {
    expect((await run(['server', '--help'])).stdout).toMatch(
      /^usage: portcullis-conformance server <mcp-url>/,
    );
    expect((await run(['client', '--help', '--', 'node'])).stdout).toMatch(
      /^usage: portcullis-conformance client/,
    );
  });

  it('[RS-20] --token-command supplies the valid token', async () => {
    writeFileSync(join(dir, 'token.mjs'), await tokenScript());
    const { code, stdout } = await run([
      'server',
      good.mcpUrl,
      '--token-command',
      `node ${join(dir, 'token.mjs')}`,
      '--json',
      '--quiet',
    ]);
    expect(code).toBe(EXIT_CODES.ok);
    const results = (JSON.parse(stdout) as { results: Record<string, string>[] }).results;
    expect(results.find((r) => r.key === 'RS-20/token-in-query')?.status).toBe('pass');
    expect(results.find((r) => r.key === 'RS-12/valid-token-accepted')?.observed).toContain('token command');
  });

  it('[RS-22 RS-24] --second-token-command and --mrtr-tool feed the two-caller checks', async () => {
    writeFileSync(join(dir, 'token.mjs'), await tokenScript());
    const second = ['--second-token-command', `node ${join(dir, 'token.mjs')}`];
    const status = async (spec: string, check: string, extra: string[] = []) => {
      const argv = ['server', good.mcpUrl, '--spec', spec, '--signing-key', key.path, ...extra];
      const { code, stdout } = await run([...argv, '--json', '--quiet']);
      const results = (JSON.parse(stdout) as { results: Record<string, string>[] }).results;
      return [code, results.find((r) => r.key === check)?.status];
    };
    const mrtr = ['--mrtr-tool', 'confirm', '--mrtr-arguments', '{}'];
    expect(await status('2026-07-28', 'RS-24/request-state-of-another-user', [...second, ...mrtr])).toEqual([
      EXIT_CODES.ok,
      'pass',
    ]);
    expect(await status('2025-11-25', 'RS-22/session-of-another-user', second)).toEqual([
      EXIT_CODES.ok,
      'pass',
    ]);
    process.env.PORTCULLIS_CONFORMANCE_SECOND_CLIENT_CREDENTIALS = 'other:other-secret';
    try {
      expect(await status('2025-11-25', 'RS-22/session-of-another-user')).toEqual([EXIT_CODES.ok, 'pass']);
    } finally {
      delete process.env.PORTCULLIS_CONFORMANCE_SECOND_CLIENT_CREDENTIALS;
    }
  });

  it('exits 2 when --mrtr-arguments is not a JSON object', async () => {
    const { code, stderr } = await run(['server', good.mcpUrl, '--mrtr-arguments', '[1]', '--quiet']);
    expect(code).toBe(EXIT_CODES.usage);
    expect(stderr).toMatch(/mrtrArguments/);
  });
});

/** A token command: signs a token for $PORTCULLIS_CONFORMANCE_RESOURCE with the fixture's key. */
async function tokenScript(): Promise<string> {
  const jose = import.meta.resolve('jose');
  return `import { importJWK, SignJWT } from ${JSON.stringify(jose)};
const jwk = ${JSON.stringify(key.jwk)};
const now = Math.floor(Date.now() / 1000);
const token = await new SignJWT({ iss: ${JSON.stringify(good.issuer)}, aud: process.env.PORTCULLIS_CONFORMANCE_RESOURCE, sub: 'joe', scope: 'mcp:tools', iat: now, exp: now + 300 })
  .setProtectedHeader({ alg: 'ES256', kid: jwk.kid }).sign(await importJWK(jwk, 'ES256'));
console.log(token);
`;
}
