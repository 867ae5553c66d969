// The realm checker against a stand-in server on 127.0.0.1: branches a real Keycloak never shows (documents
// without S256, invalid metadata, leaky registration responses). The real-Keycloak suites cover the happy path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRealm, formatReport, isKeycloakError, registerPublicClient } from '../src/index.js';
import {
  FAKE_SECRETS,
  type FakeDiscovery,
  oidcDocument,
  publicClient,
  startFakeDiscovery,
} from './support/fake-discovery.js';

const RESOURCE = 'http://localhost:9090/mcp';
const withoutPkce = (issuer: string) => {
  const { code_challenge_methods_supported: _omitted, ...doc } = oidcDocument(issuer);
  return doc;
};

describe('checkRealm against a stand-in server', () => {
  let fake: FakeDiscovery;
  beforeAll(async () => {
    fake = await startFakeDiscovery({});
  });
  afterAll(async () => {
    await fake.close();
  });

  async function check() {
    const report = await checkRealm(fake.issuer, { resource: RESOURCE });
    const text = formatReport(report);
    for (const secret of Object.values(FAKE_SECRETS)) {
      expect(text).not.toContain(secret);
      expect(JSON.stringify(report)).not.toContain(secret);
    }
    return { report, text, row: (id: string) => report.checks.find((check) => check.id === id) };
  }

  it('[AS-03] fails pkce-s256 when the RFC 8414 document omits code_challenge_methods_supported', async () => {
    fake.config = { rfc8414: withoutPkce, oidcAppend: oidcDocument };
    const { report, row, text } = await check();
    expect(row('pkce-s256')?.status).toBe('fail');
    expect(row('pkce-s256')?.detail).toBe(
      '/.well-known/oauth-authorization-server/realms/mcp has no code_challenge_methods_supported',
    );
    expect(report).toMatchObject({ ok: false, result: 'failed' });
    expect(text).toMatch(/^Result: 1 check\(s\) failed/m);
  });

  it('[AS-03] fails pkce-s256 when an OIDC document lists only plain', async () => {
    fake.config = {
      rfc8414: oidcDocument,
      oidcAppend: (issuer) => ({ ...oidcDocument(issuer), code_challenge_methods_supported: ['plain'] }),
    };
    const { row } = await check();
    expect(row('pkce-s256')).toMatchObject({
      status: 'fail',
      detail: '/realms/mcp/.well-known/openid-configuration lists ["plain"] without S256',
    });
  });

  it('[AS-03] reports incomplete, not ready, when every served document has S256 but no user was given', async () => {
    fake.config = { rfc8414: oidcDocument, oidcAppend: oidcDocument };
    const deletedBefore = fake.deleted.length;
    const { report, row, text } = await check();
    expect(row('pkce-s256')?.status).toBe('pass');
    expect(row('oidc-path-insertion')?.status).toBe('warn');
    expect(row('anonymous-dcr')?.status).toBe('pass');
    expect(row('token-audience')?.status).toBe('skip');
    expect(report).toMatchObject({ ok: true, result: 'incomplete' });
    expect(text).toMatch(
      /^Result: incomplete: consent, token-audience skipped \(needs a realm user: pass --user and --password\)/m,
    );
    expect(text).not.toMatch(/Result: ready/);
    expect(fake.deleted.length).toBe(deletedBefore + 1);
  });

  it('[AS-02] fails a document whose issuer differs from the configured one', async () => {
    fake.config = {
      rfc8414: (issuer) => oidcDocument(issuer.replace('127.0.0.1', 'localhost')),
      oidcAppend: oidcDocument,
    };
    const { row } = await check();
    expect(row('rfc8414-path-insertion')?.status).toBe('fail');
    expect(row('rfc8414-path-insertion')?.detail).toMatch(/issuer http:\/\/localhost:\d+\/realms\/mcp ≠/);
    expect(row('oidc-path-append')?.status).toBe('pass');
  });

  it('[AS-01] fails a document that @portcullis/metadata rejects, naming the member', async () => {
    fake.config = {
      rfc8414: (issuer) => ({ ...oidcDocument(issuer), response_types_supported: undefined }),
      oidcAppend: (issuer) => ({ ...oidcDocument(issuer), jwks_uri: 'ftp://example.com/certs' }),
    };
    const { row } = await check();
    expect(row('rfc8414-path-insertion')).toMatchObject({ status: 'fail' });
    expect(row('rfc8414-path-insertion')?.detail).toMatch(
      /invalid metadata \("?response_types_supported"?: is REQUIRED/,
    );
    expect(row('oidc-path-append')?.detail).toMatch(/invalid metadata \("?jwks_uri"?: /);
  });

  it('never prints the body of an unexpected registration success (secrets stay out)', async () => {
    fake.config = {
      rfc8414: oidcDocument,
      oidcAppend: oidcDocument,
      register: (issuer) => ({
        status: 200,
        body: { ...publicClient(issuer), client_secret: FAKE_SECRETS.clientSecret },
      }),
    };
    const { row } = await check();
    expect(row('anonymous-dcr')).toMatchObject({ status: 'fail', detail: 'HTTP 200' });

    const endpoint = `${fake.issuer}/clients-registrations/openid-connect`;
    const error = await registerPublicClient(endpoint, 'http://127.0.0.1:30000/callback').catch((e) => e);
    expect(isKeycloakError(error, 'ERR_PORTCULLIS_KEYCLOAK_UNEXPECTED_RESPONSE')).toBe(true);
    expect(error.message).toContain('answered HTTP 200, not 201 with a client_id');
    for (const secret of Object.values(FAKE_SECRETS)) expect(error.message).not.toContain(secret);
  });

  it('fails a confidential registration without printing its secret, and deletes the client', async () => {
    const deletedBefore = fake.deleted.length;
    fake.config = {
      rfc8414: oidcDocument,
      oidcAppend: oidcDocument,
      register: (issuer) => ({
        status: 201,
        body: {
          ...publicClient(issuer),
          token_endpoint_auth_method: 'client_secret_basic',
          client_secret: FAKE_SECRETS.clientSecret,
        },
      }),
    };
    const { row } = await check();
    expect(row('anonymous-dcr')).toMatchObject({
      status: 'fail',
      detail: '201, but token_endpoint_auth_method client_secret_basic, a client_secret issued',
    });
    expect(fake.deleted.length).toBe(deletedBefore + 1);
  });

  it('shows only error and error_description of a rejected registration', async () => {
    fake.config = {
      rfc8414: oidcDocument,
      oidcAppend: oidcDocument,
      register: () => ({
        status: 403,
        body: { error: 'insufficient_scope', error_description: "Policy 'Trusted Hosts' rejected request" },
      }),
    };
    const { row } = await check();
    expect(row('anonymous-dcr')?.detail).toBe(
      "HTTP 403 (insufficient_scope: Policy 'Trusted Hosts' rejected request)",
    );
  });
});
