import { fileURLToPath } from 'node:url';
import { resolveOptions } from '@portcullis/proxy';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { run } from '../src/main.js';

const IDP = {
  PORTCULLIS_PROXY_IDP_ISSUER: 'http://localhost:8080',
  PORTCULLIS_PROXY_IDP_JWKS_URI: 'http://localhost:8080/jwks',
};

describe('portcullis-proxy --stdio -- <command> [args…]', () => {
  it('parses the command after -- into a stdio upstream, arguments untouched', async () => {
    const config = await loadConfig(['--stdio', '--', 'node', 'fixture.js', '--flag', 'a b', '--'], IDP);
    const options = resolveOptions(config.options);
    expect(options.upstream).toEqual({
      kind: 'stdio',
      command: 'node',
      args: ['fixture.js', '--flag', 'a b', '--'],
      env: {},
      maxProcesses: 16,
      maxProcessesPerCaller: 4,
      timeoutMs: 30_000,
      filterToolsList: true,
    });
    expect(options.idp.issuer).toBe('http://localhost:8080');
  });

  it('replaces the http upstream of a config file, or keeps the stdio settings of one', async () => {
    const config = await loadConfig(
      ['--config', 'examples/portcullis.embedded-idp.yaml', '--stdio', '--', 'my-server'],
      {},
    );
    expect(resolveOptions(config.options).upstream).toMatchObject({
      kind: 'stdio',
      command: 'my-server',
      args: [],
    });
    const stdioFile = await loadConfig(
      ['-c', 'examples/portcullis.stdio.yaml', '--stdio', '--', 'other', 'x'],
      {},
    );
    expect(resolveOptions(stdioFile.options).upstream).toMatchObject({
      kind: 'stdio',
      command: 'other',
      args: ['x'],
      maxProcesses: 8,
    });
  });

  it('refuses --stdio without a command, a command without --stdio, and http-only overrides', async () => {
    await expect(loadConfig(['--stdio'], IDP)).rejects.toThrow(/--stdio and "-- <command>" go together/);
    await expect(loadConfig(['--', 'node'], IDP)).rejects.toThrow(/--stdio and "-- <command>" go together/);
    await expect(loadConfig(['--stdio', '--'], IDP)).rejects.toThrow(/--stdio needs a command after --/);
    await expect(
      loadConfig(['--stdio', '--', 'node'], {
        ...IDP,
        PORTCULLIS_PROXY_UPSTREAM_URL: 'http://127.0.0.1:1/mcp',
      }),
    ).rejects.toThrow('PORTCULLIS_PROXY_UPSTREAM_URL applies to an http upstream, not to --stdio');
  });

  it('runs the proxy with a stdio upstream: no JWKS is published (no identity is forwarded)', async () => {
    const fixture = fileURLToPath(
      new URL('../../../packages/proxy/test/stdio/fixture-server.mjs', import.meta.url),
    );
    const running = await run(['--stdio', '--', process.execPath, fixture], {
      ...IDP,
      PORTCULLIS_PROXY_PORT: '0',
      PORTCULLIS_PROXY_PUBLIC_URL: 'http://localhost:9090',
      PORTCULLIS_PROXY_LOG_LEVEL: 'silent',
    });
    try {
      expect(running.options.upstream).toMatchObject({ kind: 'stdio', command: process.execPath });
      expect((await fetch(`${running.address}/healthz`)).status).toBe(200);
      expect((await fetch(`${running.address}/.well-known/jwks.json`)).status).toBe(404);
      const unauthenticated = await fetch(`${running.address}/mcp`, {
        method: 'POST',
        headers: { host: 'localhost:9090', 'content-type': 'application/json' },
        body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
      });
      expect(unauthenticated.status).toBe(401);
    } finally {
      await running.close();
    }
  });
});
