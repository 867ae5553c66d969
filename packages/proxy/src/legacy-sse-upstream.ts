import { Pool } from 'undici';
import { UpstreamError, type UpstreamErrorKind, type UpstreamResponse } from './upstream.js';

/** One request to the upstream's legacy (2024-11-05) SSE or message endpoint. */
export interface LegacyUpstreamRequest {
  readonly method: 'GET' | 'POST';
  /** Path and query on the upstream origin. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | undefined;
  readonly signal: AbortSignal;
}

function kindOf(error: unknown): UpstreamErrorKind {
  const code = (error as { code?: unknown })?.code;
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') return 'timeout';
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH') return 'connect';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return 'reset';
  if (code === 'UND_ERR_ABORTED' || (error as Error)?.name === 'AbortError') return 'aborted';
  return 'other';
}

/**
 * The connection pool to the upstream's origin for the HTTP+SSE transport, where the SSE path and the
 * message path differ from `upstream.url`. Same rules as the main upstream client: the response headers must
 * arrive within `timeoutMs` (504), unreachable or reset is 502, and an open stream has no idle limit.
 */
export class LegacySseUpstream {
  readonly #pool: Pool;
  readonly origin: string;

  constructor(
    url: string,
    readonly timeoutMs: number,
  ) {
    this.origin = new URL(url).origin;
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
  async send(request: LegacyUpstreamRequest): Promise<UpstreamResponse> {
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
        path: request.path,
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: controller.signal,
      });
      return { status: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      if (timedOut) {
        throw new UpstreamError(
          'timeout',
          `no response headers from the upstream within ${this.timeoutMs} ms`,
          error,
        );
      }
      const kind = kindOf(error);
      throw new UpstreamError(kind, `the upstream MCP server could not be reached (${kind})`, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Close the pool, ending open streams. */
  async close(): Promise<void> {
    await this.#pool.destroy();
  }
}
