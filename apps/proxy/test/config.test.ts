import { resolveOptions } from '@portcullis/proxy';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

const embedded = ['--config', 'examples/portcullis.embedded-idp.yaml'];

describe('portcullis-proxy configuration', () => {
  it('loads the embedded-IdP example: IdP on 8080, reference server on 3030, proxy on 9090', async () => {
    const config = await loadConfig(embedded, {});
    const options = resolveOptions(config.options);
    expect(options).toMatchObject({
      mode: 'direct',
      resource: 'http://localhost:9090/mcp',
      listen: { host: '127.0.0.1', port: 9090 },
      idp: { issuer: 'http://localhost:8080', jwksUri: 'http://localhost:8080/jwks' },
      upstream: { url: 'http://127.0.0.1:3030/mcp', identity: { mode: 'jwt', ttlSeconds: 60 } },
      scopes: { default: ['mcp:tools'], tools: { 'admin-stats': ['mcp:admin'] } },
    });
  });

  it('loads the Keycloak example', async () => {
    const options = resolveOptions(
      (await loadConfig(['--config=examples/portcullis.keycloak.yaml'], {})).options,
    );
    expect(options.idp).toMatchObject({
      issuer: 'http://127.0.0.1:8080/realms/mcp',
      jwksUri: 'http://127.0.0.1:8080/realms/mcp/protocol/openid-connect/certs',
    });
  });

  it('loads the facade examples (embedded IdP and Keycloak) used by `pnpm dev`', async () => {
    const embeddedFacade = resolveOptions(
      (await loadConfig(['--config', 'examples/portcullis.facade.yaml'], {})).options,
    );
    expect(embeddedFacade.mode).toBe('facade');
    expect(embeddedFacade.authorizationServer).toBe('http://localhost:9090');
    expect(embeddedFacade.facade).toMatchObject({
      adapter: 'rfc7591',
      consent: 'always',
      cimd: { allowHttpLoopback: true },
    });
    const keycloak = resolveOptions(
      (await loadConfig(['--config', 'examples/portcullis.keycloak-facade.yaml'], {})).options,
    );
    expect(keycloak.facade).toMatchObject({ adapter: 'keycloak', consent: 'always' });
    expect(keycloak.idp.issuer).toBe('http://127.0.0.1:8080/realms/mcp');
  });

  it('applies the environment overrides', async () => {
    const config = await loadConfig(embedded, {
      PORTCULLIS_PROXY_PORT: '9191',
      PORTCULLIS_PROXY_PUBLIC_URL: 'http://localhost:9191',
      PORTCULLIS_PROXY_UPSTREAM_URL: 'http://127.0.0.1:4040/mcp',
      PORTCULLIS_PROXY_IDP_ISSUER: 'http://127.0.0.1:8081',
      PORTCULLIS_PROXY_IDP_JWKS_URI: 'http://127.0.0.1:8081/jwks',
      PORTCULLIS_PROXY_IDENTITY_KEY_FILE: '/run/secrets/identity.jwk.json',
      PORTCULLIS_PROXY_LOG_LEVEL: 'debug',
    });
    const options = resolveOptions(config.options);
    expect(options.listen.port).toBe(9191);
    expect(options.resource).toBe('http://localhost:9191/mcp');
    expect(options.idp.issuer).toBe('http://127.0.0.1:8081');
    expect(options.upstream).toMatchObject({
      kind: 'http',
      url: 'http://127.0.0.1:4040/mcp',
      identity: { mode: 'jwt', keyFile: '/run/secrets/identity.jwk.json' },
    });
    expect(config.logLevel).toBe('debug');
  });

  it('derives the public URL from the port when neither the file nor the environment sets it', async () => {
    const config = await loadConfig([], {
      PORTCULLIS_PROXY_PORT: '9292',
      PORTCULLIS_PROXY_UPSTREAM_URL: 'http://127.0.0.1:3030/mcp',
      PORTCULLIS_PROXY_IDP_ISSUER: 'http://localhost:8080',
      PORTCULLIS_PROXY_IDP_JWKS_URI: 'http://localhost:8080/jwks',
    });
    expect(resolveOptions(config.options).resource).toBe('http://localhost:9292/mcp');
  });

  it('takes the introspection client secret and the facade store key from the environment', async () => {
    const config = await loadConfig(embedded, {
      PORTCULLIS_PROXY_IDP_INTROSPECTION_CLIENT_SECRET: 'from-the-environment',
      PORTCULLIS_PROXY_FACADE_STORE_KEY: 'store key from the environment, 32+ chars',
    });
    expect((config.options.facade as { storeKey?: unknown }).storeKey).toBe(
      'store key from the environment, 32+ chars',
    );
    const idp = config.options.idp as { issuer?: unknown; introspection?: unknown };
    expect(idp.introspection).toEqual({ clientSecret: 'from-the-environment' });
    expect(idp.issuer).toBeTypeOf('string');
  });

  it('takes the facade store keys being rotated out from the environment, comma-separated', async () => {
    const config = await loadConfig(embedded, {
      PORTCULLIS_PROXY_FACADE_PREVIOUS_STORE_KEYS:
        ' first old store key of 32+ characters , ,second old store key of 32+ characters',
    });
    expect((config.options.facade as { previousStoreKeys?: unknown }).previousStoreKeys).toEqual([
      'first old store key of 32+ characters',
      'second old store key of 32+ characters',
    ]);
  });

  it('[RS-26 RS-31] refuses bad arguments, ports and a non-loopback bind without https', async () => {
    await expect(loadConfig(['--port', '1'], {})).rejects.toThrow(/usage: portcullis-proxy \[--config/);
    await expect(loadConfig(['--config'], {})).rejects.toThrow(/usage/);
    await expect(loadConfig(embedded, { PORTCULLIS_PROXY_PORT: 'http' })).rejects.toThrow(
      'PORTCULLIS_PROXY_PORT must be a TCP port (0-65535), got "http"',
    );
    await expect(loadConfig(embedded, { PORTCULLIS_PROXY_HOST: '0.0.0.0' })).rejects.toThrow(
      'listen.host 0.0.0.0 is not loopback, so publicUrl must be an https URL',
    );
    await expect(loadConfig(['--config', 'examples/missing.yaml'], {})).rejects.toThrow(
      /cannot read the config file/,
    );
  });
});
