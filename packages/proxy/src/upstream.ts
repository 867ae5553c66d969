import { maxHeaderSize } from 'node:http';
import type { Readable } from 'node:stream';
import { Pool } from 'undici';
import { ProxyError } from './errors.js';
import { UpstreamExchange } from './upstream-exchange.js';

/**
 * Why an upstream request failed, as counted in metrics. `invalid_response`: the upstream answered, but not
 * with an HTTP response the proxy can take (headers over the limit, bytes that are not HTTP/1.1).
 */
export type UpstreamErrorKind = 'timeout' | 'connect' | 'reset' | 'aborted' | 'invalid_response' | 'other';

/** What the upstream answered, its body still streaming. */
export interface UpstreamResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Readable;
}

/** One request to the upstream MCP endpoint. */
export interface UpstreamRequest {
  readonly method: string;
  /** Path and query on the upstream origin; defaults to the path of `upstream.url`. */
  readonly path?: string | undefined;
  readonly headers: Record<string, string>;
  readonly body: Buffer | undefined;
  /** Aborts the request and its response stream (the client went away, or shutdown). */
  readonly signal: AbortSignal;
}

/** An upstream failure with the kind and status the proxy answers with. */
export class UpstreamError extends ProxyError {
  readonly kind: UpstreamErrorKind;
  readonly status: 502 | 504;

  constructor(kind: UpstreamErrorKind, message: string, cause: unknown) {
    super(
      kind === 'timeout'
        ? 'ERR_PORTCULLIS_PROXY_UPSTREAM_TIMEOUT'
        : kind === 'invalid_response'
          ? 'ERR_PORTCULLIS_PROXY_UPSTREAM_INVALID_RESPONSE'
          : 'ERR_PORTCULLIS_PROXY_UPSTREAM_UNREACHABLE',
      message,
      { cause },
    );
    this.name = 'UpstreamError';
    this.kind = kind;
    this.status = kind === 'timeout' ? 504 : 502;
  }
}

const NOT_HTTP = 'it is not a valid HTTP/1.1 response';
/** What was wrong with an answer undici refused, by its error code. */
const INVALID_RESPONSES: Readonly<Record<string, string>> = {
  UND_ERR_HEADERS_OVERFLOW: `its response headers exceed the limit of ${maxHeaderSize} bytes`,
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'its response exceeds the size limit',
  // undici reports any parse error after a Content-Length header as this, so it names no more than that.
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: NOT_HTTP,
};

/**
 * What was wrong with the upstream's answer, when undici refused it as no valid response; `undefined` for a
 * failure to reach the upstream at all.
 */
function invalidResponse(error: unknown): string | undefined {
  const { code, name, message } = (error ?? {}) as { code?: unknown; name?: unknown; message?: unknown };
  // llhttp's errors (undici's HTTPParserError) carry no code in every undici release; the reason is a fixed text.
  if (name === 'HTTPParserError' || (typeof code === 'string' && code.startsWith('HPE_'))) {
    const reason = typeof message === 'string' ? /\(([\w ,/-]+)\)$/.exec(message)?.[1] : undefined;
    return reason === undefined ? NOT_HTTP : `${NOT_HTTP} (${reason})`;
  }
  // undici's words for a status line it cannot take here (an unsolicited 100, an upgrade nobody asked for).
  if (code === 'UND_ERR_SOCKET' && (message === 'bad response' || message === 'bad upgrade')) return NOT_HTTP;
  return typeof code === 'string' && Object.hasOwn(INVALID_RESPONSES, code)
    ? INVALID_RESPONSES[code]
    : undefined;
}

/** The kind of an error undici reported for a forwarded request. */
export function upstreamErrorKind(error: unknown): UpstreamErrorKind {
  if (invalidResponse(error) !== undefined) return 'invalid_response';
  const code = (error as { code?: unknown })?.code;
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') return 'timeout';
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH') return 'connect';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return 'reset';
  if (code === 'UND_ERR_ABORTED' || (error as Error)?.name === 'AbortError') return 'aborted';
  return 'other';
}

/**
 * The connection pool to the upstream MCP endpoint. The response headers must arrive within `timeoutMs`
 * (connecting included), else {@link UpstreamError} `timeout` (504); once they have, the body streams with
 * no idle limit, so a long tool call streaming SSE is never cut. The legacy HTTP+SSE transport uses the
 * same client with its own paths on the upstream's origin.
 */
export class UpstreamClient {
  readonly #pool: Pool;
  readonly #path: string;
  readonly origin: string;

  constructor(
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    const target = new URL(url);
    this.#path = `${target.pathname}${target.search}`;
    this.origin = target.origin;
    this.#pool = new Pool(this.origin, {
      connectTimeout: timeoutMs,
      headersTimeout: timeoutMs + 1_000,
      bodyTimeout: 0,
      keepAliveTimeout: 4_000,
    });
  }

  /**
   * Send one request; resolves once the response headers arrived.
   * @throws {UpstreamError} 502 when the upstream is unreachable or resets, 504 when it is too slow.
   */
  async send(request: UpstreamRequest): Promise<UpstreamResponse> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const onAbort = () => controller.abort();
    request.signal.addEventListener('abort', onAbort, { once: true });
    if (request.signal.aborted) controller.abort();
    try {
      const response = await this.#pool.request({
        path: request.path ?? this.#path,
        method: request.method as 'GET',
        headers: request.headers,
        body: request.body,
        signal: controller.signal,
      });
      return { status: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      throw this.#failure(error, timedOut);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Forward one request, its body streamed straight into the client's response once the caller has looked
   * at the head (see {@link UpstreamExchange}); the lean path the MCP endpoint uses.
   * `exchange.head` rejects with {@link UpstreamError}: 502 unreachable or reset, 504 too slow.
   */
  forward(request: Omit<UpstreamRequest, 'signal'>): UpstreamExchange {
    const exchange = new UpstreamExchange(this.timeoutMs, (error, timedOut) =>
      this.#failure(error, timedOut),
    );
    this.#pool.dispatch(
      {
        path: request.path ?? this.#path,
        method: request.method as 'GET',
        headers: request.headers,
        body: request.body ?? null,
      },
      exchange,
    );
    return exchange;
  }

  #failure(error: unknown, timedOut: boolean): UpstreamError {
    if (timedOut) {
      return new UpstreamError(
        'timeout',
        `no response headers from the upstream within ${this.timeoutMs} ms`,
        error,
      );
    }
    const invalid = invalidResponse(error);
    if (invalid !== undefined) {
      const message = `the upstream MCP server sent an invalid answer: ${invalid}`;
      return new UpstreamError('invalid_response', message, error);
    }
    const kind = upstreamErrorKind(error);
    return new UpstreamError(kind, `the upstream MCP server could not be reached (${kind})`, error);
  }

  /** Close the pool, ending open streams. */
  async close(): Promise<void> {
    await this.#pool.destroy();
  }
}
