import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { rawHttpExchange } from '../src/index.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A TCP server that answers the first bytes it reads with `answer`, then closes (or never, if `hang`). */
async function serve(answer: string, hang = false): Promise<string> {
  const seen: string[] = [];
  server = createServer((socket) => {
    socket.once('data', (chunk) => {
      seen.push(chunk.toString());
      if (hang) return;
      socket.end(answer);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}/`;
}

describe('rawHttpExchange', () => {
  it('sends the bytes unchanged and splits the answer into a lowercased head and the whole body', async () => {
    const url = await serve('HTTP/1.1 431 Too Large\r\nConnection: close\r\n\r\n{"a":1}\r\n\r\nrest');
    const { head, body } = await rawHttpExchange(url, 'G@T / HTTP/1.1\r\n\r\n');
    expect(head).toBe('http/1.1 431 too large\r\nconnection: close');
    expect(body).toBe('{"a":1}\r\n\r\nrest');
  });

  it('rejects, naming the URL, when the server does not close the connection in time', async () => {
    const url = await serve('', true);
    await expect(rawHttpExchange(url, 'GET / HTTP/1.1\r\n\r\n', 200)).rejects.toThrow(
      `${url} did not close the connection`,
    );
  });
});
