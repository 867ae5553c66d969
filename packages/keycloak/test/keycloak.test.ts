import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  audienceOf,
  authorizeWithPassword,
  checkRealm,
  createPkce,
  decodeJwtPayload,
  deleteRegisteredClient,
  fetchMetadata,
  loopbackRedirectUri,
  type RegisteredClient,
  registerClient,
  registerPublicClient,
  type StartedKeycloak,
  startKeycloak,
  tokenRequest,
} from '../src/index.js';
import { inCi, realKeycloakUnavailable, testImage } from './support/real-keycloak.js';

// One real Keycloak 26.7.3 for the whole file, started by Testcontainers from the locally built image.
const RESOURCE = 'http://localhost:9090/mcp';
const unavailable = await realKeycloakUnavailable();
if (unavailable && !inCi) console.warn(`[keycloak.test] skipping the real-Keycloak tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined && !inCi)(
  'Keycloak 26.7.3 with the mcp realm (Testcontainers)',
  () => {
    let kc: StartedKeycloak;
    let metadata: Awaited<ReturnType<typeof fetchMetadata>>;
    const clients: RegisteredClient[] = [];

    beforeAll(async () => {
      if (unavailable) throw new Error(`CI must run the real-Keycloak tests, but ${unavailable}`);
      kc = await startKeycloak({ image: testImage, runtime: 'testcontainers', resourceUrl: RESOURCE });
      metadata = await fetchMetadata(kc.issuer);
    });

    afterAll(async () => {
      for (const client of clients) await deleteRegisteredClient(client).catch(() => undefined);
      await kc?.stop();
    });

    /** DCR a loopback public client, log alice in over plain HTTP, accept consent, redeem the code. */
    async function codeFlow(resource: string = RESOURCE) {
      const redirectUri = loopbackRedirectUri();
      const client = await registerPublicClient(metadata.registration_endpoint ?? '', redirectUri);
      clients.push(client);
      const pkce = await createPkce();
      const auth = await authorizeWithPassword({
        authorizationEndpoint: metadata.authorization_endpoint,
        clientId: client.client_id,
        redirectUri,
        scope: 'openid mcp:tools',
        codeChallenge: pkce.challenge,
        username: 'alice',
        password: 'alice-pass',
        resource,
      });
      const form = {
        grant_type: 'authorization_code',
        code: auth.code,
        redirect_uri: redirectUri,
        client_id: client.client_id,
        code_verifier: pkce.verifier,
        resource,
      };
      const token = await tokenRequest(metadata.token_endpoint, form);
      return { client, redirectUri, auth, form, token };
    }

    it('runs through Testcontainers with the issuer pinned to 127.0.0.1', () => {
      expect(kc.runtime).toBe('testcontainers');
      expect(kc.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/realms\/mcp$/);
    });

    it('[AS-01 AS-02 AS-03 AS-20] passes the realm check: discovery, issuer, S256, anonymous DCR, consent, aud', async () => {
      const report = await checkRealm(kc.issuer, {
        resource: RESOURCE,
        username: 'alice',
        password: 'alice-pass',
      });
      const status = Object.fromEntries(report.checks.map((check) => [check.id, check.status]));
      expect(report.ok, JSON.stringify(report.checks, null, 2)).toBe(true);
      expect(report.result).toBe('ready');
      expect(status).toMatchObject({
        'rfc8414-path-insertion': 'pass',
        'oidc-path-insertion': 'warn',
        'oidc-path-append': 'pass',
        'registration-endpoint': 'pass',
        'pkce-s256': 'pass',
        'anonymous-dcr': 'pass',
        consent: 'pass',
        'token-audience': 'pass',
        'token-issuer': 'pass',
        'dcr-cleanup': 'pass',
      });
    });

    it('[AS-20] registers a loopback public client anonymously: 201, no secret, auth method none', async () => {
      const { status, body } = await registerClient(metadata.registration_endpoint ?? '', {
        redirect_uris: [loopbackRedirectUri()],
        client_name: 'dcr test',
      });
      expect(status).toBe(201);
      expect(typeof body.client_id).toBe('string');
      expect(body.client_secret).toBeUndefined();
      expect(body.token_endpoint_auth_method).toBe('none');
      clients.push(body as RegisteredClient);
    });

    it('[AS-07] rejects a registration whose redirect URI is on evil.example', async () => {
      const { status, body } = await registerClient(metadata.registration_endpoint ?? '', {
        redirect_uris: ['http://evil.example/callback'],
      });
      expect(status).toBe(403);
      expect(body.client_id).toBeUndefined();
      expect(String(body.error_description)).toMatch(/trusted host/i);
    });

    it('[AS-04 AS-10 AS-13] code + PKCE S256 with login and consent over HTTP: aud is the MCP URL, iss pinned, a no-store JSON Bearer response', async () => {
      const { auth, token } = await codeFlow();
      expect(auth.consentShown).toBe(true);
      expect(auth.iss).toBe(kc.issuer);
      expect(token.status).toBe(200);
      // AS-10: the token response is JSON, never cached, a Bearer token with a lifetime.
      expect(token.headers.get('content-type')).toMatch(/^application\/json\b/i);
      expect(token.headers.get('cache-control') ?? '').toMatch(/(?:^|,)\s*no-store\s*(?:,|$)/i);
      expect(token.body.token_type).toBe('Bearer');
      expect(typeof token.body.access_token).toBe('string');
      expect(token.body.expires_in).toBeGreaterThan(0);
      const claims = decodeJwtPayload(token.body.access_token ?? '');
      expect(audienceOf(claims)).toEqual([RESOURCE]);
      expect(claims.iss).toBe(kc.issuer);
      expect(typeof claims.sub).toBe('string');
      expect(String(claims.scope).split(' ')).toContain('mcp:tools');
    });

    it('[AS-05] a code is single-use', async () => {
      const { form, token } = await codeFlow();
      expect(token.status).toBe(200);
      const again = await tokenRequest(metadata.token_endpoint, form);
      expect(again.status).toBe(400);
      expect(again.body.error).toBe('invalid_grant');
    });

    it('[AS-12] a refresh keeps aud and rotates the refresh token; the old one is refused', async () => {
      const { client, token } = await codeFlow();
      const first = token.body.refresh_token ?? '';
      expect(first).not.toBe('');
      const refresh = (refreshToken: string) =>
        tokenRequest(metadata.token_endpoint, {
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          client_id: client.client_id,
          resource: RESOURCE,
        });
      const refreshed = await refresh(first);
      expect(refreshed.status).toBe(200);
      expect(audienceOf(decodeJwtPayload(refreshed.body.access_token ?? ''))).toEqual([RESOURCE]);
      expect(refreshed.body.refresh_token).toBeDefined();
      expect(refreshed.body.refresh_token).not.toBe(first);
      const reused = await refresh(first);
      expect(reused.status).toBe(400);
      expect(reused.body.error).toBe('invalid_grant');
    });

    it('[AS-09] refuses a token for a resource it does not know (invalid_target)', async () => {
      const { token } = await codeFlow('http://unknown.example/mcp');
      expect(token.status).toBe(400);
      expect(token.body.error).toBe('invalid_target');
    });

    it('[AS-04] enforces PKCE on anonymously registered clients', async () => {
      const redirectUri = loopbackRedirectUri();
      const client = await registerPublicClient(metadata.registration_endpoint ?? '', redirectUri);
      clients.push(client);
      const url = new URL(metadata.authorization_endpoint);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: client.client_id,
        redirect_uri: redirectUri,
        scope: 'openid',
        state: 's',
      }).toString();
      const response = await fetch(url, { redirect: 'manual' });
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get('location') ?? '');
      expect(location.origin + location.pathname).toBe(redirectUri);
      expect(location.searchParams.get('error')).toBe('invalid_request');
    });
  },
);
