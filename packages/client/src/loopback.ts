import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClientError } from './errors.js';

// Written by hand: the SDK leaves the redirect receiver to the application (mcp-sdk-v2.md §4.5).

/** A one-shot loopback redirect receiver (RFC 8252 §7.3). */
export interface LoopbackReceiver {
  /** `http://127.0.0.1:<port>/callback`. */
  readonly redirectUri: string;
  /** Resolves with the query of the first request to `/callback`; rejects after the timeout. */
  readonly result: Promise<URLSearchParams>;
  close(): Promise<void>;
}

const PAGE = (title: string, text: string) =>
  `<!doctype html><html lang="en"><meta charset="utf-8"><title>${title}</title>` +
  `<body style="font-family:system-ui;margin:3rem"><h1>${title}</h1><p>${text}</p></body></html>`;

/**
 * Listen on 127.0.0.1 for the authorization response: on `port` when given and free (with `strict`, a busy
 * port is an error), else on an ephemeral port. Only `GET /callback` is answered; the listener stops after the
 * first callback, on {@link LoopbackReceiver.close}, or on timeout.
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 */
export async function startLoopbackReceiver(
  timeoutMs: number,
  port?: number,
  strict = false,
): Promise<LoopbackReceiver> {
  let settle: { resolve: (p: URLSearchParams) => void; reject: (e: Error) => void } | undefined;
  const result = new Promise<URLSearchParams>((resolve, reject) => {
    settle = { resolve, reject };
  });
  result.catch(() => {});
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== '/callback') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const failed = url.searchParams.has('error') || !url.searchParams.has('code');
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      .end(
        failed
          ? PAGE('Authorization not completed', 'Return to the terminal to see what happened.')
          : PAGE(
              'Sign-in answer received',
              'Return to the terminal: it checks the answer and shows the result.',
            ),
      );
    settle?.resolve(url.searchParams);
  });
  const listen = (p: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await listen(port ?? 0);
  } catch (error) {
    if (port === undefined || strict) {
      throw new ClientError(
        'ERR_PORTCULLIS_CLIENT_NETWORK',
        `cannot listen on 127.0.0.1:${port ?? 0} for the login redirect: ${(error as Error).message}`,
        { hint: 'free the port or choose another one with --redirect-port', cause: error },
      );
    }
    await listen(0);
  }
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  const timer = setTimeout(() => {
    settle?.reject(
      new ClientError(
        'ERR_PORTCULLIS_CLIENT_CALLBACK_TIMEOUT',
        `no authorization response reached ${redirectUri} within ${Math.round(timeoutMs / 1000)} s`,
        { url: redirectUri, hint: 'finish the login in the browser, or open the printed URL yourself' },
      ),
    );
  }, timeoutMs);
  timer.unref();
  const close = async () => {
    clearTimeout(timer);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { redirectUri, result, close };
}
