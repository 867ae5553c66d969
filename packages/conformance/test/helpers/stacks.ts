import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReferenceMcpServer } from '@portcullis/app-mcp-server';
import { type RunningIdp, startIdp } from '@portcullis/idp';
import { createProxyServer } from '@portcullis/proxy';
import { freePort } from '@portcullis/test-support';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair } from 'jose';

/** A logger that drops everything, so test output stays readable. */
export const SILENT_LOGGER = {
  level: 'silent',
  fatal: () => {},
  error: () => {},
  warn: () => {},
  info: () => {},
  debug: () => {},
  trace: () => {},
  silent: () => {},
  child() {
    return SILENT_LOGGER;
  },
} as unknown as FastifyBaseLogger;

/** A private signing JWK written to a temp file, for the IdP and the suite's `--signing-key`. */
export interface SigningKey {
  readonly jwk: Record<string, unknown> & { d: string; kty: 'EC' };
  readonly path: string;
}

export async function signingKey(): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'conformance-test', alg: 'ES256', use: 'sig' };
  const path = join(mkdtempSync(join(tmpdir(), 'portcullis-conformance-')), 'signing-key.json');
  writeFileSync(path, JSON.stringify(jwk));
  return { jwk: jwk as SigningKey['jwk'], path };
}

/** The embedded IdP signing with `key`, for `resources` (plus the suite's other resource), with users joe and ann. */
export function startTestIdp(resources: readonly string[], key: SigningKey): Promise<RunningIdp> {
  return startIdp(
    {
      resources: [...resources, 'https://other-resource.invalid/mcp'].map((uri) => ({
        uri,
        scopes: ['mcp:tools', 'mcp:admin'],
        name: 'Conformance target',
      })),
      users: [
        { username: 'joe', password: 'joe-pass', name: 'Joe' },
        { username: 'ann', password: 'ann-pass', name: 'Ann' },
      ],
      signing: { alg: 'ES256', keys: [key.jwk] },
    },
    { logger: { warn: () => {}, error: () => {} } },
  );
}

/** A running target for the suite: its MCP URL, the IdP and a close function. */
export interface Target {
  readonly mcpUrl: string;
  readonly idp: RunningIdp;
  readonly key: SigningKey;
  close(): Promise<void>;
}

/** Start the embedded IdP for a new MCP URL on a free port, the server `build` makes, and listen. */
async function startTarget(
  build: (ctx: { port: number; mcpUrl: string; idp: RunningIdp }) => FastifyInstance,
): Promise<Target> {
  const key = await signingKey();
  const port = await freePort();
  const mcpUrl = `http://localhost:${port}/mcp`;
  const idp = await startTestIdp([mcpUrl], key);
  const app = build({ port, mcpUrl, idp });
  await app.listen({ host: '127.0.0.1', port });
  return {
    mcpUrl,
    idp,
    key,
    close: async () => {
      await app.close();
      await idp.close();
    },
  };
}

/** The proxy options both modes share: the embedded IdP, the upstream, the scope policy. */
function proxyBase(port: number, idp: RunningIdp, upstreamPort: number) {
  return {
    publicUrl: `http://localhost:${port}`,
    idp: { issuer: idp.issuer, jwksUri: `${idp.issuer}/jwks` },
    upstream: { url: `http://127.0.0.1:${upstreamPort}/mcp` },
    scopes: { default: ['mcp:tools'], tools: { 'admin-stats': ['mcp:admin'] } },
    logger: SILENT_LOGGER,
  };
}

/** The reference MCP server (apps/mcp-server) trusting the embedded IdP. */
export function startReferenceTarget(): Promise<Target> {
  return startTarget(({ mcpUrl, idp }) =>
    createReferenceMcpServer({ resource: mcpUrl, issuer: idp.issuer, logger: SILENT_LOGGER }),
  );
}

/** The proxy in direct mode in front of `upstreamPort`, trusting the embedded IdP. */
export function startProxyTarget(upstreamPort: number): Promise<Target> {
  return startTarget(({ port, idp }) => createProxyServer(proxyBase(port, idp, upstreamPort)));
}

/**
 * The proxy in facade mode (its own authorization server, the `rfc7591` adapter registering itself at the
 * embedded IdP) in front of `upstreamPort`.
 */
export function startFacadeTarget(upstreamPort: number): Promise<Target> {
  return startTarget(({ port, idp }) =>
    createProxyServer({
      ...proxyBase(port, idp, upstreamPort),
      mode: 'facade',
      facade: { adapter: 'rfc7591' },
    }),
  );
}
