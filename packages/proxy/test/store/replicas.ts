import type { RunningIdp } from '@portcullis/idp';
import { embeddedIdpToken, freePort } from '@portcullis/test-support';
import type { FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair } from 'jose';
import { startTestIdp } from '../helpers/idp.js';
import { type RunningProxy, startProxy } from '../helpers/proxy.js';
import { startTrustingUpstream } from '../helpers/reference-upstream.js';

/** Two proxy replicas (one public URL, one signing key, one Redis) in front of one reference upstream. */
export interface ReplicaStack {
  readonly idp: RunningIdp;
  readonly upstream: FastifyInstance;
  readonly a: RunningProxy;
  readonly b: RunningProxy;
  /** `mcp:tools` for joe and for alice, for the public MCP URL both replicas serve. */
  readonly tokens: { readonly joe: string; readonly alice: string };
  close(): Promise<void>;
}

/**
 * Start the embedded IdP, the reference MCP server in behind-proxy trust, and two proxies sharing the Redis
 * at `redisUrl`, as behind a load balancer: the same `publicUrl` (so the same token `aud`) and the same
 * identity signing key (so the upstream trusts both), each listening on its own port.
 */
export async function startReplicaStack(redisUrl: string): Promise<ReplicaStack> {
  const [portA, portB, upstreamPort] = [await freePort(), await freePort(), await freePort()];
  const publicUrl = `http://localhost:${portA}`;
  const resource = `${publicUrl}/mcp`;
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}/mcp`;
  const idp = await startTestIdp([resource]);
  const upstream = await startTrustingUpstream(publicUrl, upstreamPort);
  const pair = await generateKeyPair('ES256', { extractable: true });
  const privateJwk = { ...(await exportJWK(pair.privateKey)), kid: 'replicas' };
  const options = {
    publicUrl,
    idp: { issuer: idp.issuer, jwksUri: `${idp.issuer}/jwks` },
    upstream: { url: upstreamUrl, identity: { mode: 'jwt' as const, privateJwk } },
    store: { kind: 'redis' as const, url: redisUrl, connectTimeoutMs: 500, commandTimeoutMs: 500 },
    readiness: { timeoutMs: 1_000 },
  };
  const a = await startProxy(portA, options);
  const b = await startProxy(portB, options);
  const flow = { resource, scope: 'mcp:tools', clientName: 'Replica tests' };
  const [joe, alice] = await Promise.all([
    embeddedIdpToken(idp.issuer, { ...flow, username: 'joe', password: 'joe-pass' }),
    embeddedIdpToken(idp.issuer, { ...flow, username: 'alice', password: 'alice-pass' }),
  ]);
  return {
    idp,
    upstream,
    a,
    b,
    tokens: { joe: joe.accessToken, alice: alice.accessToken },
    close: async () => {
      await Promise.all([a.close(), b.close()]);
      await upstream.close();
      await idp.close();
    },
  };
}

/** A 2025-11-25 (session era) JSON-RPC POST to `mcpUrl`. */
export function legacyPost(
  mcpUrl: string,
  token: string,
  message: Record<string, unknown>,
  session?: string,
): Promise<Response> {
  return fetch(mcpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      authorization: `Bearer ${token}`,
      ...(session === undefined ? {} : { 'mcp-session-id': session }),
    },
    body: JSON.stringify({ jsonrpc: '2.0', ...message }),
    signal: AbortSignal.timeout(10_000),
  });
}
