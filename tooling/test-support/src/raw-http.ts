import { connect } from 'node:net';

/** What came back over a raw connection: the response head (lowercased) and the body, unparsed. */
export interface RawExchange {
  readonly head: string;
  readonly body: string;
}

/**
 * Write `bytes` as they are to the server at `url` (127.0.0.1, its port) and read until the server closes the
 * connection. For requests `fetch` and undici refuse to send: malformed HTTP, oversized headers, framing
 * conflicts.
 * @param timeoutMs rejects (and drops the connection) if the server has not closed it by then: a hang is a
 *   failure, not a timing check.
 */
export async function rawHttpExchange(url: string, bytes: string, timeoutMs = 5_000): Promise<RawExchange> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString();
  });
  socket.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('close', () => resolve());
      timer = setTimeout(() => reject(new Error(`${url} did not close the connection`)), timeoutMs);
      socket.write(bytes);
    });
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
  const end = received.indexOf('\r\n\r\n');
  return end === -1
    ? { head: received.toLowerCase(), body: '' }
    : { head: received.slice(0, end).toLowerCase(), body: received.slice(end + 4) };
}
