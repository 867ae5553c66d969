import { maxHeaderSize, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyBaseLogger } from 'fastify';

/** The status, reason phrase and message for a request Node.js refused before Fastify saw it. */
function refusalFor(error: ConnectionError & { reason?: unknown }): [number, string, string] {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return [
        431,
        'Request Header Fields Too Large',
        `the request headers exceed the limit of ${maxHeaderSize} bytes in all; send fewer or shorter headers (a large access token or cookie is the usual cause)`,
      ];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [
        413,
        'Content Too Large',
        'the chunk extensions of the request body are too large; send the body without chunk extensions',
      ];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [
        408,
        'Request Timeout',
        'the request headers did not arrive whole in time; send the whole request without pausing',
      ];
    default: {
      // llhttp's reason is a fixed text naming the rule broken, never bytes of the request.
      const reason = typeof error.reason === 'string' ? ` (${error.reason})` : '';
      return [400, 'Bad Request', `the request is not valid HTTP/1.1${reason}; send a well-formed request`];
    }
  }
}

/**
 * Build Fastify's `clientErrorHandler` (Node.js's `clientError`): a request Node.js refused before routing
 * (headers over `maxHeaderSize`, bytes that are not HTTP/1.1, headers too slow) gets 431, 400, 413 or 408 with
 * a `-32000` JSON-RPC error body like the MCP endpoint's other refusals, and `Connection: close`. Neither the
 * request's bytes nor the error (whose `rawPacket` holds them, `Authorization` included) are echoed or logged;
 * Fastify's default handler logs the whole error at `trace`. Used by the RS kit's server and the proxy.
 * @see https://nodejs.org/api/http.html#event-clienterror
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-5
 */
export function clientErrorHandler(
  log: FastifyBaseLogger,
): (error: ConnectionError & { reason?: unknown }, socket: Socket) => void {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, phrase, message] = refusalFor(error);
    log.debug({ code: error.code, status }, `client error before routing; answered ${status}`);
    // As Node.js does: no answer in the middle of a response already under way on this connection.
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (socket.writable && inFlight?.headersSent !== true) {
      const body = JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message } });
      socket.write(
        `HTTP/1.1 ${status} ${phrase}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(error);
  };
}
