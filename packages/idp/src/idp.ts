import { randomBytes } from 'node:crypto';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { AccountStore } from './accounts.js';
import type { IdpError } from './errors.js';
import { createGuardedFetch } from './guarded-fetch.js';
import { createRequestHandler } from './http-handler.js';
import { loadKeys } from './keys.js';
import { MemoryStore } from './memory-adapter.js';
import { type IdpOptionsInput, type ResolvedIdpOptions, resolveOptions } from './options.js';
import { buildProviderConfiguration, ROUTES } from './provider-config.js';
import { limitRegistrations } from './registration-limit.js';

/** Receives the IdP's operational events. Never given tokens, codes, passwords or secrets. */
export interface IdpLogger {
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

/** Process-level dependencies of {@link createIdp}; not part of the validated options. */
export interface IdpRuntime {
  /** Where operational events go. Default: `console`. */
  logger?: IdpLogger | undefined;
}

/** An IdP built by {@link createIdp}: not listening yet. */
export interface Idp {
  /** The issuer identifier, exactly as configured. */
  readonly issuer: string;
  /** The resolved, frozen options. */
  readonly options: ResolvedIdpOptions;
  /** The oidc-provider instance (for advanced use and tests). */
  readonly provider: Provider;
  /** The request listener: mount it on any node:http server. */
  readonly handler: RequestListener;
  /** A node:http server using {@link Idp.handler}; not listening. */
  readonly server: Server;
}

/** A listening IdP returned by {@link startIdp}. */
export interface RunningIdp {
  readonly issuer: string;
  /** Base URL of the listening socket (`http://127.0.0.1:<port>`). */
  readonly url: string;
  readonly port: number;
  readonly idp: Idp;
  /** Stop listening and drop open connections. */
  close(): Promise<void>;
}

const consoleLogger: IdpLogger = {
  warn: (message, details) => console.warn(message, details ?? ''),
  error: (message, details) => console.error(message, details ?? ''),
};

/**
 * Build the embedded authorization server (oidc-provider configured per the MCP authorization spec) and its
 * node:http server, without listening.
 * @throws IdpError `ERR_PORTCULLIS_IDP_INVALID_OPTIONS` when the options are invalid.
 * @see MCP Authorization 2026-07-28 (authorization server requirements)
 */
export async function createIdp(input: IdpOptionsInput, runtime: IdpRuntime = {}): Promise<Idp> {
  const options = resolveOptions(input);
  const logger = runtime.logger ?? consoleLogger;
  const issuer = new URL(options.issuer);
  const basePath = issuer.pathname === '/' ? '' : issuer.pathname;
  const [keys, accounts] = await Promise.all([loadKeys(options), AccountStore.create(options.users)]);
  const fetch = createGuardedFetch({
    ...options.cimd,
    onRefused: (url: string, error: IdpError) =>
      logger.warn('outbound fetch refused', { url, code: error.code }),
  });
  const store = new MemoryStore();
  const configuration = buildProviderConfiguration({
    options,
    keys,
    accounts,
    store,
    fetch,
    basePath,
  });
  const provider = new Provider(options.issuer, configuration);
  provider.use(limitRegistrations(store, options.registration.maxClients));
  provider.use(async (ctx, next) => {
    if (options.offlineAccess && ctx.method === 'GET' && ctx.path === ROUTES.authorization) {
      // OIDC Core §11 drops offline_access without prompt=consent; our consent page is always shown for it.
      const query = new URLSearchParams(ctx.querystring);
      if (query.get('scope')?.split(' ').includes('offline_access') && !query.has('prompt')) {
        query.set('prompt', 'consent');
        ctx.querystring = query.toString();
      }
    }
    await next();
    if (ctx.oidc?.route === 'discovery' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
      const body = ctx.body as { scopes_supported?: string[] };
      const resourceScopes = options.resources.flatMap((r) => r.scopes);
      body.scopes_supported = [...new Set([...(body.scopes_supported ?? []), ...resourceScopes])];
    }
  });
  provider.on('server_error', (_ctx, error: Error) =>
    logger.error('authorization server error', { error: error.message }),
  );
  const handler = createRequestHandler({
    provider,
    issuer,
    interactions: {
      provider,
      accounts,
      csrfKey: randomBytes(32),
      basePath,
      resourceNames: new Map(options.resources.map((r) => [r.uri, r.name ?? r.uri])),
    },
    onError: (error) =>
      logger.error('request failed', { error: error instanceof Error ? error.message : String(error) }),
  });
  return { issuer: options.issuer, options, provider, handler, server: createServer(handler) };
}

/** Options of {@link startIdp}: like {@link IdpOptionsInput}, but the issuer may be derived from the socket. */
export type StartIdpOptions = Omit<IdpOptionsInput, 'issuer'> & {
  /** Default: `http://<host>:<bound port><issuerPath>`. */
  issuer?: string | undefined;
  /** Path of the derived issuer (e.g. `/tenant1`); ignored when `issuer` is given. Default: none. */
  issuerPath?: string | undefined;
};

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Build the IdP and listen on `host` (default 127.0.0.1) and `port` (default 0: a free port). Without an
 * `issuer`, the issuer is `http://<host>:<port><issuerPath>`, known only after binding.
 */
export async function startIdp(input: StartIdpOptions, runtime: IdpRuntime = {}): Promise<RunningIdp> {
  const { issuerPath = '', ...rest } = input;
  const host = rest.host ?? '127.0.0.1';
  const server = createServer();
  const port = await listen(server, rest.port ?? 0, host);
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let idp: Idp;
  try {
    idp = await createIdp({ ...rest, issuer: rest.issuer ?? `${origin}${issuerPath}` }, runtime);
  } catch (error) {
    server.close();
    throw error;
  }
  server.on('request', idp.handler);
  return {
    issuer: idp.issuer,
    url: origin,
    port,
    idp,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
