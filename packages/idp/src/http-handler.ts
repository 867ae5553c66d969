import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { AUTHORIZATION_SERVER_WELL_KNOWN, OPENID_CONFIGURATION_WELL_KNOWN } from '@portcullis/metadata';
import type Provider from 'oidc-provider';
import { handleInteraction, type InteractionContext } from './interactions.js';

const WELL_KNOWN = [AUTHORIZATION_SERVER_WELL_KNOWN, OPENID_CONFIGURATION_WELL_KNOWN].map(
  (suffix) => `/.well-known/${suffix}`,
);

/** What {@link createRequestHandler} needs. */
export interface RequestHandlerParts {
  provider: Provider;
  issuer: URL;
  interactions: InteractionContext;
  /** Called with errors that escaped a request (already answered with 500). */
  onError: (error: unknown) => void;
}

function notFound(res: ServerResponse): void {
  const body = JSON.stringify({ error: 'not_found' });
  res.writeHead(404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Map an absolute request path to the provider-relative path, or undefined when it is not ours. Besides the
 * issuer path itself this accepts the RFC 8414 §3.1 path-insertion well-known URLs of a path issuer
 * (`/.well-known/oauth-authorization-server/<path>`, `/.well-known/openid-configuration/<path>`). For an
 * issuer with a path, the root well-known URLs are not served: their `issuer` would not match (RFC 8414 §3.3).
 */
export function providerPath(path: string, basePath: string): string | undefined {
  if (!basePath) return path;
  for (const wellKnown of WELL_KNOWN) if (path === `${wellKnown}${basePath}`) return wellKnown;
  if (path === basePath) return '/';
  return path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : undefined;
}

/**
 * The node:http request listener of the IdP: our login/consent pages, then oidc-provider mounted at the issuer
 * path. Every request is answered as if sent to the issuer's own origin (Host and protocol are pinned), so
 * metadata, redirects and `iss` never follow a client-chosen Host header.
 */
export function createRequestHandler(parts: RequestHandlerParts): RequestListener {
  const { provider, issuer, interactions } = parts;
  const basePath = issuer.pathname === '/' ? '' : issuer.pathname;
  const callback = provider.callback();
  const https = issuer.protocol === 'https:';
  // Behind TLS termination the socket is plain http; trust only the values we set below.
  provider.proxy = https;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://idp.invalid');
    const inner = providerPath(url.pathname, basePath);
    if (inner === undefined) {
      notFound(res);
      return;
    }
    req.headers.host = issuer.host;
    if (https) {
      req.headers['x-forwarded-proto'] = 'https';
      req.headers['x-forwarded-host'] = issuer.host;
    }
    if (await handleInteraction(interactions, req, res, inner)) return;
    Object.assign(req, { originalUrl: `${basePath}${inner}${url.search}`, url: `${inner}${url.search}` });
    await callback(req, res);
  };

  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('server error');
      }
      parts.onError(error);
    });
  };
}
