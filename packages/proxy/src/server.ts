import type { Socket } from 'node:net';
import {
  clientErrorHandler,
  createRedactingLogger,
  hostGuard,
  InvalidOptionsError,
  mcpAuthPlugin,
  protectedResourcePlugin,
  type ResolvedResourceServerOptions,
  resolveOptions as resolveResourceServerOptions,
} from '@portcullis/resource-server';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import fp from 'fastify-plugin';
import { bodyTimeoutHook } from './body-timeout.js';
import { directModePlugin } from './direct-mode-plugin.js';
import { InvalidProxyOptionsError } from './errors.js';
import { InFlight } from './in-flight.js';
import { createProxyMetrics } from './metrics.js';
import { observabilityPlugin } from './observability-plugin.js';
import { type ProxyOptionsInput, type ResolvedProxyOptions, resolveOptions } from './options.js';
import { SessionBindings } from './sessions.js';
import { StdioSessions } from './stdio-sessions.js';
import { createStore } from './store-factory.js';
import { UpstreamClient } from './upstream.js';

/**
 * Fastify's request lines, none on the MCP endpoint unless a request errors: there the auth decision event
 * (one per request, same `reqId`) is the access-log line, with the request line, the status and the time to
 * the response head. Everywhere else Fastify's usual `incoming request` and `request completed`.
 */
class ProxyLogController extends LogController {
  constructor(private readonly mcpPath: string) {
    super();
  }

  override incomingRequest(
    request: FastifyRequest,
    reply: FastifyReply,
    metadata?: Record<string, unknown>,
  ): void {
    if (request.routeOptions.url === this.mcpPath) return;
    super.incomingRequest(request, reply, metadata);
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
    metadata?: Record<string, unknown>,
  ): void {
    if (request.routeOptions.url !== this.mcpPath) {
      super.requestCompleted(error, request, reply, metadata);
      return;
    }
    if (error) {
      reply.log.error(
        { req: request, res: reply, responseTime: reply.elapsedTime, err: error },
        'request errored',
      );
    }
  }
}

function withoutUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

/** How long shutdown still waits for the first bytes of a connection that has sent nothing, in ms. */
const SILENT_CONNECTION_GRACE_MS = 250;

/**
 * The resource-server kit's options for the proxy's public face: resource = the proxy's MCP URL, the IdP as
 * the only authorization server, the proxy's scope policy. The kit's MCP endpoint is not used.
 */
export function resourceServerOptionsFor(options: ResolvedProxyOptions): ResolvedResourceServerOptions {
  const { idp } = options;
  try {
    return resolveResourceServerOptions({
      resource: options.resource,
      authorizationServers: [options.authorizationServer],
      issuers: [idp.issuer, ...idp.additionalIssuers],
      jwt: {
        jwksUri: idp.jwksUri,
        ...(idp.algorithms === undefined ? {} : { algorithms: idp.algorithms }),
        ...(idp.clockToleranceSec === undefined ? {} : { clockToleranceSec: idp.clockToleranceSec }),
        ...(idp.cooldownMs === undefined ? {} : { cooldownMs: idp.cooldownMs }),
        ...(idp.cacheMaxAgeMs === undefined ? {} : { cacheMaxAgeMs: idp.cacheMaxAgeMs }),
        requireAtJwt: idp.requireAtJwt,
        ...(idp.timeoutMs === undefined ? {} : { timeoutMs: idp.timeoutMs }),
      },
      ...(idp.introspection === undefined
        ? {}
        : { introspection: { ...withoutUndefined(idp.introspection), jwts: true } }),
      scopes: options.scopes,
      scopesSupported: [...options.scopesSupported],
      ...(options.resourceName === undefined ? {} : { resourceName: options.resourceName }),
      allowedHosts: [...options.allowedHosts],
      allowedOrigins: [...options.allowedOrigins],
      bodyLimit: options.limits.bodyBytes,
      filterToolsList: false,
    });
  } catch (error) {
    if (error instanceof InvalidOptionsError) throw new InvalidProxyOptionsError(error.issues);
    throw error;
  }
}

/**
 * Build the auth proxy (direct mode) as a Fastify instance, in front of an HTTP upstream or of a stdio MCP
 * server it spawns per session (`upstream.kind: 'stdio'`). It never listens: call
 * `listen({ host: '127.0.0.1', port })` yourself. Routes: the MCP endpoint (`mcpPath`), protected resource
 * metadata (path-aware and root), `/.well-known/jwks.json`, `/healthz`, `/readyz`, `/metrics`.
 *
 * Status order on the MCP endpoint: `Host` (403) → `Origin` (403) → token (401, or 400 for a malformed
 * `Authorization`) → body (413, 415, 400) → mirrored headers (400 `-32020`) → scopes (403) → session (404)
 * → upstream (its status, or 502/504).
 * @throws {InvalidProxyOptionsError} when the options are invalid.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization
 */
export function createProxyServer(input: ProxyOptionsInput): FastifyInstance {
  const options = resolveOptions(input);
  const rs = resourceServerOptionsFor(options);
  const logger = options.logger ?? createRedactingLogger();
  const app = Fastify({
    loggerInstance: logger,
    clientErrorHandler: clientErrorHandler(logger),
    bodyLimit: options.limits.bodyBytes,
    return503OnClosing: true,
    logController: new ProxyLogController(options.mcpPath),
  });
  const metrics = createProxyMetrics();
  const store = createStore(options.store, app.log);
  const sessions = new SessionBindings(store, options.sessions.idleMs);
  const upstream =
    options.upstream.kind === 'http'
      ? new UpstreamClient(options.upstream.url, options.upstream.timeoutMs)
      : new StdioSessions(options.upstream, sessions, options.sessions.idleMs, metrics, app.log);
  const inFlight = new InFlight();
  const challenge = { resourceMetadataUrl: rs.resourceMetadataUrl, defaultScopes: rs.scopes.default };

  app.addHook('onRequest', hostGuard(options.allowedHosts));
  app.addHook('onRequest', bodyTimeoutHook(options.limits.bodyTimeoutMs, metrics));
  // Connections that have not sent a request yet (a browser's preconnect, a client's spare socket) are not
  // "idle" to Node.js: they would hold close() until the server's headers timeout (60 s) ends them.
  const connections = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  app.addHook('preClose', async () => {
    void inFlight.drain(options.shutdown.drainTimeoutMs).then((ended) => {
      if (ended > 0) app.log.info({ ended }, 'shutdown: ended open streams after the drain timeout');
      setImmediate(() => {
        app.server.closeIdleConnections();
        // A request may be on its way on a connection accepted a moment ago: give it a little time first.
        const silent = [...connections].filter((socket) => socket.bytesRead === 0);
        if (silent.length === 0) return;
        setTimeout(() => {
          for (const socket of silent) if (socket.bytesRead === 0) socket.destroy();
        }, SILENT_CONNECTION_GRACE_MS).unref();
      });
    });
  });
  app.addHook('onClose', async () => {
    try {
      await upstream.close();
    } finally {
      if (options.store.kind !== 'custom') await store.close();
    }
  });
  app.register(observabilityPlugin, { options, metrics, store });
  app.register(protectedResourcePlugin, { options: rs });
  app.register(mcpAuthPlugin, { options: rs });
  if (options.facade !== undefined) {
    // Imported only in facade mode: its dependencies (oauth4webapi, the guarded fetch, form bodies) are not
    // loaded by a proxy in direct mode.
    app.register(
      fp(async (root) => {
        const { facadePlugin } = await import('./facade/facade-plugin.js');
        await root.register(facadePlugin, { options, store, metrics });
      }),
    );
  }
  app.register(directModePlugin, {
    options,
    metrics,
    upstream,
    inFlight,
    challenge,
    sessions,
  });
  return app;
}
