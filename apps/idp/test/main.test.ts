import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const appDir = fileURLToPath(new URL('..', import.meta.url));

describe('apps/idp main', () => {
  it('[AS-01] starts on port 0, serves discovery, logs no secrets and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: appDir,
      env: { ...process.env, PORTCULLIS_IDP_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    const ready = new Promise<{ url: string; issuer: string }>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        lines.push(line);
        const entry = JSON.parse(line) as { url?: string; issuer?: string };
        if (entry.url && entry.issuer) resolve({ url: entry.url, issuer: entry.issuer });
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    const { url, issuer } = await ready;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { issuer: string; scopes_supported: string[] };
    expect(body.issuer).toBe(issuer);
    expect(body.scopes_supported).toContain('mcp:tools');

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines.join('\n')).not.toMatch(/alice-pass|bob-pass/);
  });
});
