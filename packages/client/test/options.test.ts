import { describe, expect, it } from 'vitest';
import {
  type ClientError,
  DEFAULT_MAX_AUTHORIZATION_ATTEMPTS,
  defaultStoreDir,
  resolveClientOptions,
} from '../src/index.js';

describe('client options', () => {
  it('[CL-10] lowercases scheme and host of the server URL and fills the defaults', () => {
    const options = resolveClientOptions({ serverUrl: 'HTTPS://MCP.Example.COM/Mcp' });
    expect(options.serverUrl).toBe('https://mcp.example.com/Mcp');
    expect(options.maxAuthorizationAttempts).toBe(DEFAULT_MAX_AUTHORIZATION_ATTEMPTS);
    expect(options.protocol).toBe('auto');
  });

  it('rejects a fragment, a bad CIMD URL and plain http with precise messages', () => {
    const bad = (input: Parameters<typeof resolveClientOptions>[0]) => {
      try {
        resolveClientOptions(input);
      } catch (error) {
        return error as ClientError;
      }
      throw new Error('no error');
    };
    expect(bad({ serverUrl: 'https://h/mcp#x' }).message).toContain('fragment');
    expect(bad({ serverUrl: 'https://h/mcp', clientMetadataUrl: 'https://h' }).message).toContain(
      'clientMetadataUrl',
    );
    expect(bad({ serverUrl: 'http://h.example/mcp' }).code).toBe('ERR_PORTCULLIS_CLIENT_UNSAFE_URL');
    expect(bad({ serverUrl: 'http://127.0.0.1:1/mcp' }).hint).toContain('--allow-http-loopback');
  });

  it('stores under PORTCULLIS_HOME, else XDG_CONFIG_HOME/portcullis', () => {
    expect(defaultStoreDir({ PORTCULLIS_HOME: '/p' })).toBe('/p');
    expect(defaultStoreDir({ XDG_CONFIG_HOME: '/x' })).toBe('/x/portcullis');
  });
});
