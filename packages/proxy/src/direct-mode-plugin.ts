import type { ChallengeContext } from '@portcullis/resource-server';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createForwardHandler } from './forward.js';
import { createIdentityForwarder, type IdentityForwarder, type IdentityKeys } from './identity.js';
import type { InFlight } from './in-flight.js';
import { legacySsePlugin } from './legacy-sse-plugin.js';
import { mcpProxyPlugin } from './mcp-proxy-plugin.js';
import type { ProxyMetrics } from './metrics.js';
import { httpUpstreamOf, JWKS_PATH, type ResolvedProxyOptions } from './options.js';
import type { SessionBindings } from './sessions.js';
import { createStdioHandler } from './stdio-handler.js';
import { ModernStdioBridge } from './stdio-modern.js';
import type { ToolGate } from './stdio-session.js';
import { StdioSessions } from './stdio-sessions.js';
import { createStreamTokenGuard } from './stream-token.js';
import type { UpstreamClient } from './upstream.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** What the proxy forwards upstream instead of the client's token (HTTP upstreams only). */
    identityForwarder: IdentityForwarder;
    /**
     * Read the identity key files again ({@link IdentityForwarder.reload}) and log the outcome: the
     * `portcullis-proxy` CLI calls it on `SIGHUP`. Resolves to the keys in use, or `undefined` when the
     * reload failed (logged; the keys in use stay) or there are no keys (stdio upstream).
     */
    reloadKeys(): Promise<IdentityKeys | undefined>;
  }
}

/** Options of {@link directModePlugin}. */
export interface DirectModePluginOptions {
  readonly options: ResolvedProxyOptions;
  readonly metrics: ProxyMetrics;
  /** The HTTP upstream client, or the sessions (child processes) of a stdio upstream. */
  readonly upstream: UpstreamClient | StdioSessions;
  readonly sessions: SessionBindings;
  readonly inFlight: InFlight;
  readonly challenge: ChallengeContext;
}

/**
 * Direct mode: for an HTTP upstream, loads or generates the identity signing key, publishes the proxy's JWK
 * Set at `/.well-known/jwks.json` and forwards; for a stdio upstream, bridges each session to a child
 * process (no identity is forwarded: the child gets no token). Needs the kit's `mcpAuthPlugin`.
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
export const directModePlugin = fp(
  async (app: FastifyInstance, context: DirectModePluginOptions) => {
    const { upstream } = context;
    const streamTokens = createStreamTokenGuard(context.options, app.tokenVerifier, context.metrics);
    if (upstream instanceof StdioSessions) {
      const policy = app.scopePolicy;
      const configured = context.options.upstream;
      const toolGate: ToolGate | undefined =
        configured.kind === 'stdio' && configured.filterToolsList
          ? (granted, tool) => policy.canCallTool(granted, tool)
          : undefined;
      const modern = new ModernStdioBridge(upstream, context.options.sessions.idleMs, app.log, toolGate);
      app.decorate('reloadKeys', async () => undefined);
      app.addHook('onClose', async () => modern.close());
      const handler = createStdioHandler({ ...context, stdio: upstream, modern, toolGate, streamTokens });
      await app.register(mcpProxyPlugin, { ...context, handler });
      return;
    }
    const identity = await createIdentityForwarder(context.options);
    const configured = httpUpstreamOf(context.options).identity;
    if (
      context.options.store.kind !== 'memory' &&
      configured.mode === 'jwt' &&
      configured.keyFile === undefined &&
      configured.privateJwk === undefined
    ) {
      app.log.warn(
        'upstream.identity has no keyFile or privateJwk, so this replica signs with a key of its own that the other replicas sharing the store do not publish; give every replica the same upstream.identity.keyFile',
      );
    }
    app.decorate('identityForwarder', identity);
    app.decorate('reloadKeys', async () => {
      try {
        const keys = await identity.reload();
        app.log.info(keys, 'identity keys reloaded');
        return keys;
      } catch (error) {
        app.log.error({ err: error }, 'identity keys not reloaded: the keys in use stay');
        return undefined;
      }
    });
    app.get(JWKS_PATH, async (_request, reply) =>
      reply
        .header('cache-control', 'public, max-age=300')
        .type('application/jwk-set+json')
        .send(JSON.stringify(identity.jwks)),
    );
    const handler = createForwardHandler({ ...context, upstream, identity, streamTokens });
    await app.register(mcpProxyPlugin, { ...context, handler });
    if (httpUpstreamOf(context.options).legacySse.enabled) {
      await app.register(legacySsePlugin, { ...context, identity, streamTokens });
    }
  },
  {
    name: '@portcullis/proxy/direct-mode',
    fastify: '5.x',
    dependencies: ['@portcullis/resource-server/mcp-auth'],
  },
);
