import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '@portcullis/test-support';
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../src/main.js';

describe('environment and start-up', () => {
  it('[RS-26] binds to 127.0.0.1 with the documented defaults', () => {
    expect(configFromEnv({})).toEqual({
      mode: 'standalone',
      host: '127.0.0.1',
      port: 3030,
      resource: 'http://localhost:3030/mcp',
      issuer: 'http://localhost:8080',
      jwksUri: undefined,
    });
  });

  it('[RS-26 RS-31] refuses a non-loopback bind unless the resource is https', () => {
    expect(() => configFromEnv({ PORTCULLIS_MCP_HOST: '0.0.0.0' })).toThrow(/must be an https URL/);
    expect(
      configFromEnv({
        PORTCULLIS_MCP_HOST: '0.0.0.0',
        PORTCULLIS_MCP_RESOURCE: 'https://mcp.example.com/mcp',
      }).host,
    ).toBe('0.0.0.0');
  });

  it('[RS-31] refuses to start with a plain-http public resource', async () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
    const child = spawn(tsx, [main], {
      env: {
        ...process.env,
        PORTCULLIS_MCP_PORT: String(await freePort()),
        PORTCULLIS_MCP_RESOURCE: 'http://mcp.example.com/mcp',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('resource must be an https URL (http is allowed only for loopback)');
  });

  it('[RS-26] starts on loopback and serves metadata', async () => {
    const port = await freePort();
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
    const child = spawn(tsx, [main], {
      env: { ...process.env, PORTCULLIS_MCP_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let response: Response | undefined;
      for (let i = 0; i < 100 && response === undefined; i++) {
        response = await fetch(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`).catch(
          () => undefined,
        );
        if (response === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      if (response === undefined) throw new Error('the server did not start');
      expect(response.status).toBe(200);
      expect(((await response.json()) as { resource: string }).resource).toBe(`http://localhost:${port}/mcp`);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('exit', resolve));
    }
  });
});
