import { isLoopbackHost } from '@portcullis/metadata';
import { createReferenceMcpServer } from './server.js';

/** What `main` reads from the environment. */
export interface MainConfig {
  /** `standalone`: a resource server of the IdP. `behind-proxy`: trusts only the proxy's forwarded identity. */
  readonly mode: 'standalone' | 'behind-proxy';
  readonly host: string;
  readonly port: number;
  readonly resource: string;
  readonly issuer: string;
  readonly jwksUri: string | undefined;
}

/** Default issuer of the forwarded identity: the auth proxy of the local stack. */
export const DEFAULT_PROXY_ISSUER = 'http://localhost:9090';

/**
 * Read the environment. Standalone (default): `PORTCULLIS_MCP_PORT` (3030), `PORTCULLIS_MCP_RESOURCE`
 * (`http://localhost:3030/mcp`), `PORTCULLIS_MCP_ISSUER` (`http://localhost:8080`), `PORTCULLIS_MCP_JWKS_URI`
 * (`<issuer>/jwks`) and `PORTCULLIS_MCP_HOST` (`127.0.0.1`; a non-loopback bind needs an https resource).
 *
 * `PORTCULLIS_MCP_MODE=behind-proxy`: the server accepts only the identity JWT the Portcullis proxy mints per
 * request (issuer `PORTCULLIS_MCP_PROXY_ISSUER`, default `http://localhost:9090`; keys at
 * `PORTCULLIS_MCP_PROXY_JWKS_URI`, default `<proxy issuer>/.well-known/jwks.json`; `aud` = this server's
 * resource, default `http://127.0.0.1:<port>/mcp`), and it must bind to loopback so only the proxy reaches it.
 */
export function configFromEnv(env: NodeJS.ProcessEnv): MainConfig {
  const mode = env.PORTCULLIS_MCP_MODE ?? 'standalone';
  if (mode !== 'standalone' && mode !== 'behind-proxy') {
    throw new Error(
      `PORTCULLIS_MCP_MODE must be "standalone" or "behind-proxy", got ${JSON.stringify(mode)}`,
    );
  }
  const port = Number(env.PORTCULLIS_MCP_PORT ?? 3030);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(
      `PORTCULLIS_MCP_PORT must be a TCP port (0-65535), got ${JSON.stringify(env.PORTCULLIS_MCP_PORT)}`,
    );
  }
  const resource = env.PORTCULLIS_MCP_RESOURCE ?? `http://localhost:${port}/mcp`;
  const host = env.PORTCULLIS_MCP_HOST ?? '127.0.0.1';
  if (!isLoopbackHost(host) && !resource.startsWith('https:')) {
    throw new Error(
      `PORTCULLIS_MCP_HOST=${host} is not loopback, so PORTCULLIS_MCP_RESOURCE must be an https URL`,
    );
  }
  if (mode === 'behind-proxy') {
    if (!isLoopbackHost(host)) {
      throw new Error(
        `PORTCULLIS_MCP_HOST=${host} is not loopback: behind the proxy the server must not be reachable from outside`,
      );
    }
    const proxyIssuer = env.PORTCULLIS_MCP_PROXY_ISSUER ?? DEFAULT_PROXY_ISSUER;
    return {
      mode,
      host,
      port,
      resource: env.PORTCULLIS_MCP_RESOURCE ?? `http://127.0.0.1:${port}/mcp`,
      issuer: proxyIssuer,
      jwksUri: env.PORTCULLIS_MCP_PROXY_JWKS_URI ?? `${proxyIssuer}/.well-known/jwks.json`,
    };
  }
  return {
    mode,
    host,
    port,
    resource,
    issuer: env.PORTCULLIS_MCP_ISSUER ?? 'http://localhost:8080',
    jwksUri: env.PORTCULLIS_MCP_JWKS_URI,
  };
}

async function main(): Promise<void> {
  const config = configFromEnv(process.env);
  const app = createReferenceMcpServer(config);
  const close = () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', close);
  process.once('SIGTERM', close);
  await app.listen({ host: config.host, port: config.port });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
