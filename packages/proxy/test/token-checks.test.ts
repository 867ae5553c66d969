import { parseBearerChallenge } from '@portcullis/metadata';
import { freePort, type LocalIssuer, startLocalIssuer } from '@portcullis/test-support';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modernCall, type RunningProxy, startProxy } from './helpers/proxy.js';
import { type RecordingUpstream, startRecordingUpstream } from './helpers/recording-upstream.js';

// Negative token cases need tokens no real IdP would issue, so this file uses a local signing issuer.
let issuer: LocalIssuer;
let stranger: LocalIssuer;
let recorder: RecordingUpstream;
let proxy: RunningProxy;
const now = () => Math.floor(Date.now() / 1000);
const PING = { method: 'ping' };

async function status(token: string, message: { method: string; params?: Record<string, unknown> } = PING) {
  const res = await modernCall(proxy.mcp, token, message);
  const challenge = parseBearerChallenge(res.headers.get('www-authenticate') ?? '');
  await res.body?.cancel();
  return { status: res.status, error: challenge?.error };
}

beforeAll(async () => {
  [issuer, stranger, recorder] = await Promise.all([
    startLocalIssuer(),
    startLocalIssuer(),
    startRecordingUpstream(),
  ]);
  proxy = await startProxy(await freePort(), {
    idp: { issuer: issuer.issuer, jwksUri: issuer.jwksUri, cooldownMs: 1_000 },
    upstream: { url: recorder.url },
    scopes: {
      default: ['mcp:tools'],
      tools: { 'admin-stats': ['mcp:admin'] },
      hierarchy: { 'mcp:all': ['mcp:tools', 'mcp:admin'] },
    },
  });
});
afterAll(async () => {
  await proxy?.close();
  await Promise.all([issuer?.close(), stranger?.close(), recorder?.close()]);
});

describe('token validation toward clients (the proxy is the RS)', () => {
  it('[RS-12 RS-15] refuses expired, not-yet-valid, tampered and unknown-key tokens before forwarding', async () => {
    recorder.requests.length = 0;
    const aud = proxy.mcp;
    const valid = await issuer.sign(aud);
    const [head, payload] = valid.split('.');
    const cases = [
      await issuer.sign(aud, { exp: now() - 60, iat: now() - 120 }),
      await issuer.sign(aud, { nbf: now() + 120 }),
      await issuer.sign(aud, {}, { kid: 'unknown-kid' }),
      `${head}.${payload}.${'A'.repeat(86)}`,
    ];
    for (const token of cases) expect(await status(token)).toEqual({ status: 401, error: 'invalid_token' });
    expect(recorder.requests).toHaveLength(0);
    expect((await status(valid)).status).toBe(200);
  });

  it('[RS-12] refuses a JWT typed as something other than an access token; idp.requireAtJwt accepts at+jwt only', async () => {
    recorder.requests.length = 0;
    const aud = proxy.mcp;
    for (const typ of ['dpop+jwt', 'logout+jwt', 'secevent+jwt']) {
      expect(await status(await issuer.sign(aud, {}, { typ }))).toEqual({
        status: 401,
        error: 'invalid_token',
      });
    }
    expect(recorder.requests).toHaveLength(0);
    // Keycloak's access tokens say typ JWT: accepted by default.
    expect((await status(await issuer.sign(aud, {}, { typ: 'JWT' }))).status).toBe(200);
    const strict = await startProxy(await freePort(), {
      idp: { issuer: issuer.issuer, jwksUri: issuer.jwksUri, requireAtJwt: true },
      upstream: { url: recorder.url },
      scopes: { default: ['mcp:tools'] },
    });
    try {
      const at = (token: string) =>
        fetch(strict.mcp, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
        });
      expect((await at(await issuer.sign(strict.mcp, {}, { typ: 'JWT' }))).status).toBe(401);
      expect((await at(await issuer.sign(strict.mcp))).status).toBe(200);
    } finally {
      await strict.close();
    }
  });

  it('[RS-13 RS-14] accepts only its own audience and the configured issuer', async () => {
    expect(await status(await stranger.sign(proxy.mcp))).toEqual({
      status: 401,
      error: 'invalid_token',
    });
    expect((await status(await issuer.sign('http://127.0.0.1:1/mcp'))).status).toBe(401);
    expect((await status(await issuer.sign(undefined))).status).toBe(401);
    expect((await status(await issuer.sign(['https://other.test/mcp', proxy.mcp]))).status).toBe(200);
  });

  it('[RS-18] a broader scope from the hierarchy satisfies a tool that needs a narrower one', async () => {
    recorder.requests.length = 0;
    const call = { method: 'tools/call', params: { name: 'admin-stats', arguments: {} } };
    expect((await status(await issuer.sign(proxy.mcp, { scope: 'mcp:all' }), call)).status).toBe(200);
    const identity = String(recorder.requests[0]?.headers.authorization).replace(/^Bearer /, '');
    expect(decodeJwt(identity).scope).toBe('mcp:all');
  });

  it('[RS-04 RS-05 RS-10] names the needed scope in the 401 and publishes a minimal PRM', async () => {
    const res = await fetch(proxy.mcp, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(parseBearerChallenge(res.headers.get('www-authenticate') ?? '')?.scope).toBe('mcp:tools');
    const prm = (await (
      await fetch(`${proxy.url}/.well-known/oauth-protected-resource/mcp`)
    ).json()) as Record<string, unknown>;
    expect(prm.scopes_supported).toEqual(['mcp:tools']);
    expect(prm.bearer_methods_supported).toEqual(['header']);
  });

  it('[RS-28 PX-10] a 2026-07-28 body whose _meta version differs from MCP-Protocol-Version gets 400 -32020', async () => {
    const token = await issuer.sign(proxy.mcp);
    const res = await fetch(proxy.mcp, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'ping',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'ping',
        params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2025-11-25' } },
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32020);
  });

  it('[RS-28 PX-10] a 2026-07-28 body without the MCP-Protocol-Version header gets 400 -32020 saying the header is missing', async () => {
    const token = await issuer.sign(proxy.mcp);
    const res = await fetch(proxy.mcp, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'mcp-method': 'ping' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'ping',
        params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } },
      }),
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: number; message: string } };
    expect(error.code).toBe(-32020);
    expect(error.message).toMatch(
      /^the MCP-Protocol-Version header is missing; .*MCP-Protocol-Version: 2026-07-28/,
    );
    expect(error.message).not.toMatch(/match/);
  });
});
