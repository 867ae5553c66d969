// The in-process stack of the benchmark: a local ES256 issuer standing in for the IdP, the reference MCP
// server trusting only the proxy (behind-proxy mode, as in test/helpers/stacks.ts), the streaming upstream,
// and one proxy in front of each upstream. Loopback only.
import { randomUUID } from 'node:crypto';
import { createReferenceMcpServer } from '@portcullis/app-mcp-server';
import { createRedactingLogger } from '@portcullis/resource-server';
import { freePort, type LocalIssuer, startLocalIssuer } from '@portcullis/test-support';
import type { FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { pino } from 'pino';
import { createProxyServer } from '../src/index.js';
import { startBareForwarder } from './bare-forwarder.js';
import { type SseUpstream, startSseUpstream } from './sse-upstream.js';

/** Level of the proxy's decision and request log, written to /dev/null like a production log would be. */
export const PROXY_LOG_LEVEL = process.env.BENCH_PROXY_LOG ?? 'info';

/** The proxy's redacting logger at {@link PROXY_LOG_LEVEL}, writing synchronously to /dev/null. */
export function proxyLogger() {
  return createRedactingLogger({
    level: PROXY_LOG_LEVEL,
    destination: pino.destination({ dest: '/dev/null', sync: true }),
  });
}

/** One path to an upstream: its MCP URL and a token it accepts. */
export interface Target {
  readonly mcp: string;
  readonly token: string;
}

/** Both paths to both upstreams, and the bare forwarder (bare-forwarder.ts) to the MCP server. */
export interface Stack {
  readonly tools: { readonly direct: Target; readonly proxy: Target; readonly floor: Target };
  readonly sse: { readonly direct: Target; readonly proxy: Target };
  close(): Promise<void>;
}

const LIFETIME_S = 900;

async function startProxy(issuer: LocalIssuer, upstreamUrl: string, privateJwk?: Record<string, unknown>) {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const app = createProxyServer({
    publicUrl,
    idp: { issuer: issuer.issuer, jwksUri: issuer.jwksUri },
    upstream: {
      url: upstreamUrl,
      ...(privateJwk === undefined ? {} : { identity: { mode: 'jwt' as const, privateJwk } }),
    },
    scopes: { default: ['mcp:tools'] },
    logger: proxyLogger(),
  });
  await app.listen({ host: '127.0.0.1', port });
  const now = Math.floor(Date.now() / 1000);
  const token = await issuer.sign(`${publicUrl}/mcp`, { exp: now + LIFETIME_S });
  return { app, publicUrl, target: { mcp: `${publicUrl}/mcp`, token } };
}

/**
 * A token of exactly the shape the proxy at `proxyUrl` forwards to `upstreamUrl` (same issuer, key, `aud`,
 * claims), so that the direct path costs the upstream the same work as the proxied one.
 */
export function identityShapedToken(
  privateKey: Parameters<SignJWT['sign']>[0],
  kid: string,
  proxyUrl: string,
  upstreamUrl: string,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ client_id: 'test-client', scope: 'mcp:tools', act: { sub: proxyUrl } })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
    .setIssuer(proxyUrl)
    .setAudience(upstreamUrl)
    .setSubject('joe')
    .setIssuedAt(now)
    .setExpirationTime(now + LIFETIME_S)
    .setJti(randomUUID())
    .sign(privateKey);
}

/**
 * Start everything. The proxy in front of the reference server signs identities with a key generated here,
 * so the direct path can hold a token of exactly the shape the proxy forwards (same issuer, key, `aud`,
 * claims): the upstream does the same work on both paths.
 */
export async function startStack(): Promise<Stack> {
  const issuer = await startLocalIssuer();
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = 'bench-identity';
  const privateJwk = { ...(await exportJWK(privateKey)), kid };

  const upstreamPort = await freePort();
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}/mcp`;
  const tools = await startProxy(issuer, upstreamUrl, privateJwk);
  const upstream: FastifyInstance = createReferenceMcpServer({
    resource: upstreamUrl,
    issuer: tools.publicUrl,
    jwksUri: `${tools.publicUrl}/.well-known/jwks.json`,
    logger: pino({ level: 'silent' }),
  });
  await upstream.listen({ host: '127.0.0.1', port: upstreamPort });
  const directToken = await identityShapedToken(privateKey, kid, tools.publicUrl, upstreamUrl);

  const bare = await startBareForwarder(upstreamUrl, directToken);
  const sseUpstream: SseUpstream = await startSseUpstream();
  const sse = await startProxy(issuer, sseUpstream.url);
  return {
    tools: {
      direct: { mcp: upstreamUrl, token: directToken },
      proxy: tools.target,
      floor: { mcp: bare.mcp, token: tools.target.token },
    },
    sse: { direct: { mcp: sseUpstream.url, token: sse.target.token }, proxy: sse.target },
    close: async () => {
      await sse.app.close();
      await tools.app.close();
      await bare.close();
      await upstream.close();
      await sseUpstream.close();
      await issuer.close();
    },
  };
}
