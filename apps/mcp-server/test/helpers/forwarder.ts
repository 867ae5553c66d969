import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback reverse proxy that adds `Authorization: Bearer <token>` and forwards everything else as is. */
export interface Forwarder {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Forward every request to `target` (same path, method, body and headers, `Host` and `Origin` included, so
 * the DNS-rebinding checks still see what the client sent), adding the bearer token. The conformance suite
 * cannot send tokens; this lets it reach the protected server.
 */
export async function startForwarder(target: string, token: () => Promise<string>): Promise<Forwarder> {
  const to = new URL(target);
  const server: Server = createServer((incoming, outgoing) => {
    token().then(
      (bearer) => {
        const upstream = request(
          {
            host: to.hostname,
            port: to.port,
            method: incoming.method,
            path: incoming.url,
            headers: { ...incoming.headers, authorization: `Bearer ${bearer}` },
          },
          (response) => {
            outgoing.writeHead(response.statusCode ?? 502, response.headers);
            response.pipe(outgoing);
          },
        );
        upstream.on('error', () => outgoing.destroy());
        outgoing.on('close', () => upstream.destroy());
        incoming.pipe(upstream);
      },
      () => outgoing.writeHead(502).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
