import type { StartedKeycloak } from '@portcullis/keycloak';
import { startKeycloak } from '@portcullis/keycloak';
import type { Logger } from 'pino';

/** The MCP URL the realm's `mcp:*` scopes put in `aud`: the auth proxy of the local stack. */
const DEFAULT_MCP_RESOURCE = 'http://localhost:9090/mcp';

/**
 * Run Keycloak (Testcontainers, or the server distribution as a child process where allowed) instead of the
 * embedded IdP: `PORTCULLIS_IDP=keycloak pnpm dev`. Same port (`PORTCULLIS_IDP_PORT`, default 8080); the issuer
 * is `http://127.0.0.1:<port>/realms/mcp`, pinned so it never follows the Host header.
 */
export async function runKeycloak(env: NodeJS.ProcessEnv, log: Logger): Promise<StartedKeycloak> {
  const hostPort = env.PORTCULLIS_IDP_PORT ? Number(env.PORTCULLIS_IDP_PORT) : 8080;
  if (!Number.isInteger(hostPort) || hostPort < 1 || hostPort > 65_535) {
    throw new Error('PORTCULLIS_IDP_PORT must be an integer between 1 and 65535 for Keycloak');
  }
  const keycloak = await startKeycloak({
    hostPort,
    resourceUrl: env.MCP_RESOURCE_URL ?? DEFAULT_MCP_RESOURCE,
    log: (line) => log.info(line),
  });
  log.info(
    { issuer: keycloak.issuer, admin: `${keycloak.adminUrl}/master/console/`, runtime: keycloak.runtime },
    'Keycloak ready (users alice / alice-pass and bob / bob-pass; admin / admin)',
  );
  return keycloak;
}
