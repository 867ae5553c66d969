import { spawn } from 'node:child_process';
import { freePort } from '@portcullis/test-support';
import { describe, expect, it } from 'vitest';
import { run } from '../src/main.js';

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
      ['--import', 'tsx', 'src/main.ts', '--config', 'examples/portcullis.embedded-idp.yaml'],
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
