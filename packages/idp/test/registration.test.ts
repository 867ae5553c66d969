import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningIdp } from '../src/index.js';
import { startTestIdp } from './helpers/idp.js';
import { authorizeUrl, Browser, register } from './helpers/oauth.js';

let idp: RunningIdp;
beforeAll(async () => {
  idp = await startTestIdp();
});
afterAll(() => idp.close());

const PUBLIC = { token_endpoint_auth_method: 'none' } as const;

describe('RFC 7591 §3 dynamic client registration', () => {
  it('[AS-20] registers a public native client with a loopback redirect: 201 with client_id and no secret', async () => {
    const { status, body } = await register(idp.issuer, {
      ...PUBLIC,
      redirect_uris: ['http://127.0.0.1:3000/cb'],
      application_type: 'native',
    });
    expect(status).toBe(201);
    expect(body.client_id).toEqual(expect.any(String));
    expect(body.token_endpoint_auth_method).toBe('none');
    expect(body).not.toHaveProperty('client_secret');
  });

  it('[AS-20] issues a secret with client_secret_expires_at to a confidential client', async () => {
    const { status, body } = await register(idp.issuer, {
      redirect_uris: ['https://app.test/cb'],
      application_type: 'web',
    });
    expect(status).toBe(201);
    expect(body.client_secret).toEqual(expect.any(String));
    expect(body.client_secret_expires_at).toBe(0);
  });

  it('[AS-20] accepts the resource scopes in the registration scope, as the MCP SDKs send them', async () => {
    const { status, body } = await register(idp.issuer, {
      ...PUBLIC,
      redirect_uris: ['http://127.0.0.1:3000/cb'],
      application_type: 'native',
      scope: 'mcp:tools mcp:admin',
    });
    expect(status).toBe(201);
    expect(body.scope).toBe('mcp:tools mcp:admin');
    const unknown = await register(idp.issuer, {
      ...PUBLIC,
      redirect_uris: ['http://127.0.0.1:3000/cb'],
      scope: 'mcp:tools not-offered',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('invalid_client_metadata');
  });

  it('[AS-20] answers {} with 400 and an RFC 7591 §3.2.2 error', async () => {
    const { status, body } = await register(idp.issuer, {});
    expect(status).toBe(400);
    expect(['invalid_redirect_uri', 'invalid_client_metadata']).toContain(body.error);
  });

  it('[AS-20] answers unusable metadata with 400 invalid_client_metadata', async () => {
    const { status, body } = await register(idp.issuer, {
      ...PUBLIC,
      redirect_uris: ['https://app.test/cb'],
      grant_types: ['password'],
    });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_client_metadata');
  });
});

describe('MCP §Communication Security: redirect URIs are loopback or https', () => {
  it.each(['http://evil.test/cb', 'myapp://cb', 'javascript:alert(1)', 'http://10.0.0.1/cb'])(
    '[AS-07] refuses %s with 400 invalid_redirect_uri',
    async (uri) => {
      const { status, body } = await register(idp.issuer, { ...PUBLIC, redirect_uris: [uri] });
      expect(status).toBe(400);
      expect(body.error).toBe('invalid_redirect_uri');
    },
  );

  it.each([
    'https://app.test/cb',
    'http://127.0.0.1:3000/cb',
    'http://[::1]:8080/cb',
    'http://localhost:1234/cb',
  ])('[AS-07] accepts %s with 201', async (uri) => {
    const { status } = await register(idp.issuer, { ...PUBLIC, redirect_uris: [uri] });
    expect(status).toBe(201);
  });
});

describe('MCP Client Registration §Application Type (SEP-837)', () => {
  it('[AS-21] accepts application_type native with a loopback redirect', async () => {
    const { status, body } = await register(idp.issuer, {
      ...PUBLIC,
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1:49152/callback'],
    });
    expect(status).toBe(201);
    expect(body.application_type).toBe('native');
  });

  it('[AS-21] rejects application_type web with a loopback redirect as invalid_redirect_uri (OIDC rule)', async () => {
    const { status, body } = await register(idp.issuer, {
      ...PUBLIC,
      application_type: 'web',
      redirect_uris: ['http://localhost:3000/cb'],
    });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_redirect_uri');
    expect(body.error_description).toMatch(/require application_type "native"/);
  });

  it('[AS-21] accepts application_type web with an https redirect', async () => {
    const { status } = await register(idp.issuer, {
      ...PUBLIC,
      application_type: 'web',
      redirect_uris: ['https://app.test/cb'],
    });
    expect(status).toBe(201);
  });

  it('[AS-21] treats a client without application_type as native (pre-2026 MCP clients keep working)', async () => {
    const { status, body } = await register(idp.issuer, {
      ...PUBLIC,
      redirect_uris: ['http://127.0.0.1:5000/cb'],
    });
    expect(status).toBe(201);
    expect(body.application_type).toBe('native');
  });
});

describe('RFC 8252 §7.3 / OAuth 2.1 §2.3.1 redirect URI matching at authorization time', () => {
  let loopbackClient: string;
  let webClient: string;
  beforeAll(async () => {
    loopbackClient = String(
      (
        await register(idp.issuer, {
          ...PUBLIC,
          application_type: 'native',
          redirect_uris: ['http://127.0.0.1/cb'],
        })
      ).body.client_id,
    );
    webClient = String(
      (
        await register(idp.issuer, {
          ...PUBLIC,
          application_type: 'web',
          redirect_uris: ['https://app.test/cb'],
        })
      ).body.client_id,
    );
  });

  async function authorize(clientId: string, redirectUri: string) {
    return new Browser().get(authorizeUrl(idp.issuer, { clientId, redirectUri, scope: 'mcp:tools' }));
  }

  it('[AS-06] accepts a registered loopback IP redirect with any port', async () => {
    const res = await authorize(loopbackClient, 'http://127.0.0.1:49152/cb');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/\/interaction\//);
  });

  it.each(['http://127.0.0.1:49152/cb/extra', 'http://127.0.0.1:49152/other', 'http://localhost:49152/cb'])(
    '[AS-06 AS-22] rejects %s with a 400 page and no redirect',
    async (redirectUri) => {
      const res = await authorize(loopbackClient, redirectUri);
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toContain('id="error-code"');
    },
  );

  it('[AS-06 AS-22] requires an exact match for https redirects', async () => {
    for (const redirectUri of ['https://app.test/cb2', 'https://app.test:8443/cb', 'https://evil.test/cb']) {
      const res = await authorize(webClient, redirectUri);
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
    }
    expect((await authorize(webClient, 'https://app.test/cb')).status).toBe(303);
  });

  it('[AS-22] an unknown client_id gets a 400 page, never a redirect', async () => {
    const res = await authorize('no-such-client', 'https://evil.test/cb');
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('invalid_client');
  });

  it('[AS-22] the error page cannot be framed', async () => {
    const res = await authorize('no-such-client', 'https://evil.test/cb');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
});

describe('registration.maxClients: open DCR cannot grow memory without bound', () => {
  let capped: RunningIdp;
  beforeAll(async () => {
    capped = await startTestIdp({ registration: { maxClients: 2 } });
  });
  afterAll(() => capped.close());

  it('refuses registrations past the cap with 503 temporarily_unavailable; earlier clients keep working', async () => {
    const metadata = { ...PUBLIC, redirect_uris: ['http://127.0.0.1:3000/cb'] };
    const first = await register(capped.issuer, metadata);
    expect(first.status).toBe(201);
    expect((await register(capped.issuer, metadata)).status).toBe(201);

    const refused = await fetch(`${capped.issuer}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(metadata),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    const body = (await refused.json()) as Record<string, unknown>;
    expect(body).toEqual({
      error: 'temporarily_unavailable',
      error_description: expect.stringMatching(/registration limit reached \(2 clients\)/),
    });

    const clientId = String(first.body.client_id);
    const res = await new Browser().get(authorizeUrl(capped.issuer, { clientId, scope: 'mcp:tools' }));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/\/interaction\//);
  });
});

describe('RFC 7592 client registration management', () => {
  let capped: RunningIdp;
  beforeAll(async () => {
    capped = await startTestIdp({ registration: { maxClients: 1 } });
  });
  afterAll(() => capped.close());

  it('hands out a registration access token; the client reads and deletes itself, freeing a place under the cap', async () => {
    const metadata = { redirect_uris: ['https://app.test/cb'], application_type: 'web' };
    const { status, body } = await register(capped.issuer, metadata);
    expect(status).toBe(201);
    const uri = String(body.registration_client_uri);
    const token = String(body.registration_access_token);
    expect(uri).toBe(`${capped.issuer}/register/${String(body.client_id)}`);
    expect((await register(capped.issuer, metadata)).status).toBe(503);

    const wrong = await fetch(uri, { method: 'DELETE', headers: { authorization: 'Bearer not-the-token' } });
    expect(wrong.status).toBe(401);
    const read = await fetch(uri, { headers: { authorization: `Bearer ${token}` } });
    expect(read.status).toBe(200);
    expect(((await read.json()) as Record<string, unknown>).client_id).toBe(body.client_id);

    const deleted = await fetch(uri, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect(deleted.status).toBe(204);
    expect((await fetch(uri, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    const page = await new Browser().get(
      authorizeUrl(capped.issuer, { clientId: String(body.client_id), scope: 'mcp:tools' }),
    );
    expect(page.status).toBe(400);
    expect((await register(capped.issuer, metadata)).status).toBe(201);
  });
});
