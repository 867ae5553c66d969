import type { IncomingMessage } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { extractBearerToken } from './authorization-header.js';
import { createErrorHandler } from './error-handler.js';
import type { ResolvedResourceServerOptions } from './options.js';
import { createScopePolicy, type ScopePolicy } from './scope-policy.js';
import { type TokenVerifier, tokenVerifierFor } from './token-verifier.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Verifies access tokens for this resource server. */
    tokenVerifier: TokenVerifier;
    /** Required scopes per request. */
    scopePolicy: ScopePolicy;
    /** `onRequest` hook: reads and verifies the Bearer token, sets `request.mcpAuth` (401/400 otherwise). */
    mcpAuthenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** `preHandler` hook: checks the token's scopes against the parsed JSON-RPC body (403 otherwise). */
    mcpAuthorize: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyRequest {
    /** The verified caller, set by `mcpAuthenticate`. `token` holds a fingerprint, never the token. */
    mcpAuth: AuthInfo | undefined;
  }
}

/** Options of {@link mcpAuthPlugin}: the resolved resource server options. */
export interface McpAuthPluginOptions {
  readonly options: ResolvedResourceServerOptions;
}

/**
 * Bearer-token authentication and scope authorization for MCP routes, plus the one error handler that
 * renders wire errors. Decorates `tokenVerifier`, `scopePolicy`, `mcpAuthenticate`, `mcpAuthorize` and
 * `request.mcpAuth`; routes opt in with `{ onRequest: app.mcpAuthenticate, preHandler: app.mcpAuthorize }`.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#token-handling
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export const mcpAuthPlugin = fp(
  async (app: FastifyInstance, { options }: McpAuthPluginOptions) => {
    const verifier = tokenVerifierFor({
      ...options,
      onJwksError: (error) =>
        app.log.warn(
          { err: error, jwksUri: options.jwt?.jwksUri, retryInMs: options.jwt?.cooldownMs },
          'JWKS fetch failed; the last good keys (if any) are used until the cooldown ends, else requests get 503',
        ),
    });
    const policy = createScopePolicy(options);
    app.decorate('tokenVerifier', verifier);
    app.decorate('scopePolicy', policy);
    app.decorateRequest('mcpAuth', undefined);
    app.setErrorHandler(
      createErrorHandler({
        resourceMetadataUrl: options.resourceMetadataUrl,
        defaultScopes: options.scopes.default,
      }),
    );

    app.decorate('mcpAuthenticate', async (request: FastifyRequest) => {
      if (options.dangerouslyDisableAuth) return;
      const token = extractBearerToken(request.raw);
      const auth = await verifier.verify(token);
      request.mcpAuth = auth;
      (request.raw as IncomingMessage & { auth?: AuthInfo }).auth = auth;
      request.log.debug({ tokenSha256: auth.token, clientId: auth.clientId }, 'access token accepted');
    });

    app.decorate('mcpAuthorize', async (request: FastifyRequest) => {
      if (options.dangerouslyDisableAuth) return;
      const auth = request.mcpAuth;
      policy.assertAllowed(auth?.scopes ?? [], request.body);
      const { method, params } = (Array.isArray(request.body) ? {} : (request.body ?? {})) as {
        method?: unknown;
        params?: { name?: unknown };
      };
      request.log.info(
        {
          decision: 'allow',
          tokenSha256: auth?.token,
          subject: auth?.extra?.subject,
          clientId: auth?.clientId,
          scopes: auth?.scopes,
          method: typeof method === 'string' ? method : request.method,
          tool: method === 'tools/call' && typeof params?.name === 'string' ? params.name : undefined,
        },
        'authorization decision',
      );
    });
  },
  { name: '@portcullis/resource-server/mcp-auth', fastify: '5.x' },
);
