import {
  type CallToolResult,
  Client,
  type GetPromptResult,
  InsufficientScopeError,
  type ListPromptsResult,
  type ListResourcesResult,
  type ListToolsResult,
  type ReadResourceResult,
  SdkError,
  SdkHttpError,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { McpOAuthProvider } from './auth-provider.js';
import { ClientError, isClientError, messageOf } from './errors.js';
import type { OAuthClientOptions, OAuthClientOptionsInput } from './options.js';

/** An SDK client connected over its transport. */
interface Opened {
  readonly client: Client;
  readonly transport: StreamableHTTPClientTransport;
}

/** Name and version this client announces to MCP servers. */
export const CLIENT_INFO = { name: 'portcullis', version: '0.1.0' } as const;

/**
 * Any MCP request may answer 401 and start a browser login inside it, so the SDK's request timeout (60 s by
 * default) must cover the whole login wait plus the HTTP round trips.
 */
function requestTimeout(provider: McpOAuthProvider): number {
  return provider.options.callbackTimeoutMs + 4 * provider.options.httpTimeoutMs;
}

function findClientError(error: unknown): ClientError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (isClientError(e)) return e;
  }
  return undefined;
}

/** Turn anything the SDK throws into a {@link ClientError} that names the server and says what to do. */
export function toClientError(error: unknown, serverUrl: string): ClientError {
  const found = findClientError(error);
  if (found !== undefined) return found;
  if (error instanceof UnauthorizedError || (error instanceof SdkError && /401/.test(error.message))) {
    return new ClientError(
      'ERR_PORTCULLIS_CLIENT_UNAUTHORIZED',
      `${serverUrl} rejected the access token: ${messageOf(error)}`,
      {
        url: serverUrl,
        hint: 'run `portcullis doctor` to check that the token audience matches the server',
        cause: error,
      },
    );
  }
  return new ClientError(
    'ERR_PORTCULLIS_CLIENT_NETWORK',
    `request to ${serverUrl} failed: ${messageOf(error)}`,
    {
      url: serverUrl,
      hint: 'check the URL and that the MCP server is running',
      cause: error,
    },
  );
}

/**
 * An authenticated MCP connection: the SDK v2 `Client` over Streamable HTTP with {@link McpOAuthProvider}.
 * Every operation handles `403 insufficient_scope` by stepping up and retrying, with at most
 * `maxAuthorizationAttempts` logins per operation (CL-13, CL-14).
 */
export class McpSession {
  readonly provider: McpOAuthProvider;
  #client: Client;
  #transport: StreamableHTTPClientTransport;

  private constructor(provider: McpOAuthProvider, opened: Opened) {
    this.provider = provider;
    this.#client = opened.client;
    this.#transport = opened.transport;
  }

  get #timeout(): { timeout: number } {
    return { timeout: requestTimeout(this.provider) };
  }

  /**
   * Connect to the MCP server, logging in through the browser when needed.
   * @throws {ClientError} naming the failed step, its URL and a hint.
   */
  static async connect(
    options: OAuthClientOptionsInput | OAuthClientOptions | McpOAuthProvider,
  ): Promise<McpSession> {
    const provider = options instanceof McpOAuthProvider ? options : new McpOAuthProvider(options);
    provider.beginOperation();
    return new McpSession(provider, await McpSession.#open(provider));
  }

  /** Connect a new SDK client (a new session for the 2025 era), stepping up when the server asks for more scope. */
  static async #open(provider: McpOAuthProvider): Promise<Opened> {
    for (;;) {
      const client = McpSession.#newClient(provider);
      const transport = new StreamableHTTPClientTransport(new URL(provider.serverUrl), {
        authProvider: provider,
      });
      try {
        provider.options.onEvent?.({ type: 'step', step: 'connecting', url: provider.serverUrl });
        await client.connect(transport, { timeout: requestTimeout(provider) });
        provider.options.onEvent?.({ type: 'done' });
        return { client, transport };
      } catch (error) {
        await client.close().catch(() => {});
        if (!(error instanceof InsufficientScopeError)) throw toClientError(error, provider.serverUrl);
        await provider.stepUp({
          scope: error.requiredScope,
          resourceMetadataUrl: error.resourceMetadataUrl?.href,
        });
      }
    }
  }

  static #newClient(provider: McpOAuthProvider): Client {
    const mode = provider.options.protocol;
    const timeoutMs = requestTimeout(provider);
    return new Client(
      { ...CLIENT_INFO },
      mode === 'legacy'
        ? {}
        : { versionNegotiation: { mode: mode === 'auto' ? 'auto' : { pin: mode }, probe: { timeoutMs } } },
    );
  }

  /** The 2025-era `Mcp-Session-Id` the server assigned, if any. */
  get sessionId(): string | undefined {
    return this.#transport.sessionId;
  }

  /** The negotiated protocol era, `legacy` (2025) or `modern` (2026-07-28). */
  get era(): string {
    return String(this.#client.getProtocolEra?.() ?? 'legacy');
  }

  listTools(): Promise<ListToolsResult> {
    return this.#run((c) => c.listTools(undefined, this.#timeout));
  }

  callTool(name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
    return this.#run((c) => c.callTool({ name, arguments: args }, this.#timeout) as Promise<CallToolResult>);
  }

  listResources(): Promise<ListResourcesResult> {
    return this.#run((c) => c.listResources(undefined, this.#timeout));
  }

  readResource(uri: string): Promise<ReadResourceResult> {
    return this.#run((c) => c.readResource({ uri }, this.#timeout));
  }

  listPrompts(): Promise<ListPromptsResult> {
    return this.#run((c) => c.listPrompts(undefined, this.#timeout));
  }

  getPrompt(name: string, args: Record<string, string> = {}): Promise<GetPromptResult> {
    return this.#run((c) => c.getPrompt({ name, arguments: args }, this.#timeout));
  }

  close(): Promise<void> {
    return this.#client.close();
  }

  async #run<T>(operation: (client: Client) => Promise<T>): Promise<T> {
    this.provider.beginOperation();
    let reopened = false;
    for (;;) {
      try {
        const result = await operation(this.#client);
        this.provider.options.onEvent?.({ type: 'done' });
        return result;
      } catch (error) {
        // CL-32: a 404 for our session id means the server ended the session: start a new one, once.
        if (
          !reopened &&
          this.sessionId !== undefined &&
          error instanceof SdkHttpError &&
          error.status === 404
        ) {
          reopened = true;
          await this.#client.close().catch(() => {});
          const opened = await McpSession.#open(this.provider);
          this.#client = opened.client;
          this.#transport = opened.transport;
          continue;
        }
        if (!(error instanceof InsufficientScopeError)) {
          this.provider.options.onEvent?.({ type: 'done' });
          throw toClientError(error, this.provider.serverUrl);
        }
        await this.provider.stepUp({
          scope: error.requiredScope,
          resourceMetadataUrl: error.resourceMetadataUrl?.href,
        });
      }
    }
  }
}
