import type { FastifyReply, FastifyRequest } from 'fastify';
import { logDecision } from './auth-decision.js';
import { writeRpcError } from './jsonrpc.js';
import type { ProxyMetrics } from './metrics.js';

/**
 * An `onRequest` hook that gives a request body `timeoutMs` to arrive whole, from its headers on. A client that
 * stops sending in the middle of its body (or sends it a byte a minute) gets 408 with a JSON-RPC error and
 * `Connection: close`, and its connection is closed. Node.js gives no such limit once a request's headers
 * are in (its `requestTimeout` does not end a stalled body here, and its socket `timeout` would end silent
 * SSE streams too), so without it each such client holds a socket, and `close()` waits for it, forever.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.5.9
 */
export function bodyTimeoutHook(timeoutMs: number, metrics: ProxyMetrics) {
  return (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    const raw = request.raw;
    const hasBody =
      raw.headers['content-length'] !== undefined || raw.headers['transfer-encoding'] !== undefined;
    if (!hasBody || raw.complete) {
      done();
      return;
    }
    const timer = setTimeout(() => {
      const res = reply.raw;
      // `complete`: the whole message arrived, even if nothing read its body (a GET's, for instance).
      if (raw.complete || res.headersSent || res.destroyed) return;
      request.log.warn({ timeoutMs }, `request body not received whole within ${timeoutMs} ms; answered 408`);
      logDecision(request, metrics, 408, reply.elapsedTime);
      reply.hijack();
      const message = `the request body did not arrive whole within ${timeoutMs} ms; send it again without pausing`;
      writeRpcError(res, 408, message, { connection: 'close' }).once('finish', () => raw.socket?.destroy());
    }, timeoutMs);
    const clear = () => clearTimeout(timer);
    raw.once('end', clear);
    raw.once('close', clear);
    done();
  };
}
