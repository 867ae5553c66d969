import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

/** JSON-RPC error codes the proxy answers with. */
export const JSONRPC_PARSE_ERROR = -32700;
export const JSONRPC_INVALID_REQUEST = -32600;
export const JSONRPC_SERVER_ERROR = -32000;
export const MCP_SESSION_NOT_FOUND = -32001;
/** MCP 2026-07-28 `HeaderMismatch`: a mirrored header disagrees with the body or is missing. */
export const MCP_HEADER_MISMATCH = -32020;

/** The `_meta` key that marks a 2026-07-28 (stateless) request. */
export const PROTOCOL_VERSION_META = 'io.modelcontextprotocol/protocolVersion';

/** One JSON-RPC message as far as the proxy needs it. */
export interface RpcMessage {
  readonly jsonrpc: '2.0';
  readonly id?: string | number | null;
  readonly method?: string;
  readonly params?: Record<string, unknown>;
}

/** A parsed and checked MCP POST body. */
export interface McpBody {
  readonly messages: readonly RpcMessage[];
  readonly batch: boolean;
  /** `_meta["io.modelcontextprotocol/protocolVersion"]` of a single request: the 2026-07-28 era. */
  readonly modernVersion: string | undefined;
}

/** A JSON-RPC error response without an id (the request could not be answered as itself). */
export function rpcErrorBody(code: number, message: string, data?: unknown) {
  const error = data === undefined ? { code, message } : { code, message, data };
  return { jsonrpc: '2.0' as const, id: null, error };
}

/**
 * The `Retry-After` (seconds) of every 503 the proxy answers itself: shutting down, at a stdio process limit,
 * or without its state store.
 */
export const RETRY_AFTER_SECONDS = '5';

/**
 * Answer `status` with a `-32000` {@link rpcErrorBody} on a raw response, for replies the proxy has hijacked
 * (Fastify's `send` no longer applies); `headers` go along, the media type and length are set here.
 */
export function writeRpcError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Readonly<Record<string, string | number | string[] | undefined>> = {},
): ServerResponse {
  const body = JSON.stringify(rpcErrorBody(JSONRPC_SERVER_ERROR, message));
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  } as OutgoingHttpHeaders);
  return res.end(body);
}

/** Answer `status` with {@link rpcErrorBody}. */
export function sendRpcError(
  reply: FastifyReply,
  status: number,
  code: number,
  message: string,
  data?: unknown,
): FastifyReply {
  return reply
    .code(status)
    .type('application/json')
    .send(rpcErrorBody(code, message, data));
}

function isMessage(value: unknown): value is RpcMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const m = value as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') return false;
  if (m.params !== undefined && (typeof m.params !== 'object' || m.params === null)) return false;
  if (typeof m.method === 'string') return true;
  return 'id' in m && ('result' in m || 'error' in m);
}

/**
 * Check that `body` is a JSON-RPC 2.0 message or a non-empty batch of them. Returns `undefined` when not.
 * @see https://www.jsonrpc.org/specification#request_object
 */
export function readMcpBody(body: unknown): McpBody | undefined {
  const batch = Array.isArray(body);
  const list: unknown[] = batch ? body : [body];
  if (list.length === 0 || !list.every(isMessage)) return undefined;
  const messages = list as RpcMessage[];
  return { messages, batch, modernVersion: batch ? undefined : declaredVersion(messages[0]) };
}

/** `_meta["io.modelcontextprotocol/protocolVersion"]` of `message`, if it is a string. */
function declaredVersion(message: RpcMessage | undefined): string | undefined {
  const meta = message?.params?._meta;
  const version =
    typeof meta === 'object' && meta !== null ? Reflect.get(meta, PROTOCOL_VERSION_META) : undefined;
  return typeof version === 'string' ? version : undefined;
}

/** The `Mcp-Name` a 2026-07-28 request must carry for its method, from the body. */
function expectedName(message: RpcMessage): string | undefined {
  const params = message.params ?? {};
  switch (message.method) {
    case 'tools/call':
    case 'prompts/get':
      return typeof params.name === 'string' ? params.name : undefined;
    case 'resources/read':
      return typeof params.uri === 'string' ? params.uri : undefined;
    case 'tasks/get':
    case 'tasks/update':
    case 'tasks/cancel':
      return typeof params.taskId === 'string' ? params.taskId : undefined;
    default:
      return undefined;
  }
}

const SENTINEL = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/;

/** The value of a header sent once, as received. */
function plainValue(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) return value.length === 1 ? value[0] : undefined;
  return value;
}

/**
 * The value of `Mcp-Name`, its `=?base64?…?=` sentinel decoded. Only `Mcp-Name` and `Mcp-Param-*` may use
 * the sentinel: `Mcp-Method` and `MCP-Protocol-Version` are compared as received.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports#value-encoding
 */
function nameValue(value: string | string[] | undefined): string | undefined {
  const plain = plainValue(value);
  const match = plain === undefined ? null : SENTINEL.exec(plain);
  if (match?.[1] === undefined) return plain;
  // Strict: lenient decoding turns any invalid byte into U+FFFD, which a body could then name on purpose.
  try {
    return STRICT_UTF8.decode(Buffer.from(match[1], 'base64'));
  } catch {
    return undefined;
  }
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The first protocol version whose requests mirror their body in headers, one message per POST. */
const MIRRORING_SINCE = '2026-07-28';
const VERSION_FORMAT = /^\d{4}-\d{2}-\d{2}$/;

/** `true` for an `MCP-Protocol-Version` of 2026-07-28 or later, whose mirrored headers must agree with the body. */
function mirroringVersion(version: string | undefined): boolean {
  return version !== undefined && VERSION_FORMAT.test(version) && version >= MIRRORING_SINCE;
}

/**
 * PX-10: the mirrored headers of a request must agree with its body before anything relies on them. On any
 * request a present `Mcp-Method` must match the body. A 2026-07-28 request (the `MCP-Protocol-Version`
 * header, the body's `_meta` or that of any batch element says so) must be a single message whose `_meta`
 * version equals the header, with `Mcp-Method` equal to the body's method and, for named methods, `Mcp-Name`
 * equal to the body's name.
 * Returns the problem, or `undefined` when the headers agree.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports#server-validation
 */
export function headerMismatch(
  headers: Record<string, string | string[] | undefined>,
  body: McpBody,
): string | undefined {
  const method = plainValue(headers['mcp-method']);
  const version = plainValue(headers['mcp-protocol-version']);
  const only = body.batch ? undefined : body.messages[0];
  if (only === undefined) {
    // A batch element's _meta marks the era as surely as the header: the upstream may go by either.
    const declared = body.messages.map(declaredVersion).find(mirroringVersion);
    const era = mirroringVersion(version) ? version : declared;
    if (era !== undefined) {
      return `MCP-Protocol-Version ${era} allows one JSON-RPC message per request, not a batch`;
    }
    return method === undefined ? undefined : 'the Mcp-Method header does not match the method in the body';
  }
  if (method !== undefined && method !== only.method) {
    return 'the Mcp-Method header does not match the method in the body';
  }
  if (body.modernVersion === undefined && !mirroringVersion(version)) return undefined;
  if (body.modernVersion === undefined) {
    return `MCP-Protocol-Version ${version} requires _meta["${PROTOCOL_VERSION_META}"] in the body`;
  }
  if (version === undefined || version === '') {
    const declared = VERSION_FORMAT.test(body.modernVersion) ? `: ${body.modernVersion}` : '';
    return `the MCP-Protocol-Version header is missing; a body with _meta["${PROTOCOL_VERSION_META}"] needs the header with the same version (MCP-Protocol-Version${declared})`;
  }
  if (version !== body.modernVersion) {
    return `the MCP-Protocol-Version header does not match _meta["${PROTOCOL_VERSION_META}"]`;
  }
  if (method === undefined) return 'the Mcp-Method header is required';
  const name = expectedName(only);
  if (name !== undefined && nameValue(headers['mcp-name']) !== name) {
    return 'the Mcp-Name header is missing or does not match the name in the body';
  }
  return undefined;
}
