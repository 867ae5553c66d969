import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReferenceMcpServer } from '@portcullis/app-mcp-server';
import { freePort, type LocalIssuer, startLocalIssuer } from '@portcullis/test-support';
import { silentLogger } from './stack.js';

/** One request the mock authorization server received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Record<string, string>;
  readonly authorization: string | undefined;
}

/** How the mock authorization server misbehaves. */
export interface MockAsOptions {
  /** Change the metadata document (delete members, add wrong values). */
  readonly metadata?: (doc: Record<string, unknown>) => Record<string, unknown>;
  /** Change the authorization response's parameters before the redirect. */
  readonly response?: (params: URLSearchParams) => void;
  /** Answer registration requests with this status and body instead of registering. */
  readonly register?: { status: number; body: unknown };
  /** `expires_in` of access tokens. Default 300. */
  readonly expiresIn?: number;
}

/**
 * A checking harness for the client: an auto-approving authorization server that records every request and
 * signs real JWT access tokens (aud = the `resource` parameter), with rotating refresh tokens; and the reference
 * MCP server trusting it. Everything on 127.0.0.1.
 */
export interface MockStack {
  readonly issuer: string;
  readonly resource: string;
  readonly requests: RecordedRequest[];
  /** Refresh tokens that were accepted, in order. */
  readonly refreshes: string[];
  /** The `Authorization` header of every request the MCP server received. */
  readonly authorizations: (string | undefined)[];
  /** The `MCP-Protocol-Version` header of every request the MCP server received. */
  readonly protocolVersions: (string | undefined)[];
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Record<string, string>> {
  let text = '';
  for await (const chunk of req) text += chunk;
  if ((req.headers['content-type'] ?? '').includes('json')) return JSON.parse(text || '{}');
  return Object.fromEntries(new URLSearchParams(text));
}

/** Start the mock AS and a reference server that trusts it. */
export async function startMockStack(options: MockAsOptions = {}): Promise<MockStack> {
  const signer: LocalIssuer = await startLocalIssuer();
  const requests: RecordedRequest[] = [];
  const refreshes: string[] = [];
  const live = new Map<string, { scope: string; resource: string }>();
  const codes = new Map<string, { scope: string; resource: string }>();
  let issuer = '';
  const issue = async (scope: string, resource: string) => {
    const refresh = randomUUID();
    live.set(refresh, { scope, resource });
    const expiresIn = options.expiresIn ?? 300;
    const access = await signer.sign(resource, {
      iss: issuer,
      scope,
      sub: 'alice',
      exp: Math.floor(Date.now() / 1000) + expiresIn,
    });
    return {
      access_token: access,
      token_type: 'Bearer',
      expires_in: expiresIn,
      refresh_token: refresh,
      scope,
    };
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const params = req.method === 'GET' ? Object.fromEntries(url.searchParams) : await body(req);
    requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      params,
      authorization: req.headers.authorization,
    });
    const json = (status: number, value: unknown) =>
      res
        .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify(value));
    if (url.pathname === '/.well-known/oauth-authorization-server') {
      const doc = {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        registration_endpoint: `${issuer}/register`,
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['none'],
        authorization_response_iss_parameter_supported: true,
      };
      return json(200, options.metadata ? options.metadata(doc) : doc);
    }
    if (url.pathname === '/register' && options.register)
      return json(options.register.status, options.register.body);
    if (url.pathname === '/register')
      return json(201, { client_id: `client-${randomUUID()}`, token_endpoint_auth_method: 'none' });
    if (url.pathname === '/authorize') {
      const code = randomUUID();
      codes.set(code, { scope: params.scope ?? '', resource: params.resource ?? '' });
      const back = new URLSearchParams({ code, state: params.state ?? '', iss: issuer });
      options.response?.(back);
      return res.writeHead(302, { location: `${params.redirect_uri}?${back}` }).end();
    }
    if (url.pathname === '/token' && params.grant_type === 'authorization_code') {
      const grant = codes.get(params.code ?? '');
      if (grant === undefined) return json(400, { error: 'invalid_grant' });
      codes.delete(params.code ?? '');
      return json(200, await issue(grant.scope, params.resource ?? grant.resource));
    }
    if (url.pathname === '/token' && params.grant_type === 'refresh_token') {
      const grant = live.get(params.refresh_token ?? '');
      if (grant === undefined)
        return json(400, { error: 'invalid_grant', error_description: 'unknown or used refresh token' });
      live.delete(params.refresh_token ?? '');
      refreshes.push(params.refresh_token ?? '');
      return json(200, await issue(grant.scope, params.resource ?? grant.resource));
    }
    return json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const port = await freePort();
  const resource = `http://localhost:${port}/mcp`;
  const app = createReferenceMcpServer({
    resource,
    issuer,
    jwksUri: signer.jwksUri,
    logger: silentLogger as never,
  });
  const authorizations: (string | undefined)[] = [];
  const protocolVersions: (string | undefined)[] = [];
  app.addHook('onRequest', async (req) => {
    authorizations.push(req.headers.authorization);
    const version = req.headers['mcp-protocol-version'];
    protocolVersions.push(typeof version === 'string' ? version : undefined);
  });
  await app.listen({ host: '127.0.0.1', port });
  return {
    issuer,
    resource,
    requests,
    refreshes,
    authorizations,
    protocolVersions,
    async close() {
      await app.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await signer.close();
    },
  };
}

/** A browser that follows the mock AS redirect into the client's loopback receiver. */
export function followingBrowser(opened: string[] = []): (url: string) => Promise<void> {
  return async (url) => {
    opened.push(url);
    const res = await fetch(url, { redirect: 'manual' });
    const location = res.headers.get('location');
    if (location !== null) void fetch(location).then((r) => r.body?.cancel());
  };
}
