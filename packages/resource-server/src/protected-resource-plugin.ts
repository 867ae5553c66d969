import cors from '@fastify/cors';
import { isLoopbackHost, serializeProtectedResourceMetadata } from '@portcullis/metadata';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ResolvedResourceServerOptions } from './options.js';

const WELL_KNOWN = '/.well-known';

/** Options of {@link protectedResourcePlugin}. */
export interface ProtectedResourcePluginOptions {
  readonly options: Pick<
    ResolvedResourceServerOptions,
    | 'resource'
    | 'authorizationServers'
    | 'scopesSupported'
    | 'resourceName'
    | 'resourceDocumentation'
    | 'resourceMetadataUrl'
  >;
  /** Also serve the document at the root `/.well-known/oauth-protected-resource`. Default `true`. */
  readonly serveRoot?: boolean;
}

/**
 * Build the RFC 9728 document: `resource` is the configured canonical URL verbatim (no added slash),
 * `bearer_methods_supported` is `["header"]`, `scopes_supported` never lists `offline_access`.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 */
export function buildProtectedResourceMetadata(
  options: ProtectedResourcePluginOptions['options'],
): Record<string, unknown> {
  const document = {
    resource: options.resource,
    authorization_servers: [...options.authorizationServers],
    scopes_supported: options.scopesSupported.filter((s) => s !== 'offline_access'),
    bearer_methods_supported: ['header'],
    ...(options.resourceName === undefined ? {} : { resource_name: options.resourceName }),
    ...(options.resourceDocumentation === undefined
      ? {}
      : { resource_documentation: options.resourceDocumentation }),
  };
  const allowLoopbackHttp = isLoopbackHost(new URL(options.resource).hostname);
  return serializeProtectedResourceMetadata(document, { allowLoopbackHttp });
}

/**
 * Serves protected resource metadata without authentication at the path-aware well-known URL
 * (`/.well-known/oauth-protected-resource/mcp`) and at the root one, with CORS for `GET` and the `OPTIONS`
 * preflight so browser clients can read it.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/authorization-server-discovery
 */
export const protectedResourcePlugin = fp(
  async (app: FastifyInstance, { options, serveRoot = true }: ProtectedResourcePluginOptions) => {
    const document = Object.freeze(buildProtectedResourceMetadata(options));
    const body = JSON.stringify(document);
    const pathAware = new URL(options.resourceMetadataUrl).pathname;
    const paths = new Set([pathAware]);
    if (serveRoot) paths.add('/.well-known/oauth-protected-resource');

    await app.register(
      async (scope) => {
        await scope.register(cors, {
          origin: '*',
          methods: ['GET', 'HEAD', 'OPTIONS'],
          allowedHeaders: ['mcp-protocol-version', 'content-type'],
          maxAge: 86_400,
        });
        for (const url of paths) {
          scope.get(url.slice(WELL_KNOWN.length), async (_request, reply) =>
            reply.header('cache-control', 'public, max-age=300').type('application/json').send(body),
          );
        }
      },
      { prefix: WELL_KNOWN },
    );
  },
  { name: '@portcullis/resource-server/protected-resource', fastify: '5.x' },
);
