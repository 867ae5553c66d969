import { isLoopbackHost } from '@portcullis/metadata';
import { createReferenceMcpServer } from './server.js';

/** What `main` reads from the environment. */
export interface MainConfig {
  readonly host: string;
  readonly port: number;
  readonly resource: string;
  readonly issuer: string;
  readonly jwksUri: string | undefined;
}

/**
 * Read `PORTCULLIS_MCP_PORT` (3030), `PORTCULLIS_MCP_RESOURCE` (`http://localhost:3030/mcp`),
 * `PORTCULLIS_MCP_ISSUER` (`http://localhost:8080`), `PORTCULLIS_MCP_JWKS_URI` (`<issuer>/jwks`) and
 * `PORTCULLIS_MCP_HOST` (`127.0.0.1`; a non-loopback bind needs an https resource).
 */
export function configFromEnv(env: NodeJS.ProcessEnv): MainConfig {
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
  return {
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
