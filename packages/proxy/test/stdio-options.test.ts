import { describe, expect, it } from 'vitest';
import { InvalidProxyOptionsError, PROXY_ERROR_CODES, resolveOptions } from '../src/index.js';

const idp = { issuer: 'http://localhost:8080', jwksUri: 'http://localhost:8080/jwks' };

function issuesOf(input: unknown): readonly string[] {
  try {
    resolveOptions(input);
  } catch (error) {
    if (error instanceof InvalidProxyOptionsError) return error.issues;
    throw error;
  }
  throw new Error('expected the options to be refused');
}

describe('resolveOptions: the upstream is http (default) or stdio', () => {
  it('fills the stdio defaults and keeps an upstream without kind an http upstream', () => {
    const stdio = resolveOptions({ idp, upstream: { kind: 'stdio', command: 'node' } });
    expect(stdio.upstream).toEqual({
      kind: 'stdio',
      command: 'node',
      args: [],
      env: {},
      maxProcesses: 16,
      maxProcessesPerCaller: 4,
      timeoutMs: 30_000,
      filterToolsList: true,
    });
    expect(stdio.identityIssuer).toBe('http://localhost:9090');
    const http = resolveOptions({ idp, upstream: { url: 'http://127.0.0.1:3030/mcp' } });
    expect(http.upstream).toMatchObject({ kind: 'http', url: 'http://127.0.0.1:3030/mcp' });
  });

  it('refuses http-only keys on a stdio upstream and an empty command, naming the path', () => {
    expect(
      issuesOf({ idp, upstream: { kind: 'stdio', command: 'node', identity: { mode: 'jwt' } } })[0],
    ).toMatch(/upstream.*identity/);
    expect(issuesOf({ idp, upstream: { kind: 'stdio', command: '' } })[0]).toMatch(/^upstream\.command/);
    expect(issuesOf({ idp, upstream: { kind: 'stdio', command: 'x', maxProcesses: 0 } })[0]).toMatch(
      /^upstream\.maxProcesses/,
    );
    expect(issuesOf({ idp, upstream: { kind: 'stdio', command: 'x', maxProcessesPerCaller: 0 } })[0]).toMatch(
      /^upstream\.maxProcessesPerCaller/,
    );
    expect(issuesOf({ idp, upstream: { kind: 'ftp', url: 'x' } })[0]).toMatch(/^upstream\.kind/);
  });

  it('has stable codes for the stdio failures', () => {
    expect(PROXY_ERROR_CODES).toEqual(
      expect.arrayContaining([
        'ERR_PORTCULLIS_PROXY_STDIO_SPAWN_FAILED',
        'ERR_PORTCULLIS_PROXY_STDIO_EXITED',
        'ERR_PORTCULLIS_PROXY_STDIO_LIMIT',
      ]),
    );
  });
});
