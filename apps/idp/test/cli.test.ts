import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { answerWithoutRunning, HELP, version } from '../src/cli.js';
import { envSchema } from '../src/options.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));

/** Run the app (TypeScript source, as main.test.ts does) with `args` and `env`; its exit code and output. */
async function cli(args: readonly string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: appDir,
    env: { ...process.env, PORTCULLIS_IDP_PORT: '0', ...env },
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

/** Names in `src/` that are not variables: the typo example in the doc comment of `envSchema`. */
const NOT_VARIABLES = new Set(['PORTCULLIS_IDP_PROT']);

/** Every environment variable named in `src/` (except the help text itself) and every key of the schema. */
async function variablesOfSource(): Promise<Set<string>> {
  const names = new Set<string>(Object.keys(envSchema.shape));
  const dir = new URL('../src/', import.meta.url);
  for (const file of await readdir(dir)) {
    if (file === 'cli.ts') continue;
    const source = await readFile(new URL(file, dir), 'utf8');
    for (const name of source.match(/(?<![A-Z_])PORTCULLIS_IDP(?:_[A-Z_]+)?/g) ?? []) names.add(name);
    for (const [, name] of source.matchAll(/process\.env\.([A-Z_]+)/g)) names.add(name ?? '');
  }
  for (const name of NOT_VARIABLES) names.delete(name);
  return names;
}

describe('portcullis-idp --help, --version, unknown arguments', () => {
  it('--help names every flag and every environment variable the app reads', async () => {
    expect(answerWithoutRunning(['--help'])).toEqual({ exitCode: 0, stdout: HELP, stderr: '' });
    expect(answerWithoutRunning(['--bogus', '-h'])?.stdout).toBe(HELP);
    const variables = await variablesOfSource();
    expect(variables.size).toBeGreaterThan(10);
    for (const name of variables) expect(HELP).toContain(name);
    // Keycloak mode: read by @portcullis/keycloak.
    for (const name of [
      'PORTCULLIS_KEYCLOAK_IMAGE',
      'PORTCULLIS_KEYCLOAK_ALLOW_PROCESS',
      'PORTCULLIS_KEYCLOAK_DIST',
    ])
      expect(HELP).toContain(name);
    for (const flag of ['--help', '-h', '--version', '-V']) expect(HELP).toContain(flag);
    expect(HELP).toMatch(/127\.0\.0\.1:8080/);
    expect(HELP).toMatch(/SIGINT.*SIGTERM/);
  });

  it("--version prints the app's version and Node's", async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const expected = `portcullis-idp ${pkg.version} (Node.js ${process.version})\n`;
    expect(version()).toBe(expected);
    expect(answerWithoutRunning(['-V'])).toEqual({ exitCode: 0, stdout: expected, stderr: '' });
    expect(answerWithoutRunning([])).toBeUndefined();
  });

  it('the CLI prints the help and exits 0 without starting, even with a mistyped variable', async () => {
    const help = await cli(['--help'], { PORTCULLIS_IDP_PROT: '1' });
    expect(help).toEqual({ code: 0, stdout: HELP, stderr: '' });
    const { code, stdout } = await cli(['--version']);
    expect(code).toBe(0);
    expect(stdout).toBe(version());
  });

  it('an unknown log level: --help still answers; a start stops at once with one line naming the variable', async () => {
    const help = await cli(['--help'], { PORTCULLIS_IDP_LOG_LEVEL: 'loud' });
    expect(help).toEqual({ code: 0, stdout: HELP, stderr: '' });
    const start = await cli([], { PORTCULLIS_IDP_LOG_LEVEL: 'loud' });
    expect(start).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'portcullis-idp: PORTCULLIS_IDP_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"\n',
    });
  });

  it('an unknown argument: exit 2 and one line on stderr, nothing started (embedded or Keycloak)', async () => {
    for (const env of [{}, { PORTCULLIS_IDP: 'keycloak' }] as Record<string, string>[]) {
      const result = await cli(['--port', '8080'], env);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        'portcullis-idp: unexpected argument "--port": it takes no arguments and is configured by environment variables; run portcullis-idp --help\n',
      );
    }
  });
});
