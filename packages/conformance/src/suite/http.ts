import type { McpProtocolVersion } from '@portcullis/metadata';
import { request } from 'undici';

/** One HTTP exchange as the suite saw it. `status` is 0 when the request failed (`error` says why). */
export interface Probe {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  /** Header values by lowercased name; repeated headers are joined with `, ` except `set-cookie`/`www-authenticate`. */
  readonly headers: Readonly<Record<string, string>>;
  /** Every `WWW-Authenticate` line. */
  readonly challenges: readonly string[];
  readonly body: string;
  readonly error?: string;
}

/** A request to probe with. `headers` is a flat name/value list so that a header can be sent twice. */
export interface ProbeRequest {
  readonly method?: string;
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: string;
}

/**
 * Send one request without following redirects and read the whole answer. Never throws: a network error gives
 * `status: 0`. undici's `request` is used (not `fetch`) because it can send a header twice and set `Host`.
 */
export async function probe(url: string, init: ProbeRequest, timeoutMs: number): Promise<Probe> {
  const method = init.method ?? 'GET';
  try {
    const response = await request(url, {
      method: method as 'GET',
      headers: (init.headers ?? []).flat() as string[],
      ...(init.body === undefined ? {} : { body: init.body }),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    // An open event stream (e.g. a GET that should have been refused) ends at bodyTimeout; keep the status.
    const body = await response.body.text().catch(() => '');
    const headers: Record<string, string> = {};
    let challenges: string[] = [];
    for (const [name, value] of Object.entries(response.headers)) {
      if (value === undefined) continue;
      const values = Array.isArray(value) ? value : [value];
      if (name === 'www-authenticate') challenges = values;
      headers[name] = values.join(', ');
    }
    return { method, url, status: response.statusCode, headers, challenges, body };
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { method, url, status: 0, headers: {}, challenges: [], body: '', error: reason };
  }
}

/** The body as JSON, or `undefined` when it is not JSON. */
export function jsonBody(response: Probe): unknown {
  try {
    return JSON.parse(response.body) as unknown;
  } catch {
    return undefined;
  }
}

/** A short description of an answer for the "observed" column: status, and the challenge when there is one. */
export function describeResponse(response: Probe): string {
  if (response.status === 0) return `no answer (${response.error ?? 'network error'})`;
  const challenge =
    response.challenges.length > 0 ? `, WWW-Authenticate: ${response.challenges.join(' | ')}` : '';
  return `${response.status}${challenge}`;
}

/**
 * The body and headers of a harmless MCP request for `spec`: `initialize` for the stateful versions, `tools/list`
 * with the mirrored headers and `_meta` for the stateless 2026-07-28 transport.
 */
export function mcpCall(spec: McpProtocolVersion): { headers: [string, string][]; body: string } {
  const base: [string, string][] = [
    ['content-type', 'application/json'],
    ['accept', 'application/json, text/event-stream'],
  ];
  if (spec === '2026-07-28') {
    const params = {
      _meta: {
        'io.modelcontextprotocol/protocolVersion': spec,
        'io.modelcontextprotocol/clientCapabilities': {},
        'io.modelcontextprotocol/clientInfo': { name: 'portcullis-conformance', version: '1' },
      },
    };
    return {
      headers: [...base, ['mcp-protocol-version', spec], ['mcp-method', 'tools/list']],
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params }),
    };
  }
  const params = {
    protocolVersion: spec,
    capabilities: {},
    clientInfo: { name: 'portcullis-conformance', version: '1' },
  };
  return { headers: base, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params }) };
}

/** A `tools/call` of `name` with empty arguments, in the wire format of `spec`. */
export function toolCall(
  spec: McpProtocolVersion,
  name: string,
): { headers: [string, string][]; body: string } {
  const base: [string, string][] = [
    ['content-type', 'application/json'],
    ['accept', 'application/json, text/event-stream'],
  ];
  const meta =
    spec === '2026-07-28'
      ? {
          _meta: {
            'io.modelcontextprotocol/protocolVersion': spec,
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        }
      : {};
  const headers: [string, string][] =
    spec === '2026-07-28'
      ? [...base, ['mcp-protocol-version', spec], ['mcp-method', 'tools/call'], ['mcp-name', name]]
      : [...base, ['mcp-protocol-version', spec]];
  const body = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name, arguments: {}, ...meta } };
  return { headers, body: JSON.stringify(body) };
}

/** A JSON-RPC response as the suite reads it. */
export interface RpcAnswer {
  readonly result?: Record<string, unknown>;
  readonly error?: { readonly code?: unknown; readonly message?: unknown };
}

/**
 * The JSON-RPC response in an answer: the JSON body, or the last `data:` line of an event stream that holds a
 * response (Streamable HTTP may answer a POST either way). `undefined` when there is none.
 */
export function rpcAnswer(response: Probe): RpcAnswer | undefined {
  const candidates = (response.headers['content-type'] ?? '').includes('text/event-stream')
    ? response.body
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trim())
        .reverse()
    : [response.body];
  for (const text of candidates) {
    try {
      const message = JSON.parse(text) as RpcAnswer & { id?: unknown };
      if (typeof message === 'object' && message !== null && ('result' in message || 'error' in message))
        return message;
    } catch {
      // not JSON: try the next data line
    }
  }
  return undefined;
}
