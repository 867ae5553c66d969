import {
  audienceOf,
  authorizeWithPassword,
  createPkce,
  decodeJwtPayload,
  fetchMetadata,
  keycloakImage,
  tokenRequest as keycloakToken,
  keycloakUnavailable,
  registerPublicClient as registerAtKeycloak,
  type StartedKeycloak,
  startKeycloak,
} from '@portcullis/keycloak';
import { freePort } from '@portcullis/test-support';
import type { FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/index.js';
import { registerPublicClient, tokenRequest } from '../helpers/facade.js';
import { authorizeThroughProxy } from '../helpers/facade-relay.js';
import { modernCall, type RunningProxy, startProxy } from '../helpers/proxy.js';
import { startTrustingUpstream } from '../helpers/reference-upstream.js';

// Real Keycloak 26.7.3 (the locally built image, started by Testcontainers). In CI a missing runtime or
// image fails the suite; elsewhere it is skipped with the reason.
const problem = await keycloakUnavailable();
const image = keycloakImage();
const inCi = Boolean(process.env.CI);

const HELLO = { method: 'tools/call', params: { name: 'hello-world', arguments: { name: 'joe' } } };

describe.skipIf(problem !== undefined && !inCi)(
  'the proxy in front of a real Keycloak (Testcontainers)',
  () => {
    let kc: StartedKeycloak;
    let upstream: FastifyInstance;
    let facade: RunningProxy;
    let direct: RunningProxy;
    let checked: RunningProxy;
    const facadeStore = new MemoryStore();

    beforeAll(async () => {
      if (problem !== undefined) throw new Error(`CI must run the Keycloak proxy tests, but: ${problem}`);
      const [facadePort, directPort, checkedPort, upstreamPort] = await Promise.all([
        freePort(),
        freePort(),
        freePort(),
        freePort(),
      ]);
      // One realm, one audience: both proxies answer for the same public MCP URL (the facade's).
      const publicUrl = `http://localhost:${facadePort}`;
      kc = await startKeycloak({ image, runtime: 'testcontainers', resourceUrl: `${publicUrl}/mcp` });
      const upstreamUrl = `http://127.0.0.1:${upstreamPort}/mcp`;
      upstream = await startTrustingUpstream(publicUrl, upstreamPort);
      const pair = await generateKeyPair('ES256', { extractable: true });
      const privateJwk = { ...(await exportJWK(pair.privateKey)), kid: 'keycloak-tests' };
      const common = {
        idp: { issuer: kc.issuer, jwksUri: `${kc.issuer}/protocol/openid-connect/certs` },
        // Both proxies sign the forwarded identity with one key, so the upstream trusts either.
        upstream: { url: upstreamUrl, identity: { mode: 'jwt' as const, privateJwk } },
        scopes: { default: ['mcp:tools'] },
      };
      facade = await startProxy(facadePort, {
        ...common,
        mode: 'facade',
        facade: { adapter: 'keycloak', idpCleanup: { intervalMs: 200 } },
        store: facadeStore,
      });
      direct = await startProxy(directPort, { ...common, publicUrl });
      // Asks Keycloak about every token, so revocation counts at once. The realm's introspection client is
      // named by the resource URL: Keycloak answers only clients in the token's aud.
      const introspection = {
        endpoint: `${kc.issuer}/protocol/openid-connect/token/introspect`,
        clientId: `${publicUrl}/mcp`,
        clientSecret: 'dev-introspection-secret-change-me',
        cacheMaxTtlMs: 0,
      };
      checked = await startProxy(checkedPort, {
        ...common,
        publicUrl,
        idp: { ...common.idp, introspection },
      });
    }, 300_000);
    afterAll(async () => {
      await facade?.close();
      await direct?.close();
      await checked?.close();
      await upstream?.close();
      await kc?.stop();
    }, 60_000);

    it('[PX-01 AS-13 AS-14 AS-19] facade: DCR through the Keycloak adapter, the proxy consent page, login at Keycloak, iss relayed, hello-world called', async () => {
      const client = await registerPublicClient(facade.url, 'Keycloak facade test');
      const { verifier, challenge } = await createPkce();
      const authorize = new URL(`${facade.url}/authorize`);
      authorize.search = new URLSearchParams({
        response_type: 'code',
        client_id: client.clientId,
        redirect_uri: client.redirectUri,
        scope: 'mcp:tools',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        resource: facade.mcp,
        state: 'keycloak-state',
      }).toString();
      // The proxy's page comes first (AS-19: Keycloak only sees the proxy's callback), then Keycloak's pages.
      const redirect = await authorizeThroughProxy(authorize.href, async (atKeycloak) => {
        const sent = (name: string) => atKeycloak.searchParams.get(name) ?? undefined;
        return authorizeWithPassword({
          authorizationEndpoint: `${atKeycloak.origin}${atKeycloak.pathname}`,
          clientId: sent('client_id') ?? '',
          redirectUri: sent('redirect_uri') ?? '',
          scope: sent('scope') ?? '',
          codeChallenge: sent('code_challenge') ?? '',
          resource: sent('resource'),
          state: sent('state'),
          username: 'alice',
          password: 'alice-pass',
        });
      });
      expect(redirect.searchParams.get('iss')).toBe(facade.url);
      expect(redirect.searchParams.get('state')).toBe('keycloak-state');
      const tokens = await tokenRequest(facade.url, {
        grant_type: 'authorization_code',
        code: redirect.searchParams.get('code') ?? '',
        client_id: client.clientId,
        redirect_uri: client.redirectUri,
        code_verifier: verifier,
        resource: facade.mcp,
      });
      expect(tokens.status).toBe(200);
      const accessToken = String(tokens.body.access_token);
      const claims = decodeJwtPayload(accessToken);
      expect(claims.iss).toBe(kc.issuer);
      expect(audienceOf(claims)).toContain(facade.mcp);
      const call = await modernCall(facade.mcp, accessToken, HELLO);
      expect(call.status).toBe(200);
      expect(await call.text()).toContain('Hello, joe!');

      const refreshed = await tokenRequest(facade.url, {
        grant_type: 'refresh_token',
        refresh_token: String(tokens.body.refresh_token),
        client_id: client.clientId,
      });
      expect(refreshed.status).toBe(200);
      expect(audienceOf(decodeJwtPayload(String(refreshed.body.access_token)))).toContain(facade.mcp);
    });

    it('facade: the Keycloak client registered for an MCP client is deleted at Keycloak once it expires here (RFC 7592)', async () => {
      const client = await registerPublicClient(facade.url, 'Keycloak cleanup test');
      const idpClient = (await facadeStore.get('facade-upstream', client.clientId)) as Record<string, string>;
      const entry = (await facadeStore.get('facade-reap', String(idpClient.clientId))) as {
        due: number;
        management: { uri: string };
      };
      expect(entry.management.uri).toBe(
        `${kc.issuer}/clients-registrations/openid-connect/${idpClient.clientId}`,
      );
      // Keycloak rotates the registration access token on a read, so the client is probed at the token
      // endpoint instead: known client, bad grant → 400 invalid_grant; deleted client → 401 invalid_client.
      const probe = async () => {
        const basic = Buffer.from(
          `${encodeURIComponent(String(idpClient.clientId))}:${encodeURIComponent(String(idpClient.clientSecret))}`,
        ).toString('base64');
        const response = await fetch(`${kc.issuer}/protocol/openid-connect/token`, {
          method: 'POST',
          headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'not-a-refresh-token' }),
        });
        return { status: response.status, error: ((await response.json()) as { error?: string }).error };
      };
      expect(await probe()).toEqual({ status: 400, error: 'invalid_grant' });

      // The registration expires here (its TTL and due time, simulated): the next sweep deletes it at Keycloak.
      await facadeStore.delete('facade-upstream', client.clientId);
      await facadeStore.set(
        'facade-reap',
        String(idpClient.clientId),
        { ...entry, due: Date.now() - 1 },
        60_000,
      );
      // A sweep takes the entry out of the store before it calls Keycloak: wait for its log line.
      const deadline = Date.now() + 10_000;
      const outcome = () => facade.logs().find((line) => line.idpClientId === idpClient.clientId);
      while (outcome() === undefined) {
        if (Date.now() > deadline) throw new Error('the expired Keycloak client was not deleted within 10 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(outcome()).toMatchObject({ status: 204, msg: expect.stringMatching(/deleted/) });
      expect(await probe()).toEqual({ status: 401, error: 'invalid_client' });
      expect(await facadeStore.get('facade-reap', String(idpClient.clientId))).toBeUndefined();
    });

    /** Alice's Keycloak token for the facade's MCP URL, from a public client registered at Keycloak itself. */
    async function aliceToken(): Promise<{ accessToken: string; clientId: string }> {
      const redirectUri = `http://127.0.0.1:${await freePort()}/callback`;
      const metadata = await fetchMetadata(kc.issuer);
      const registered = await registerAtKeycloak(String(metadata.registration_endpoint), redirectUri);
      const { verifier, challenge } = await createPkce();
      const { code } = await authorizeWithPassword({
        authorizationEndpoint: String(metadata.authorization_endpoint),
        clientId: registered.client_id,
        redirectUri,
        scope: 'mcp:tools',
        codeChallenge: challenge,
        resource: facade.mcp,
        username: 'alice',
        password: 'alice-pass',
      });
      const tokens = await keycloakToken(String(metadata.token_endpoint), {
        grant_type: 'authorization_code',
        code,
        client_id: registered.client_id,
        redirect_uri: redirectUri,
        code_verifier: verifier,
        resource: facade.mcp,
      });
      const accessToken = String(tokens.body.access_token);
      return { accessToken, clientId: registered.client_id };
    }

    it('[PX-01 RS-13] direct: a Keycloak token for the proxy URL is accepted; a tampered one is not', async () => {
      const { accessToken } = await aliceToken();
      const call = await modernCall(direct.mcp, accessToken, HELLO);
      expect(call.status).toBe(200);
      expect(await call.text()).toContain('Hello, joe!');
      const tampered = await modernCall(direct.mcp, `${accessToken}x`, HELLO);
      expect(tampered.status).toBe(401);
    });

    it('[PX-08 RS-12] with idp.introspection, a Keycloak JWT revoked at Keycloak (RFC 7009) is refused at once', async () => {
      const { accessToken, clientId } = await aliceToken();
      const before = await modernCall(checked.mcp, accessToken, HELLO);
      expect(before.status).toBe(200);
      const revoked = await fetch(`${kc.issuer}/protocol/openid-connect/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          token: accessToken,
          token_type_hint: 'access_token',
          client_id: clientId,
        }),
      });
      expect(revoked.status).toBe(200);
      const after = await modernCall(checked.mcp, accessToken, HELLO);
      expect(after.status).toBe(401);
      expect(after.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      // Without introspection the revoked JWT still passes until its exp: the gap idp.introspection closes.
      expect((await modernCall(direct.mcp, accessToken, HELLO)).status).toBe(200);
    });
  },
);
