import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { connectCli } from '../fixtures/cli-flow.js';
import { PortcullisCli } from '../fixtures/portcullis-cli.js';
import { expect, test } from '../fixtures/test.js';
import { ALICE } from '../fixtures/users.js';

// The README's promise, for real: `pnpm dev` (tooling/scripts/dev.mjs → turbo → apps/idp, apps/mcp-server,
// apps/proxy on their fixed ports 8080, 3030, 9090) comes up, prints the line to connect, the CLI connects
// through the browser and calls hello-world, and Ctrl-C (SIGINT to the process group) leaves nothing listening.
// Its own project (`dev-stack`), since it needs the fixed ports and no per-test stack.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PORTS = [8080, 9090, 3030];
const MCP_URL = 'http://localhost:9090/mcp';

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function waitForBanner(dev: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no banner in ${timeoutMs} ms:\n${output().slice(-3000)}`)),
      timeoutMs,
    );
    const check = () => {
      if (output().includes('Portcullis dev stack is up')) {
        clearTimeout(timer);
        resolve();
      }
    };
    dev.stdout?.on('data', check);
    dev.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pnpm dev exited with ${code}:\n${output().slice(-3000)}`));
    });
  });
}

test('pnpm dev: the stack comes up, the CLI connects through the browser, Ctrl-C stops every part', async ({
  page,
  opener,
}, testInfo) => {
  test.setTimeout(360_000);
  for (const port of PORTS)
    expect(await listening(port), `port ${port} must be free before pnpm dev`).toBe(false);
  let output = '';
  const dev = spawn(process.execPath, ['tooling/scripts/dev.mjs'], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, PORTCULLIS_IDP: 'embedded', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  dev.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  dev.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => dev.once('exit', (code) => resolve(code)));
  let cli: PortcullisCli | undefined;
  try {
    await waitForBanner(dev, () => output, 240_000);
    expect(output).toContain(`pnpm portcullis connect ${MCP_URL}`);
    await testInfo.attach('pnpm dev banner', {
      body: output.slice(output.indexOf('┌ Portcullis dev stack is up')),
      contentType: 'text/plain',
    });

    cli = await PortcullisCli.create({ mcpUrl: MCP_URL, opener });
    const { url, landing } = await connectCli(cli, page, testInfo, { kind: 'embedded', user: ALICE });
    expect(url.origin).toBe('http://localhost:9090');
    expect(landing.error).toBeNull();
    expect((await cli.run('call hello-world {"name":"joe"}')).stdout).toMatch(
      /🔧 Tool 'hello-world' result:\nHello, joe!/,
    );
  } finally {
    await cli?.close();
    if (dev.pid !== undefined && dev.exitCode === null) process.kill(-dev.pid, 'SIGINT');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 60_000))]);
    expect(code, `pnpm dev did not stop on SIGINT:\n${output.slice(-2000)}`).not.toBe('timeout');
  }
  for (const port of PORTS) expect(await listening(port), `port ${port} still open after Ctrl-C`).toBe(false);
});
