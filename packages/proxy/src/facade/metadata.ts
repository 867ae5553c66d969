import {
  AUTHORIZATION_SERVER_WELL_KNOWN,
  OPENID_CONFIGURATION_WELL_KNOWN,
  serializeAuthorizationServerMetadata,
} from '@portcullis/metadata';
import type { FastifyInstance } from 'fastify';
import { FACADE_PATHS, type FacadeContext } from './context.js';

/**
 * The proxy's authorization server metadata, under its own issuer (the public URL): PKCE S256 only, the
 * RFC 9207 `iss` parameter, registration and CIMD as configured.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function facadeMetadata(context: FacadeContext): Record<string, unknown> {
  const issuer = context.options.authorizationServer;
  const { facade } = context;
  return serializeAuthorizationServerMetadata(
    {
      issuer,
      authorization_endpoint: `${issuer}${FACADE_PATHS.authorize}`,
      token_endpoint: `${issuer}${FACADE_PATHS.token}`,
      revocation_endpoint: `${issuer}${FACADE_PATHS.revoke}`,
      revocation_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
      ...(facade.registration.enabled ? { registration_endpoint: `${issuer}${FACADE_PATHS.register}` } : {}),
      // offline_access belongs here, not in the PRM: refresh tokens come from this AS (AS-23, MCP 2026-07-28).
      scopes_supported: [...context.options.scopesSupported, 'offline_access'],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      client_id_metadata_document_supported: facade.cimd.enabled,
    },
    { allowLoopbackHttp: new URL(issuer).protocol === 'http:' },
  );
}

/**
 * RFC 8414 metadata at `/.well-known/oauth-authorization-server`, and the same document at
 * `/.well-known/openid-configuration` for clients that try OpenID Connect discovery (the proxy issues no ID
 * tokens, so it claims no OIDC-only members). The issuer has no path, so the path-inserted and appended forms
 * are the same URL.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 */
export async function metadataRoutes(app: FastifyInstance, context: FacadeContext): Promise<void> {
  const body = JSON.stringify(facadeMetadata(context));
  for (const path of [
    `/.well-known/${AUTHORIZATION_SERVER_WELL_KNOWN}`,
    `/.well-known/${OPENID_CONFIGURATION_WELL_KNOWN}`,
  ]) {
    app.get(path, async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=300').type('application/json').send(body),
    );
  }
}
