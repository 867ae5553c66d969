import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TokenStore } from '../../src/index.js';
import { useStack } from '../helpers/stack.js';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const BROWSER = `${process.execPath} ${fileURLToPath(new URL('../fixtures/login-browser.mjs', import.meta.url))}`;
const stack = useStack();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the built CLI as a child process, optionally piping `input` into its stdin. */
function cli(args: string[], input = '', env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.stdin.end(input);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function flags(): Promise<string[]> {
  return ['--allow-http-loopback', '--store-dir', await stack.storeDir(), '--browser-command', BROWSER];
}

describe('portcullis CLI against the embedded IdP and the reference server', () => {
  it('[CL-23 CL-30] call prints the tool result as JSON and exits 0; no token on any stream', async () => {
    // No --allow-http-loopback: a server named as http on this machine implies it (the local stack).
    const run = await cli([
      'call',
      stack.resource,
      'hello-world',
      '{"name": "joe"}',
      ...(await flags()).slice(1),
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).content[0].text).toBe('Hello, joe! Your user agent is: node');
    expect(run.stderr).toContain('Log in in your browser');
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
  });

  it("[CL-13] connect runs the mcp> commands piped in, with the guide's output and step-up", async () => {
    const input = [
      'tools',
      'call hello-world {"name": "joe"}',
      'resources',
      'read greeting://joe',
      'prompts',
      'get greeting {"name": "joe"}',
      'whoami',
      'call admin-stats',
      'help',
    ].join('\n');
    const run = await cli(['connect', stack.resource, ...(await flags()), '--protocol', 'legacy'], input);
    expect(run.stderr).toContain(`Connected to ${stack.resource} as alice`);
    expect(run.stdout).toContain("🔧 Tool 'hello-world' result:\nHello, joe! Your user agent is: node");
    expect(run.stdout).toContain('  - hello-world: Greets you by name');
    expect(run.stdout).toContain("📄 Resource 'greeting://joe':\nHello, joe!");
    expect(run.stdout).toContain('Please greet joe warmly.');
    expect(run.stdout).toContain('"sub": "alice"');
    expect(run.stdout).not.toContain('access_token');
    expect(run.stdout).toContain("🔧 Tool 'admin-stats' result:");
    expect(run.stdout).toContain('whoami');
    expect(run.code).toBe(0);
  });

  it('connect with piped commands exits with the code of the first failed line', async () => {
    const run = await cli(
      ['connect', stack.resource, ...(await flags())],
      'tools\nbogus\ncall hello-world {"name": "x"}\n',
    );
    expect(run.stderr).toContain('✖ unknown command "bogus"; type "help" for the list');
    expect(run.stdout).toContain('Hello, x!');
    expect(run.code).toBe(2);
  });

  it('logout revokes the tokens at the IdP (RFC 7009) and forgets them: the next call logs in again', async () => {
    const common = await flags();
    expect((await cli(['call', stack.resource, 'whoami', ...common])).code).toBe(0);
    const again = await cli(['call', stack.resource, 'whoami', ...common]);
    expect(again.stderr).not.toContain('Log in in your browser');
    const store = new TokenStore(String(common[common.indexOf('--store-dir') + 1]));
    const binding = await store.readBinding(stack.resource);
    const key = TokenStore.tokenKey(
      String(binding?.issuer),
      String(binding?.resource),
      String(binding?.client_id),
    );
    const refreshToken = (await store.readTokens(key))?.refresh_token;
    expect(refreshToken).toBeTypeOf('string');
    const logout = await cli(['logout', stack.resource, ...common]);
    expect(logout.code).toBe(0);
    expect(logout.stderr).toContain('and revoked them at the authorization server');
    // RFC 7009: the refresh token is dead at the IdP, not only deleted here.
    const refreshed = await fetch(`${stack.idp.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: String(refreshToken),
        client_id: String(binding?.client_id),
      }),
    });
    expect(((await refreshed.json()) as { error?: string }).error).toBe('invalid_grant');
    const after = await cli(['call', stack.resource, 'whoami', ...common]);
    expect(after.stderr).toContain('Log in in your browser');
  });
});

describe('portcullis CLI errors and exit codes', () => {
  it('exits 2 with usage help for a missing URL, an unknown flag or invalid JSON', async () => {
    expect((await cli(['call'])).code).toBe(2);
    const flag = await cli(['connect', 'https://x.example/mcp', '--bogus']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("Unknown option '--bogus'");
    const json = await cli(['call', 'https://x.example/mcp', 'hello-world', '{name: joe}']);
    expect(json.code).toBe(2);
    expect(json.stderr).toContain('the tool arguments is not valid JSON');
  });

  it('exits 3 and says what to do for an http URL that is not on this machine', async () => {
    const run = await cli(['call', 'http://mcp.example.com/mcp', 'hello-world', '{}']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('the MCP server URL http://mcp.example.com/mcp must use https:');
    expect(run.stderr).toContain('--allow-http-loopback');
  });

  it('exits 5 naming the URL when the server is unreachable', async () => {
    const run = await cli([
      'call',
      'http://127.0.0.1:9/mcp',
      'x',
      '--allow-http-loopback',
      '--store-dir',
      await stack.storeDir(),
    ]);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('http://127.0.0.1:9/mcp');
    expect(run.stderr).toContain('ERR_PORTCULLIS_CLIENT_NETWORK');
  });

  it('exits 4 when the browser login never comes back', async () => {
    const run = await cli([
      'call',
      stack.resource,
      'whoami',
      '--allow-http-loopback',
      '--store-dir',
      await stack.storeDir(),
      '--no-browser',
      '--login-timeout',
      '1',
    ]);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('ERR_PORTCULLIS_CLIENT_CALLBACK_TIMEOUT');
  });
});
