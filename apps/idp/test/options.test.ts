import { describe, expect, it } from 'vitest';
import { keycloakOptionsFromEnv, optionsFromEnv } from '../src/options.js';

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

  it('refuses unknown PORTCULLIS_IDP_* variables by name and ignores other variables', () => {
    expect(() => optionsFromEnv({ PORTCULLIS_IDP_PROT: '9000' })).toThrow(
      /^unknown environment variable PORTCULLIS_IDP_PROT \(known: /,
    );
    expect(optionsFromEnv({ HOME: '/root', PORTCULLIS_IDP: 'embedded' }).port).toBe(8080);
  });

  it('treats empty variables as unset', () => {
    const options = optionsFromEnv({
      PORTCULLIS_IDP_PORT: '',
      PORTCULLIS_IDP_SCOPES: '',
      PORTCULLIS_IDP_USERS: '',
    });
    expect(options.port).toBe(8080);
    expect(options.resources?.[0]?.scopes).toEqual(['mcp:tools', 'mcp:admin']);
    expect(options.users?.map((u) => u.username)).toEqual(['alice', 'bob']);
  });

  it('names every offending variable and never echoes a password', () => {
    let message = '';
    try {
      optionsFromEnv({
        PORTCULLIS_IDP_PORT: '70000',
        PORTCULLIS_IDP_USERS: 'carol:s3cret-pw,broken',
        PORTCULLIS_IDP_CIMD_ALLOW_HTTP_LOOPBACK: 'on',
        PORTCULLIS_IDP_ISSUER: 'not a url',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split('; ').sort()).toEqual(
      [
        'PORTCULLIS_IDP_CIMD_ALLOW_HTTP_LOOPBACK must be true or false (or 1 or 0)',
        'PORTCULLIS_IDP_ISSUER must be an absolute URL',
        'PORTCULLIS_IDP_PORT must be an integer between 0 and 65535',
        'PORTCULLIS_IDP_USERS entries must look like username:password',
      ].sort(),
    );
    expect(message).not.toContain('s3cret-pw');
  });

  it('reads the Keycloak-mode settings, which need a fixed port', () => {
    expect(keycloakOptionsFromEnv({})).toEqual({ hostPort: 8080, resourceUrl: 'http://localhost:9090/mcp' });
    expect(
      keycloakOptionsFromEnv({ PORTCULLIS_IDP_PORT: '18080', MCP_RESOURCE_URL: 'http://localhost:3030/mcp' }),
    ).toEqual({ hostPort: 18080, resourceUrl: 'http://localhost:3030/mcp' });
    expect(() => keycloakOptionsFromEnv({ PORTCULLIS_IDP_PORT: '0' })).toThrow(
      'PORTCULLIS_IDP_PORT must be an integer between 1 and 65535 for Keycloak',
    );
  });
});
