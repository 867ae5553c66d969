import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';

/** What a raw host writes for one path: the bytes, and whether it then keeps the connection open. */
export interface RawAnswer {
  bytes: string | ((socket: Socket) => void);
  keepOpen?: boolean;
}

/**
 * A node:net server on 127.0.0.1 that answers each request with raw bytes chosen by its path, so tests can send
 * what node:http servers refuse to (status 600, control characters in the reason phrase, 101 upgrades). Reached
 * through the guard's dev mode: `https://127.0.0.1:<port>/…` with `allowHttpLoopback` is fetched over http.
 */
export class RawHost {
  readonly #answers = new Map<string, RawAnswer>();
  readonly #sockets = new Set<Socket>();
  /** Sockets that closed, for "the client dropped the connection" checks. */
  closed = 0;
  #server: Server | undefined;
  #port = 0;

  async start(): Promise<this> {
    this.#server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => {
        this.#sockets.delete(socket);
        this.closed++;
      });
      socket.on('error', () => {});
      let head = '';
      socket.on('data', (chunk) => {
        if (head.includes('\r\n\r\n')) return;
        head += chunk.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        const path = head.split(' ')[1] ?? '/';
        const answer = this.#answers.get(path);
        if (!answer) socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
        else if (typeof answer.bytes === 'function') answer.bytes(socket);
        else if (answer.keepOpen) socket.write(answer.bytes, 'latin1');
        else socket.end(answer.bytes, 'latin1');
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  /** Answer `path` with `answer`; returns its https URL. */
  answer(path: string, answer: RawAnswer): string {
    this.#answers.set(path, answer);
    return `https://127.0.0.1:${this.#port}${path}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.#server?.close(resolve));
  }
}
