import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../src/main.js';

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    configFromEnv(env);
  } catch (error) {
    return (error as Error).message.split('\n');
  }
  return [];
}

describe('the PORTCULLIS_MCP_* environment', () => {
  it('reads only PORTCULLIS_MCP_* variables and refuses unknown ones by name', () => {
    expect(configFromEnv({ PATH: '/usr/bin', PORTCULLIS_PROXY_PORT: 'x', HOST: '0.0.0.0' }).host).toBe(
      '127.0.0.1',
    );
    expect(problems({ PORTCULLIS_MCP_PROT: '3031' })).toEqual([
      'unknown variable PORTCULLIS_MCP_PROT; the reference server reads PORTCULLIS_MCP_MODE, PORTCULLIS_MCP_PORT, PORTCULLIS_MCP_HOST, PORTCULLIS_MCP_RESOURCE, PORTCULLIS_MCP_ISSUER, PORTCULLIS_MCP_JWKS_URI, PORTCULLIS_MCP_PROXY_ISSUER, PORTCULLIS_MCP_PROXY_JWKS_URI',
    ]);
  });

  it('names the variable and the value of every problem', () => {
    expect(problems({ PORTCULLIS_MCP_PORT: '70000' })).toEqual([
      'PORTCULLIS_MCP_PORT must be a TCP port (0-65535), got "70000"',
    ]);
    expect(problems({ PORTCULLIS_MCP_PORT: '80x', PORTCULLIS_MCP_MODE: 'proxy' })).toEqual([
      'PORTCULLIS_MCP_MODE must be "standalone" or "behind-proxy", got "proxy"',
      'PORTCULLIS_MCP_PORT must be a TCP port (0-65535), got "80x"',
    ]);
    expect(problems({ PORTCULLIS_MCP_ISSUER: 'localhost:8080' })).toEqual([
      'PORTCULLIS_MCP_ISSUER must be an absolute http(s) URL, got "localhost:8080"',
    ]);
    expect(problems({ PORTCULLIS_MCP_MODE: 'behind-proxy', PORTCULLIS_MCP_PROXY_JWKS_URI: '/jwks' })).toEqual(
      ['PORTCULLIS_MCP_PROXY_JWKS_URI must be an absolute http(s) URL, got "/jwks"'],
    );
  });

  it('takes every value that is set, in both modes', () => {
    expect(
      configFromEnv({
        PORTCULLIS_MCP_PORT: '0',
        PORTCULLIS_MCP_HOST: '::1',
        PORTCULLIS_MCP_RESOURCE: 'http://localhost:4000/mcp',
        PORTCULLIS_MCP_ISSUER: 'https://id.example.com',
        PORTCULLIS_MCP_JWKS_URI: 'https://id.example.com/keys',
      }),
    ).toEqual({
      mode: 'standalone',
      host: '::1',
      port: 0,
      resource: 'http://localhost:4000/mcp',
      issuer: 'https://id.example.com',
      jwksUri: 'https://id.example.com/keys',
    });
    expect(
      configFromEnv({
        PORTCULLIS_MCP_MODE: 'behind-proxy',
        PORTCULLIS_MCP_PORT: '3031',
        PORTCULLIS_MCP_PROXY_ISSUER: 'http://127.0.0.1:9191',
        PORTCULLIS_MCP_PROXY_JWKS_URI: 'http://127.0.0.1:9191/keys',
      }),
    ).toEqual({
      mode: 'behind-proxy',
      host: '127.0.0.1',
      port: 3031,
      resource: 'http://127.0.0.1:3031/mcp',
      issuer: 'http://127.0.0.1:9191',
      jwksUri: 'http://127.0.0.1:9191/keys',
    });
  });
});
