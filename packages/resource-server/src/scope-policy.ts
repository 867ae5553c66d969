import type { McpServer } from '@modelcontextprotocol/server';
import { InsufficientScopeError, missingScopes, unionScopes } from '@portcullis/metadata';
import { ResourceServerError } from './errors.js';
import type { ResolvedResourceServerOptions } from './options.js';

/** Decides which scopes an MCP request needs and whether a token's scopes cover them. */
export interface ScopePolicy {
  /** Every scope the JSON-RPC message(s) in `body` need: defaults, per method, per tool. */
  requiredFor(body: unknown): string[];
  /**
   * Throw `insufficient_scope` listing **all** scopes the request needs when `granted` (expanded with the
   * hierarchy) does not cover them.
   * @throws {InsufficientScopeError}
   */
  assertAllowed(granted: readonly string[], body: unknown): void;
  /** `true` when `granted` covers what a `tools/call` of `tool` needs. */
  canCallTool(granted: readonly string[], tool: string): boolean;
}

function messagesOf(body: unknown): Record<string, unknown>[] {
  const list = Array.isArray(body) ? body : [body];
  return list.filter((m): m is Record<string, unknown> => typeof m === 'object' && m !== null);
}

/**
 * Build the scope policy from `scopes.default`, `scopes.methods`, `scopes.tools` and `scopes.hierarchy`.
 * A broader scope satisfies the narrower ones the hierarchy lists (transitively).
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#runtime-insufficient-scope-errors
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#step-up-authorization-flow
 */
export function createScopePolicy(options: Pick<ResolvedResourceServerOptions, 'scopes'>): ScopePolicy {
  const { default: base, methods, tools, hierarchy } = options.scopes;
  const toolScopes = (name: unknown) =>
    typeof name === 'string' && Object.hasOwn(tools, name) ? (tools[name] ?? []) : [];
  const methodScopes = (method: unknown) =>
    typeof method === 'string' && Object.hasOwn(methods, method) ? (methods[method] ?? []) : [];

  const requiredFor = (body: unknown): string[] => {
    const sets: (readonly string[])[] = [base];
    for (const message of messagesOf(body)) {
      sets.push(methodScopes(message.method));
      if (message.method === 'tools/call') {
        const params = message.params;
        sets.push(
          toolScopes(typeof params === 'object' && params !== null ? Reflect.get(params, 'name') : undefined),
        );
      }
    }
    return unionScopes(...sets);
  };

  return {
    requiredFor,
    assertAllowed(granted, body) {
      const required = requiredFor(body);
      const missing = missingScopes(granted, required, hierarchy);
      if (missing.length === 0) return;
      throw new InsufficientScopeError(
        required,
        `this request needs the scopes ${required.join(' ')}; the token lacks ${missing.join(' ')}`,
      );
    },
    canCallTool(granted, tool) {
      const required = unionScopes(base, methodScopes('tools/call'), toolScopes(tool));
      return missingScopes(granted, required, hierarchy).length === 0;
    },
  };
}

type Handler = (request: unknown, ctx: { http?: { authInfo?: { scopes?: string[] } } }) => Promise<unknown>;

/**
 * Make `tools/list` of `server` list only the tools the caller's token may call. The SDK has no public hook
 * for per-caller listing, so this wraps the `tools/list` handler the `McpServer` registered (after the
 * factory has registered its tools). Calls are still enforced by the scope policy; this only hides tools.
 * @throws {ResourceServerError} `ERR_PORTCULLIS_RS_UNSUPPORTED_SDK` when the SDK's internals changed.
 */
export function filterToolsList(server: McpServer, policy: ScopePolicy): void {
  const handlers: unknown = Reflect.get(server.server, '_requestHandlers');
  if (!(handlers instanceof Map)) {
    throw new ResourceServerError(
      'ERR_PORTCULLIS_RS_UNSUPPORTED_SDK',
      'filterToolsList needs the request handler map of @modelcontextprotocol/server 2.x; set filterToolsList: false or pin the SDK version',
    );
  }
  const original = handlers.get('tools/list') as Handler | undefined;
  if (original === undefined) return;
  const filtered: Handler = async (request, ctx) => {
    const result = (await original(request, ctx)) as { tools?: { name: string }[] };
    const granted = ctx.http?.authInfo?.scopes;
    if (granted === undefined || !Array.isArray(result.tools)) return result;
    return { ...result, tools: result.tools.filter((tool) => policy.canCallTool(granted, tool.name)) };
  };
  handlers.set('tools/list', filtered);
}
