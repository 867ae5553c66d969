import { randomBytes } from 'node:crypto';
import {
  acceptedContent,
  type CallToolResult,
  type InputRequiredResult,
  inputRequired,
  McpServer,
  type RequestStateCodec,
  ResourceTemplate,
} from '@modelcontextprotocol/server';
import {
  type CallerIdentity,
  createMcpResourceServer,
  createUserBoundRequestState,
  type ResourceServerOptionsInput,
} from '@portcullis/resource-server';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { z } from 'zod';

/** Scope every request to the reference server needs. */
export const TOOLS_SCOPE = 'mcp:tools';
/** Extra scope of the step-up tool `admin-stats`. */
export const ADMIN_SCOPE = 'mcp:admin';

/** Options of {@link createReferenceMcpServer}. */
export interface ReferenceMcpServerOptions {
  /** Canonical URL of the MCP endpoint, e.g. `http://localhost:3030/mcp`. */
  readonly resource: string;
  /** Issuer of the authorization server (the embedded IdP by default). */
  readonly issuer: string;
  /** JWKS of the issuer. Default: `<issuer>/jwks` (the embedded IdP's route). */
  readonly jwksUri?: string;
  /**
   * HMAC key (≥ 32 bytes) for the `requestState` of `confirm-greeting`. Default: random per process, which is
   * right for one instance; replicas need a shared key.
   */
  readonly requestStateKey?: Uint8Array | string;
  readonly logger?: FastifyBaseLogger;
  /** Anything else for `@portcullis/resource-server`. */
  readonly overrides?: Partial<ResourceServerOptionsInput>;
}

/**
 * The first product token of a `User-Agent`, lowercased: `node` for Node's fetch, `mozilla` for browsers.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.1.5
 */
export function userAgentProduct(userAgent: string | null | undefined): string {
  const product = userAgent?.trim().split(/[\s/]/, 1)[0];
  return product === undefined || product === '' ? 'unknown' : product.toLowerCase();
}

type Extra = {
  authInfo?: { scopes: string[]; clientId: string; expiresAt?: number; extra?: Record<string, unknown> };
};

function identityOf(auth: Extra['authInfo']) {
  const extra = (auth?.extra ?? {}) as Partial<CallerIdentity>;
  return {
    subject: extra.subject ?? null,
    issuer: extra.issuer ?? null,
    clientId: auth?.clientId ?? null,
    scopes: auth?.scopes ?? [],
    expiresAt: auth?.expiresAt ?? null,
  };
}

const startedAt = Date.now();

/** What `confirm-greeting` carries between its rounds. */
export interface GreetingState {
  readonly name: string;
}

const CONFIRM_SCHEMA = {
  type: 'object' as const,
  properties: { confirm: { type: 'boolean' as const } },
  required: ['confirm'],
};

/**
 * The MCP server of the original guide: `hello-world`, `whoami`, the step-up tool `admin-stats`, the
 * multi-round-trip tool `confirm-greeting` (2026-07-28), the `greeting://{name}` resource and the `greeting`
 * prompt. A new instance for every request or session; `state` is the codec shared by all of them.
 */
export function buildReferenceMcpServer(
  state: RequestStateCodec<GreetingState> = createUserBoundRequestState({ key: randomBytes(32) }),
): McpServer {
  const server = new McpServer(
    { name: 'portcullis-reference', version: '0.1.0' },
    { requestState: { verify: state.verify } },
  );
  server.registerTool(
    'hello-world',
    {
      description: 'Greets you by name and names your user agent',
      inputSchema: z.object({ name: z.string() }),
    },
    async ({ name }, ctx) => {
      const agent = userAgentProduct(ctx.http?.req?.headers.get('user-agent'));
      return { content: [{ type: 'text', text: `Hello, ${name}! Your user agent is: ${agent}` }] };
    },
  );
  server.registerTool('whoami', { description: 'Returns the identity of the caller' }, async (ctx) => ({
    content: [{ type: 'text', text: JSON.stringify(identityOf(ctx.http?.authInfo)) }],
  }));
  server.registerTool(
    'admin-stats',
    { description: `Server statistics; needs the ${ADMIN_SCOPE} scope (step-up)` },
    async () => ({
      content: [
        {
          type: 'text',
          text: JSON.stringify({
            uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
            node: process.version,
          }),
        },
      ],
    }),
  );
  server.registerTool(
    'confirm-greeting',
    {
      description:
        'Greets after the user confirms (2026-07-28 multi-round-trip; the state is bound to the caller)',
      inputSchema: z.object({ name: z.string() }),
    },
    async ({ name }, ctx): Promise<CallToolResult | InputRequiredResult> => {
      const pending = ctx.mcpReq.requestState<GreetingState>();
      const confirmed = acceptedContent<{ confirm: boolean }>(ctx.mcpReq.inputResponses, 'confirm');
      if (pending === undefined || !confirmed?.confirm) {
        return inputRequired({
          inputRequests: {
            confirm: inputRequired.elicit({ message: `Greet ${name}?`, requestedSchema: CONFIRM_SCHEMA }),
          },
          requestState: await state.mint({ name }, ctx),
        });
      }
      return { content: [{ type: 'text', text: `Hello, ${pending.name}! (confirmed)` }] };
    },
  );
  server.registerResource(
    'greeting',
    new ResourceTemplate('greeting://{name}', { list: undefined }),
    { description: 'A greeting for a name', mimeType: 'text/plain' },
    async (uri, { name }) => ({ contents: [{ uri: uri.href, text: `Hello, ${String(name)}!` }] }),
  );
  server.registerPrompt(
    'greeting',
    { description: 'Ask the model to greet someone', argsSchema: z.object({ name: z.string() }) },
    ({ name }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: `Please greet ${name} warmly.` } }],
    }),
  );
  return server;
}

/**
 * The reference server as an OAuth 2.1 resource server: PRM pointing at `issuer`, `mcp:tools` for every
 * request, `mcp:admin` for `admin-stats`. Never listens.
 */
export function createReferenceMcpServer(options: ReferenceMcpServerOptions): FastifyInstance {
  const state = createUserBoundRequestState<GreetingState>({
    key: options.requestStateKey ?? randomBytes(32),
  });
  return createMcpResourceServer({
    resource: options.resource,
    authorizationServers: [options.issuer],
    jwt: { jwksUri: options.jwksUri ?? `${options.issuer}/jwks` },
    scopes: { default: [TOOLS_SCOPE], tools: { 'admin-stats': [ADMIN_SCOPE] } },
    resourceName: 'Portcullis reference MCP server',
    server: () => buildReferenceMcpServer(state),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...options.overrides,
  });
}
