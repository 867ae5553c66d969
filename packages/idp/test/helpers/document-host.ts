import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Answers one request for a path. */
export type Route = (req: IncomingMessage, res: ServerResponse) => void;

/** An http server on 127.0.0.1 that hosts client ID metadata documents and counts requests per path. */
export class DocumentHost {
  readonly #routes = new Map<string, Route>();
  readonly hits = new Map<string, number>();
  connections = 0;
  #server: Server | undefined;
  #port = 0;

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      const path = req.url ?? '/';
      this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
      const route = this.#routes.get(path);
      if (route) route(req, res);
      else res.writeHead(404).end();
    });
    this.#server.on('connection', () => {
      this.connections++;
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  /** The https client ID for `path` (fetched over http thanks to `cimd.allowHttpLoopback`). */
  clientId(path: string): string {
    return `https://127.0.0.1:${this.#port}${path}`;
  }

  /** Serve a JSON document at `path`. */
  json(path: string, body: unknown, headers: Record<string, string> = {}): string {
    this.#routes.set(path, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    });
    return this.clientId(path);
  }

  /** Serve a raw answer at `path`. */
  route(path: string, route: Route): string {
    this.#routes.set(path, route);
    return this.clientId(path);
  }

  /** A valid public-client document for `path`. */
  validDocument(path: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      client_id: this.clientId(path),
      client_name: 'CIMD Test Client',
      redirect_uris: ['http://127.0.0.1:3000/cb'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      ...extra,
    };
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }
}
