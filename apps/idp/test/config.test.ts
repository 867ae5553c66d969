import { describe, expect, it } from 'vitest';
import { optionsFromEnv } from '../src/config.js';

describe('optionsFromEnv', () => {
  it('uses the documented dev defaults', () => {
    const options = optionsFromEnv({});
    expect(options).toMatchObject({
      issuer: 'http://localhost:8080',
      host: '127.0.0.1',
      port: 8080,
      offlineAccess: false,
      resources: [
        { uri: 'http://localhost:9090/mcp', scopes: ['mcp:tools', 'mcp:admin'] },
        { uri: 'http://localhost:3030/mcp', scopes: ['mcp:tools', 'mcp:admin'] },
      ],
    });
    expect(options.users?.map((u) => u.username)).toEqual(['alice', 'bob']);
  });

  it('derives the issuer from the bound socket when the port is 0', () => {
    expect(optionsFromEnv({ PORTCULLIS_IDP_PORT: '0' }).issuer).toBeUndefined();
  });

  it('reads every variable', () => {
    const options = optionsFromEnv({
      PORTCULLIS_IDP_PORT: '9000',
      PORTCULLIS_IDP_ISSUER: 'https://idp.example.test',
      PORTCULLIS_IDP_RESOURCES: 'https://rs.test/mcp',
      PORTCULLIS_IDP_SCOPES: 'a b',
      PORTCULLIS_IDP_USERS: 'carol:pw:with:colons',
      PORTCULLIS_IDP_OFFLINE_ACCESS: 'true',
    });
    expect(options).toMatchObject({
      issuer: 'https://idp.example.test',
      port: 9000,
      resources: [{ uri: 'https://rs.test/mcp', scopes: ['a', 'b'] }],
      users: [{ username: 'carol', password: 'pw:with:colons' }],
      offlineAccess: true,
    });
  });

  it('names the variable in errors', () => {
    expect(() => optionsFromEnv({ PORTCULLIS_IDP_PORT: 'x' })).toThrow(
      'PORTCULLIS_IDP_PORT must be an integer',
    );
    expect(() => optionsFromEnv({ PORTCULLIS_IDP_OFFLINE_ACCESS: 'yes' })).toThrow(
      'PORTCULLIS_IDP_OFFLINE_ACCESS must be',
    );
  });
});
