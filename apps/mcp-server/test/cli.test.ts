import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '@portcullis/test-support';
import { describe, expect, it } from 'vitest';
import { answerWithoutRunning, HELP, version } from '../src/cli.js';
import { envSchema } from '../src/options.js';

/** Run the app (TypeScript source through tsx, as main.test.ts does) with `args` and `env`. */
async function cli(args: readonly string[], env: Record<string, string> = {}) {
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
  const child = spawn(tsx, [main, ...args], {
    env: { ...process.env, PORTCULLIS_MCP_PORT: String(await freePort()), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}

/** Every `PORTCULLIS_MCP_*` variable named in `src/` (except the help text itself) and every schema key. */
async function variablesOfSource(): Promise<Set<string>> {
  const names = new Set<string>(Object.keys(envSchema.shape));
  const dir = new URL('../src/', import.meta.url);
  for (const file of await readdir(dir)) {
    if (file === 'cli.ts') continue;
    const source = await readFile(new URL(file, dir), 'utf8');
    for (const name of source.match(/(?<![A-Z_])PORTCULLIS_MCP_[A-Z_]+/g) ?? []) names.add(name);
    for (const [, name] of source.matchAll(/process\.env\.([A-Z_]+)/g)) names.add(name ?? '');
  }
  return names;
}

describe('portcullis-mcp-server --help, --version, unknown arguments', () => {
  it('--help names every flag and every environment variable the app reads', async () => {
    expect(answerWithoutRunning(['--help'])).toEqual({ exitCode: 0, stdout: HELP, stderr: '' });
    expect(answerWithoutRunning(['--bogus', '-h'])?.stdout).toBe(HELP);
    const variables = await variablesOfSource();
    expect(variables.size).toBeGreaterThanOrEqual(8);
    for (const name of variables) expect(HELP).toContain(name);
    for (const flag of ['--help', '-h', '--version', '-V']) expect(HELP).toContain(flag);
    expect(HELP).toMatch(/127\.0\.0\.1:3030/);
    expect(HELP).toMatch(/SIGINT.*SIGTERM/);
  });

  it("--version prints the app's version and Node's", async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const expected = `portcullis-mcp-server ${pkg.version} (Node.js ${process.version})\n`;
    expect(version()).toBe(expected);
    expect(answerWithoutRunning(['--version'])).toEqual({ exitCode: 0, stdout: expected, stderr: '' });
    expect(answerWithoutRunning([])).toBeUndefined();
  });

  it('the CLI prints the help and the version and exits 0 without starting', async () => {
    expect(await cli(['-h'], { PORTCULLIS_MCP_PROT: '1' })).toEqual({ code: 0, stdout: HELP, stderr: '' });
    expect(await cli(['-V'])).toEqual({ code: 0, stdout: version(), stderr: '' });
  });

  it('an unknown argument: exit 2 and one line on stderr, nothing started', async () => {
    for (const env of [{}, { PORTCULLIS_MCP_MODE: 'behind-proxy' }] as Record<string, string>[]) {
      expect(await cli(['--port=3030'], env)).toEqual({
        code: 2,
        stdout: '',
        stderr:
          'portcullis-mcp-server: unexpected argument "--port=3030": it takes no arguments and is configured by environment variables; run portcullis-mcp-server --help\n',
      });
    }
  });
});
