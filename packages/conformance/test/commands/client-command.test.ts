import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES, runCli } from '../../src/cli.js';

const CLIENT = join(
  dirname(dirname(fileURLToPath(import.meta.url))),
  'fixtures',
  'clients',
  'oauth-client.ts',
);
const dir = mkdtempSync(join(tmpdir(), 'portcullis-conformance-client-cli-'));

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { cwd: dir, stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('portcullis-conformance client', () => {
  it('[CL-22] exits 0 for a correct client and writes JUnit', async () => {
    const { code, stdout } = await run([
      'client',
      '--scenario',
      'state-mismatch',
      '--junit',
      'client.xml',
      '--quiet',
      '--',
      'node',
      CLIENT,
    ]);
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout).toMatch(/^PASS +CL-22 +SHOULD +the client discards/m);
    expect(readFileSync(join(dir, 'client.xml'), 'utf8')).toContain('name="[CL-22] CL-22/state-mismatch: ');
  }, 30_000);

  it('[CL-22] --strict turns the SHOULD warning into a failure', async () => {
    const args = [
      'client',
      '--scenario',
      'state-mismatch',
      '--quiet',
      '--',
      'node',
      CLIENT,
      '--fault=ignore-state',
    ];
    expect((await run(args)).code).toBe(EXIT_CODES.ok);
    expect((await run(['client', '--strict', ...args.slice(1)])).code).toBe(EXIT_CODES.failed);
  }, 30_000);

  it('exits 2 without a command or with an unknown scenario', async () => {
    expect((await run(['client'])).code).toBe(EXIT_CODES.usage);
    const unknown = await run(['client', '--scenario', 'nope', '--', 'node', CLIENT]);
    expect(unknown.code).toBe(EXIT_CODES.usage);
    expect(unknown.stderr).toContain('error: unknown scenario nope');
  });
});
