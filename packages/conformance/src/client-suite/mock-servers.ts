import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a mock server received. */
export interface RecordedRequest {
  readonly server: 'rs' | 'as';
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The bearer token of the request, if any. */
  readonly bearer?: string;
}

/** How a scenario bends the otherwise correct mock servers. */
export interface MockBehaviour {
  /** Prefix of the tokens this pair issues, so tokens of two pairs can be told apart. */
  readonly name: string;
  /** Path of the MCP endpoint: `/mcp`, or `` for an endpoint at the origin root (trailing-slash scenario). */
  readonly mcpPath?: string;
  /** Change the AS metadata. */
  readonly metadata?: (metadata: Record<string, unknown>) => Record<string, unknown>;
  /** Change the PRM. */
  readonly prm?: (prm: Record<string, unknown>) => Record<string, unknown>;
  /** Change the authorization response parameters. */
  readonly authorizationResponse?: (params: URLSearchParams) => void;
  /** Whether the RS accepts an issued token for a JSON-RPC call; default: always. */
  readonly accepts?: (token: string, rpcMethod: string) => boolean;
}

/** A mock MCP resource server and its mock authorization server, on two loopback origins. */
export interface MockPair {
  /** The MCP server URL the client is given. */
  readonly serverUrl: string;
  readonly issuer: string;
  readonly requests: RecordedRequest[];
  /** Every access token the AS issued, in order. */
  readonly issued: string[];
  close(): Promise<void>;
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; origin: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function rpcResult(message: {
  id?: unknown;
  method?: unknown;
  params?: { protocolVersion?: unknown };
}): unknown {
  if (message.method === 'initialize') {
    return {
      protocolVersion: message.params?.protocolVersion ?? '2025-11-25',
      capabilities: { tools: {} },
      serverInfo: { name: 'portcullis-conformance-harness', version: '1' },
    };
  }
  if (message.method === 'tools/list') {
    return {
      tools: [{ name: 'test-tool', description: 'a harmless test tool', inputSchema: { type: 'object' } }],
    };
  }
  if (message.method === 'tools/call') return { content: [{ type: 'text', text: 'ok' }] };
  return {};
}

/**
 * Start a correct-by-default mock RS (a minimal Streamable HTTP MCP server answering JSON) and mock AS
 * (auto-approving authorization endpoint, DCR, token endpoint with refresh tokens) that record every request.
 */
export async function startMockPair(behaviour: MockBehaviour): Promise<MockPair> {
  const requests: RecordedRequest[] = [];
  const issued: string[] = [];
  let counter = 0;
  const mcpPath = behaviour.mcpPath ?? '/mcp';
  const as = await listen((req, res) => void handleAs(req, res));
  const rs = await listen((req, res) => void handleRs(req, res));
  const serverUrl = `${rs.origin}${mcpPath}`;
  const record = async (server: 'rs' | 'as', req: IncomingMessage) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await read(req);
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const entry = {
      server,
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
    };
    requests.push(bearer === undefined ? entry : { ...entry, bearer });
    return { url, body };
  };
  const issue = () => {
    counter += 1;
    const token = `${behaviour.name}-at-${counter}`;
    issued.push(token);
    return {
      access_token: token,
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: `${behaviour.name}-rt-${counter}`,
    };
  };

  async function handleAs(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { url, body } = await record('as', req);
    if (url.pathname === '/.well-known/oauth-authorization-server') {
      const metadata = {
        issuer: as.origin,
        authorization_endpoint: `${as.origin}/authorize`,
        token_endpoint: `${as.origin}/token`,
        registration_endpoint: `${as.origin}/register`,
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_methods_supported: ['none'],
        code_challenge_methods_supported: ['S256'],
      };
      return json(res, 200, behaviour.metadata?.(metadata) ?? metadata);
    }
    if (url.pathname === '/register' && req.method === 'POST') {
      const metadata = JSON.parse(body || '{}') as Record<string, unknown>;
      return json(res, 201, {
        ...metadata,
        client_id: `${behaviour.name}-client`,
        token_endpoint_auth_method: 'none',
      });
    }
    if (url.pathname === '/authorize') {
      const redirect = url.searchParams.get('redirect_uri');
      if (redirect === null || !URL.canParse(redirect)) return json(res, 400, { error: 'invalid_request' });
      const back = new URL(redirect);
      const state = url.searchParams.get('state');
      back.searchParams.set('code', `${behaviour.name}-code`);
      if (state !== null) back.searchParams.set('state', state);
      back.searchParams.set('iss', as.origin);
      behaviour.authorizationResponse?.(back.searchParams);
      res.writeHead(302, { location: back.href }).end();
      return;
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      const grant = new URLSearchParams(body).get('grant_type');
      if (grant === 'authorization_code' || grant === 'refresh_token') return json(res, 200, issue());
      return json(res, 400, { error: 'unsupported_grant_type' });
    }
    json(res, 404, { error: 'not_found' });
  }

  async function handleRs(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { url, body } = await record('rs', req);
    const metadataUrl = `${rs.origin}/.well-known/oauth-protected-resource${mcpPath}`;
    if (url.pathname === `/.well-known/oauth-protected-resource${mcpPath}`) {
      const prm = {
        resource: serverUrl,
        authorization_servers: [as.origin],
        bearer_methods_supported: ['header'],
      };
      return json(res, 200, behaviour.prm?.(prm) ?? prm);
    }
    if (url.pathname !== (mcpPath === '' ? '/' : mcpPath)) return json(res, 404, { error: 'not_found' });
    if (req.method !== 'POST') return json(res, 405, { error: 'method_not_allowed' });
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    let message: { id?: unknown; method?: unknown } = {};
    try {
      message = JSON.parse(body) as typeof message;
    } catch {
      return json(res, 400, { error: 'parse error' });
    }
    const valid =
      token !== undefined &&
      issued.includes(token) &&
      (behaviour.accepts?.(token, String(message.method)) ?? true);
    if (!valid) {
      const error = token === undefined ? '' : 'error="invalid_token", ';
      const challenge = `Bearer ${error}resource_metadata="${metadataUrl}"`;
      const refusal =
        token === undefined
          ? { error_description: 'send a Bearer access token in the Authorization header' }
          : { error: 'invalid_token' };
      return json(res, 401, refusal, { 'www-authenticate': challenge });
    }
    if (message.id === undefined) {
      res.writeHead(202).end();
      return;
    }
    json(res, 200, { jsonrpc: '2.0', id: message.id, result: rpcResult(message as never) });
  }

  return {
    serverUrl,
    issuer: as.origin,
    requests,
    issued,
    close: async () => {
      for (const { server } of [as, rs]) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
