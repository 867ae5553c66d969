import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidProxyOptionsError, ProxyError } from '@portcullis/proxy';
import { freePort } from '@portcullis/test-support';
import { describe, expect, it } from 'vitest';
import { answerWithoutRunning, HELP, run, startFailure } from '../src/main.js';

const embedded = ['--config', 'examples/portcullis.embedded-idp.yaml'];

/** Run the CLI (TypeScript source) with `args` and `env`; its exit code and output. */
async function cli(args: readonly string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bin.ts', ...args], {
    env: { ...process.env, ...env },
    stdio: 'pipe',
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

/** `true` when something accepts TCP connections on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('portcullis-proxy', () => {
  it('[RS-26 PX-01] starts from the example config on 127.0.0.1 and serves PRM for its own URL', async () => {
    const port = await freePort();
    const running = await run(['--config', 'examples/portcullis.embedded-idp.yaml'], {
      PORTCULLIS_PROXY_PORT: String(port),
      PORTCULLIS_PROXY_LOG_LEVEL: 'silent',
    });
    try {
      expect(running.address).toBe(`http://127.0.0.1:${port}`);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      const prm = (await (
        await fetch(`http://localhost:${port}/.well-known/oauth-protected-resource/mcp`)
      ).json()) as { resource: string; authorization_servers: string[] };
      expect(prm.resource).toBe(`http://localhost:${port}/mcp`);
      expect(prm.authorization_servers).toEqual(['http://localhost:8080']);
      const jwks = (await (await fetch(`http://localhost:${port}/.well-known/jwks.json`)).json()) as {
        keys: unknown[];
      };
      expect(jwks.keys).toHaveLength(1);
    } finally {
      await running.close();
    }
  });

  it('[RS-31] exits 1 at start with a precise message when the config is invalid', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/bin.ts', '--config', 'examples/portcullis.embedded-idp.yaml'],
      { env: { ...process.env, PORTCULLIS_PROXY_IDP_ISSUER: 'http://idp.example.com' }, stdio: 'pipe' },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('idp.issuer must be an https URL (http is allowed only for loopback)');
  });
});

describe('portcullis-proxy SIGHUP', () => {
  it('reads the identity key files again: the JWKS publishes the new signing key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-app-proxy-'));
    const keyFile = join(dir, 'identity.jwk.json');
    const key = (kid: string) => ({
      ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
      kid,
    });
    await writeFile(keyFile, JSON.stringify(key('before')));
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/bin.ts', ...embedded], {
      env: {
        ...process.env,
        PORTCULLIS_PROXY_PORT: String(port),
        PORTCULLIS_PROXY_IDENTITY_KEY_FILE: keyFile,
        PORTCULLIS_PROXY_LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    });
    const kids = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/.well-known/jwks.json`).catch(() => undefined);
      const body = (await res?.json()) as { keys: { kid: string }[] } | undefined;
      return body?.keys.map((jwk) => jwk.kid);
    };
    const eventually = async (expected: string[]) => {
      const deadline = Date.now() + 15_000;
      while (JSON.stringify(await kids()) !== JSON.stringify(expected)) {
        if (Date.now() > deadline) throw new Error(`the JWKS did not become ${expected.join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    try {
      await eventually(['before']);
      await writeFile(keyFile, JSON.stringify(key('after')));
      child.kill('SIGHUP');
      await eventually(['after']);
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});

describe('portcullis-proxy runtime tuning', () => {
  /** Start the command on a free port; the process as the system sees it once it serves, and its log. */
  async function startedWith(env: Record<string, string>, nodeFlags: readonly string[] = []) {
    const port = await freePort();
    const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', 'src/bin.ts', ...embedded], {
      env: {
        ...process.env,
        MALLOC_ARENA_MAX: undefined,
        NODE_OPTIONS: undefined,
        PORTCULLIS_PROXY_RUNTIME_TUNING: undefined,
        PORTCULLIS_PROXY_RUNTIME_TUNED: undefined,
        PORTCULLIS_PROXY_PORT: String(port),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let log = '';
    child.stdout.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    try {
      const deadline = Date.now() + 20_000;
      while (!log.includes('portcullis proxy listening')) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`the proxy did not start: ${log}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      const cmdline = (await readFile(`/proc/${child.pid}/cmdline`, 'utf8')).split('\0');
      const environ = (await readFile(`/proc/${child.pid}/environ`, 'utf8')).split('\0');
      const listening = JSON.parse(
        log.split('\n').find((line) => line.includes('portcullis proxy listening')) ?? '{}',
      );
      return { cmdline, environ, runtimeTuning: (listening as { runtimeTuning?: string }).runtimeTuning };
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    }
  }

  it.skipIf(process.platform !== 'linux')(
    'serves from the process it was started as (same PID), re-executed with the young generation capped and one malloc arena',
    async () => {
      const { cmdline, environ, runtimeTuning } = await startedWith({});
      expect(cmdline).toEqual(
        expect.arrayContaining([
          '--import',
          'tsx',
          '--max-semi-space-size=8',
          '--no-concurrent-recompilation',
          '--config',
        ]),
      );
      expect(environ).toContain('MALLOC_ARENA_MAX=1');
      expect(runtimeTuning).toBe('--max-semi-space-size=8 --no-concurrent-recompilation MALLOC_ARENA_MAX=1');
    },
  );

  it.skipIf(process.platform !== 'linux')(
    "keeps the operator's own settings, and runs untouched with PORTCULLIS_PROXY_RUNTIME_TUNING=off",
    async () => {
      const own = await startedWith({ NODE_OPTIONS: '--max-semi-space-size=4', MALLOC_ARENA_MAX: '2' }, [
        '--concurrent-recompilation',
      ]);
      expect(own.cmdline).not.toContain('--max-semi-space-size=8');
      expect(own.cmdline).not.toContain('--no-concurrent-recompilation');
      expect(own.environ).toContain('MALLOC_ARENA_MAX=2');
      expect(own.runtimeTuning).toBe('--concurrent-recompilation --max-semi-space-size=4 MALLOC_ARENA_MAX=2');
      const off = await startedWith({ PORTCULLIS_PROXY_RUNTIME_TUNING: 'off' });
      expect(
        off.cmdline.filter((arg) => arg.startsWith('--max-semi') || arg.includes('recompilation')),
      ).toEqual([]);
      expect(off.environ.some((entry) => entry.startsWith('MALLOC_ARENA_MAX='))).toBe(false);
      expect(off.runtimeTuning).toBe('none');
    },
  );
});

describe('portcullis-proxy --help, --version, --check', () => {
  it('--help names every flag and every environment variable the config reads', async () => {
    expect(await answerWithoutRunning(['--help'], {})).toBe(HELP);
    expect(await answerWithoutRunning(['-h', '--config', 'missing.yaml'], {})).toBe(HELP);
    const source = await readFile(new URL('../src/config.ts', import.meta.url), 'utf8');
    const variables = new Set(source.match(/(?<![A-Z_])PORTCULLIS_PROXY_[A-Z_]+/g));
    expect(variables.size).toBeGreaterThan(8);
    for (const name of variables) expect(HELP).toContain(name);
    for (const flag of ['--config', '--stdio', '--check', '--help', '--version'])
      expect(HELP).toContain(flag);
  });

  it("--version prints the app's version and Node's", async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(await answerWithoutRunning(['--version'], {})).toBe(
      `portcullis-proxy ${pkg.version} (Node.js ${process.version})\n`,
    );
  });

  it('--check validates the config and reads its key files without listening', async () => {
    const port = await freePort();
    const summary = await answerWithoutRunning([...embedded, '--check'], {
      PORTCULLIS_PROXY_PORT: String(port),
    });
    expect(summary).toBe(
      `portcullis-proxy: examples/portcullis.embedded-idp.yaml is valid: direct mode, http://localhost:${port}/mcp in front of http://127.0.0.1:3030/mcp, listening on 127.0.0.1:${port}\n`,
    );
    expect(await listening(port)).toBe(false);
    expect(await answerWithoutRunning(embedded, {})).toBeUndefined();

    await expect(
      answerWithoutRunning([...embedded, '--check'], {
        PORTCULLIS_PROXY_IDP_ISSUER: 'http://idp.example.com',
      }),
    ).rejects.toBeInstanceOf(InvalidProxyOptionsError);
    const missingKey = answerWithoutRunning([...embedded, '--check'], {
      PORTCULLIS_PROXY_IDENTITY_KEY_FILE: '/nonexistent/identity.jwk.json',
    });
    await expect(missingKey).rejects.toBeInstanceOf(ProxyError);
    expect(startFailure(await missingKey.catch((error: unknown) => error))).toBe(
      "ERR_PORTCULLIS_PROXY_SIGNING_KEY: upstream.identity.keyFile /nonexistent/identity.jwk.json could not be read as JSON; write the private EC P-256 key as a JWK there (ENOENT: no such file or directory, open '/nonexistent/identity.jwk.json')",
    );
  });

  it('the CLI exits 0 after a valid --check, and 1 with one line, no stack trace, for an unreadable key file', async () => {
    const valid = await cli([...embedded, '--check']);
    expect(valid.code).toBe(0);
    expect(valid.stdout).toContain('is valid: direct mode');
    const missing = await cli([...embedded, '--check'], {
      PORTCULLIS_PROXY_IDENTITY_KEY_FILE: '/nonexistent/identity.jwk.json',
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('ERR_PORTCULLIS_PROXY_SIGNING_KEY: upstream.identity.keyFile');
  });
});
