import { z } from 'zod';
import { ScopeHierarchyError, ScopeSyntaxError } from './errors.js';

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * `true` when `value` is one RFC 6749 scope-token: printable ASCII without space, `"` and `\`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
export function isScopeToken(value: string): boolean {
  return SCOPE_TOKEN.test(value);
}

/**
 * Split a `scope` value into its tokens, in order, without duplicates. Runs of spaces are tolerated; any
 * character outside the scope-token set is not.
 * @throws {ScopeSyntaxError} when a token contains a forbidden character.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
export function parseScope(value: string): string[] {
  if (typeof value !== 'string')
    throw new ScopeSyntaxError('scope must be a string of space-delimited tokens');
  // A Set keeps de-duplication linear: a scope value can come from a remote server.
  const tokens = new Set<string>();
  for (const token of value.split(' ')) {
    if (token === '') continue;
    if (!isScopeToken(token)) {
      throw new ScopeSyntaxError(
        `scope token ${JSON.stringify(token)} has a character outside %x21 / %x23-5B / %x5D-7E (RFC 6749 §3.3); remove it`,
      );
    }
    tokens.add(token);
  }
  return [...tokens];
}

/**
 * Join scope tokens into one `scope` value, in order, without duplicates.
 * @throws {ScopeSyntaxError} when a token is not a valid scope-token.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
export function formatScope(scopes: Iterable<string>): string {
  const out = new Set<string>();
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !isScopeToken(scope)) {
      throw new ScopeSyntaxError(
        `${JSON.stringify(scope)} is not a scope-token (RFC 6749 §3.3: printable ASCII, no space, '"' or '\\')`,
      );
    }
    out.add(scope);
  }
  return [...out].join(' ');
}

/**
 * A list of scopes or one space-delimited `scope` value.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
export type ScopeInput = string | readonly string[];

function toList(scopes: ScopeInput): readonly string[] {
  return typeof scopes === 'string' ? parseScope(scopes) : scopes;
}

/**
 * The union of several scope sets, keeping first-seen order. MCP 2026-07-28 step-up asks clients to request
 * the previously requested scopes together with the challenged ones.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#step-up-authorization-flow
 */
export function unionScopes(...sets: readonly ScopeInput[]): string[] {
  const out = new Set<string>();
  for (const set of sets) {
    for (const scope of toList(set)) out.add(scope);
  }
  return [...out];
}

/**
 * Our own configuration: each broader scope maps to the narrower scopes it implies, e.g.
 * `{ 'mcp:admin': ['mcp:tools'], files: ['files:read', 'files:write'] }`. Implication is transitive.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#step-up-authorization-flow
 */
export type ScopeHierarchy = Readonly<Record<string, readonly string[]>>;

const scopeTokenSchema = z.string().regex(SCOPE_TOKEN, 'must be a scope-token (RFC 6749 §3.3)');
const scopeHierarchySchema = z.record(scopeTokenSchema, z.array(scopeTokenSchema));

/**
 * Validate a {@link ScopeHierarchy} and return a frozen copy.
 * @throws {ScopeHierarchyError} when a key or value is not a scope-token or a value is not an array.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#step-up-authorization-flow
 */
export function defineScopeHierarchy(config: unknown): ScopeHierarchy {
  const result = scopeHierarchySchema.safeParse(config);
  if (!result.success) {
    const first = result.error.issues[0];
    const where = first === undefined ? '' : ` at ${first.path.map(String).join('.') || '(root)'}`;
    throw new ScopeHierarchyError(
      `scope hierarchy is invalid${where}: ${first?.message ?? 'unknown problem'}; expected { "broader": ["narrower", …] }`,
    );
  }
  const frozen: Record<string, readonly string[]> = {};
  for (const [parent, children] of Object.entries(result.data)) frozen[parent] = Object.freeze([...children]);
  return Object.freeze(frozen);
}

/** Every scope implied by `granted` under `hierarchy`, `granted` included. Cycle-safe. */
function closure(granted: readonly string[], hierarchy: ScopeHierarchy): Set<string> {
  const seen = new Set<string>();
  const queue = [...granted];
  for (let scope = queue.shift(); scope !== undefined; scope = queue.shift()) {
    if (seen.has(scope)) continue;
    seen.add(scope);
    if (Object.hasOwn(hierarchy, scope)) queue.push(...(hierarchy[scope] ?? []));
  }
  return seen;
}

/**
 * The required scopes that `granted` does not cover, in the order of `required`. A broader scope covers the
 * narrower ones the hierarchy lists for it, transitively.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#step-up-authorization-flow
 */
export function missingScopes(
  granted: ScopeInput,
  required: ScopeInput,
  hierarchy: ScopeHierarchy = {},
): string[] {
  const covered = closure(toList(granted), hierarchy);
  return unionScopes(toList(required)).filter((scope) => !covered.has(scope));
}

/**
 * `true` when `granted` covers every scope in `required` (see {@link missingScopes}).
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#step-up-authorization-flow
 */
export function satisfies(
  granted: ScopeInput,
  required: ScopeInput,
  hierarchy: ScopeHierarchy = {},
): boolean {
  return missingScopes(granted, required, hierarchy).length === 0;
}
