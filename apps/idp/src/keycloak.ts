import type { StartedKeycloak } from '@portcullis/keycloak';
import { startKeycloak } from '@portcullis/keycloak';
import type { Logger } from 'pino';
import { keycloakOptionsFromEnv } from './options.js';

/**
 * Run Keycloak (Testcontainers, or the server distribution as a child process where allowed) instead of the
 * embedded IdP: `PORTCULLIS_IDP=keycloak pnpm dev`. Same port (`PORTCULLIS_IDP_PORT`, default 8080); the issuer
 * is `http://127.0.0.1:<port>/realms/mcp`, pinned so it never follows the Host header.
 */
export async function runKeycloak(env: NodeJS.ProcessEnv, log: Logger): Promise<StartedKeycloak> {
  const { hostPort, resourceUrl } = keycloakOptionsFromEnv(env);
  const keycloak = await startKeycloak({
    hostPort,
    resourceUrl,
    log: (line) => log.info(line),
  });
  // Never log credentials: the dev-only users and the admin account are documented in apps/idp/README.md.
  log.info(
    { issuer: keycloak.issuer, admin: `${keycloak.adminUrl}/master/console/`, runtime: keycloak.runtime },
    'Keycloak ready',
  );
  return keycloak;
}
