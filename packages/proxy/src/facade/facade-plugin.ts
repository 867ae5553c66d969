import formbody from '@fastify/formbody';
import { createGuardedFetch } from '@portcullis/idp/guarded-fetch';
import { InvalidClientError, OAuthError } from '@portcullis/metadata';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ProxyError, type ProxyErrorCode } from '../errors.js';
import type { ProxyMetrics } from '../metrics.js';
import type { ResolvedProxyOptions } from '../options.js';
import { DAY_MS } from '../options-facade.js';
import { type Store, withLenientLookups } from '../store.js';
import { authorizeRoutes } from './authorize.js';
import { callbackRoute } from './callback.js';
import { ClientRegistry } from './clients.js';
import { ConsentCookies } from './consent-cookie.js';
import { FACADE_PATHS, type FacadeContext } from './context.js';
import { IdpClient } from './idp-client.js';
import { metadataRoutes } from './metadata.js';
import { sendErrorPage } from './pages.js';
import { registerRoute } from './register.js';
import { RegistrationReaper } from './registration-reaper.js';
import { revokeRoute } from './revoke.js';
import { StoreSealer } from './sealed.js';
import { tokenRoute } from './token.js';
import { UpstreamClients } from './upstream-clients.js';

/** Options of {@link facadePlugin}. */
export interface FacadePluginOptions {
  readonly options: ResolvedProxyOptions;
  readonly store: Store;
  readonly metrics: ProxyMetrics;
}

/** Build the shared context of the facade's routes from the resolved options. */
export function createFacadeContext(
  options: ResolvedProxyOptions,
  sharedStore: Store,
  log: FastifyBaseLogger,
): FacadeContext {
  const facade = options.facade;
  if (facade === undefined) throw new TypeError('the facade needs mode "facade"');
  // Client IDs, codes and states come from requests: one too long for the store is unknown, not a 502.
  const store = withLenientLookups(sharedStore);
  const idp = new IdpClient(options.idp.issuer, facade.idpTimeoutMs);
  const clientTtlMs = facade.ttl.clientDays * DAY_MS;
  const callbackUrl = `${options.publicUrl}${facade.callbackPath}`;
  const fetchDocument = facade.cimd.enabled
    ? createGuardedFetch({
        allowHttpLoopback: facade.cimd.allowHttpLoopback,
        allowedHosts: facade.cimd.allowedHosts,
        timeoutMs: facade.cimd.timeoutMs,
        maxBytes: facade.cimd.maxBytes,
      })
    : undefined;
  const sealer =
    facade.storeKey === undefined ? undefined : new StoreSealer(facade.storeKey, facade.previousStoreKeys);
  let upstreams: UpstreamClients | undefined;
  const reaper =
    facade.adapter === 'static' || !facade.idpCleanup.enabled
      ? undefined
      : new RegistrationReaper({
          store,
          idp,
          sealer,
          log,
          inUse: (owner, clientId) => upstreams?.uses(owner, clientId) ?? Promise.resolve(true),
        });
  upstreams = new UpstreamClients({ facade, idp, store, callbackUrl, clientTtlMs, sealer, reaper });
  return {
    options,
    facade,
    store,
    idp,
    callbackUrl,
    clients: new ClientRegistry({
      store,
      clientTtlMs,
      fetchDocument,
      allowLoopbackHttp: facade.cimd.allowHttpLoopback,
      log,
    }),
    upstreams,
    reaper,
    consent: new ConsentCookies(store, facade.cookieSecret),
  };
}

/**
 * Sweep for expired IdP clients every `facade.idpCleanup.intervalMs` (never two sweeps at once), until the
 * server closes. A sweep that fails (store unavailable) is logged and tried again next time.
 */
function scheduleCleanup(
  app: FastifyInstance,
  reaper: RegistrationReaper,
  intervalMs: number,
  metrics: ProxyMetrics,
): void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    reaper
      .sweep()
      .then((result) => {
        for (const outcome of ['deleted', 'retried', 'dropped'] as const) {
          if (result[outcome] > 0) metrics.idpClientCleanup.inc({ outcome }, result[outcome]);
        }
        if (result.deleted + result.retried + result.dropped > 0)
          app.log.info(result, 'facade: IdP client cleanup');
      })
      .catch((error: unknown) =>
        app.log.warn({ err: error }, 'facade: IdP client cleanup failed; next sweep will retry'),
      )
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));
}

/** What a client is told of the IdP errors it cannot act on but by waiting or asking the operator. */
const IDP_TROUBLE: Partial<Record<ProxyErrorCode, string>> = {
  ERR_PORTCULLIS_PROXY_IDP_REGISTRATION:
    'the identity provider refused the registration; try again later or contact the operator',
  ERR_PORTCULLIS_PROXY_IDP_UNAVAILABLE:
    'the identity provider is unavailable; try again later or contact the operator',
};

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/**
 * One error handler for the facade: OAuth errors as RFC 6749 §5.2 JSON (HTML pages on the browser-facing GET
 * routes), IdP trouble as 502/504, store trouble as 503; messages never carry secrets, nor the IdP's address
 * or the operator hints of its errors (those are logged).
 */
function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  // The browser's pages: the authorization request, the callback and the consent form's answer.
  const page = request.method === 'GET' || request.url.split('?')[0] === FACADE_PATHS.consent;
  if (error instanceof OAuthError) {
    if (page) return sendErrorPage(reply, error.status, error.error, error.error_description ?? error.error);
    if (error instanceof InvalidClientError && /^basic /i.test(request.headers.authorization ?? '')) {
      reply.header('www-authenticate', 'Basic realm="portcullis"');
    }
    return reply.status(error.status).header('cache-control', 'no-store').send(error.toResponseBody());
  }
  const status =
    'statusCode' in error && typeof error.statusCode === 'number' && error.statusCode < 500
      ? error.statusCode
      : undefined;
  if (status !== undefined) {
    const description =
      status === 413 ? 'the request body is too large' : 'the request body cannot be parsed';
    return reply.status(status).send({ error: 'invalid_request', error_description: description });
  }
  let code = 502;
  let description = 'the identity provider did not answer as expected';
  if (isTimeout(error)) {
    code = 504;
    description = 'the identity provider did not answer in time';
  } else if (error instanceof ProxyError && error.code === 'ERR_PORTCULLIS_PROXY_STORE_UNAVAILABLE') {
    code = 503;
    description = 'the proxy state store is unavailable';
  } else if (error instanceof ProxyError) {
    description = IDP_TROUBLE[error.code] ?? description;
  }
  // The client hears no IdP address and no operator hint; the log has them (error.message).
  request.log.error({ err: error }, `facade: ${description}`);
  if (page) return sendErrorPage(reply, code, 'server_error', description);
  return reply
    .status(code)
    .header('cache-control', 'no-store')
    .send({ error: 'server_error', error_description: description });
}

const CORS_PATHS = [
  '/.well-known/oauth-authorization-server',
  '/.well-known/openid-configuration',
  FACADE_PATHS.register,
  FACADE_PATHS.token,
  FACADE_PATHS.revoke,
];

/**
 * CORS for any origin without credentials on the endpoints browser clients call with `fetch` (metadata,
 * registration, token). Set by hand because `@fastify/cors` already owns the wildcard `OPTIONS` route of the
 * MCP endpoint's scope and cannot be registered twice; these exact preflight routes take precedence over it.
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol
 */
function publicCors(api: FastifyInstance): void {
  api.addHook('onRequest', async (_request, reply) => {
    reply.header('access-control-allow-origin', '*');
  });
  for (const path of CORS_PATHS) {
    api.options(path, async (_request, reply) =>
      reply
        .status(204)
        .header('access-control-allow-methods', 'GET, POST')
        .header('access-control-allow-headers', 'authorization, content-type, mcp-protocol-version')
        .header('access-control-max-age', '600')
        .send(),
    );
  }
}

/**
 * Facade mode: the proxy as the authorization server MCP clients see, relaying to the IdP. Routes: RFC 8414
 * metadata, `/register`, `/authorize`, `/consent`, the IdP callback and `/token`; CORS (any origin, no
 * credentials) on metadata, registration and token so browser clients such as MCP Inspector work.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#authorization-server-discovery
 */
export const facadePlugin = fp(
  async (app: FastifyInstance, { options, store, metrics }: FacadePluginOptions) => {
    const context = createFacadeContext(options, store, app.log);
    const facade = context.facade;
    if (context.reaper !== undefined) {
      scheduleCleanup(app, context.reaper, facade.idpCleanup.intervalMs, metrics);
    }
    if (facade.adapter !== 'static' && facade.storeKey === undefined && options.store.kind === 'redis') {
      app.log.warn(
        'facade.storeKey is not set: the IdP client secrets of registered clients sit in Redis in plain text; set facade.storeKey (32+ characters) to encrypt them',
      );
    }
    await app.register(async (scope) => {
      scope.setErrorHandler(handleError);
      await scope.register(formbody);
      await scope.register(authorizeRoutes, context);
      await scope.register(callbackRoute, context);
      await scope.register(async (api) => {
        publicCors(api);
        await api.register(metadataRoutes, context);
        await api.register(registerRoute, context);
        await api.register(tokenRoute, context);
        await api.register(revokeRoute, context);
      });
    });
  },
  { name: '@portcullis/proxy/facade', fastify: '5.x' },
);

export { FACADE_PATHS };
