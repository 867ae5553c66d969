import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Forwarder, startForwarder } from './helpers/forwarder.js';
import { useReferenceServer } from './helpers/reference-server.js';

const CLI = fileURLToPath(
  new URL('../node_modules/@modelcontextprotocol/conformance/dist/index.js', import.meta.url),
);

const env = useReferenceServer();
let forwarder: Forwarder;

beforeAll(async () => {
  const { issuer, resource } = env;
  forwarder = await startForwarder(`http://127.0.0.1:${new URL(resource).port}`, () => issuer.sign(resource));
});
// Hooks run as a stack (Vitest's default): this closes the forwarder before the server and the issuer.
afterAll(async () => {
  await forwarder.close();
});

/** Run `conformance server --url … --scenario …` with a time limit; exit code plus output. */
function runScenario(scenario: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [CLI, 'server', '--url', `${forwarder.url}/mcp`, '--scenario', scenario],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('official MCP conformance suite (server mode) through a token-adding forwarder', () => {
  it('[RS-25] passes dns-rebinding-protection', async () => {
    const { code, output } = await runScenario('dns-rebinding-protection');
    expect(output).toMatch(/localhost-host-rebinding-rejected/);
    expect(output).toMatch(/localhost-host-valid-accepted/);
    expect(output).not.toMatch(/FAIL/);
    expect(code).toBe(0);
  }, 40_000);

  for (const scenario of ['server-initialize', 'ping', 'tools-list']) {
    it(`passes ${scenario}`, async () => {
      const { code } = await runScenario(scenario);
      expect(code).toBe(0);
    }, 40_000);
  }
});
