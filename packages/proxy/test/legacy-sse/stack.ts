import type { Socket } from 'node:net';
import type { RunningIdp } from '@portcullis/idp';
import { embeddedIdpToken, freePort } from '@portcullis/test-support';
import { startTestIdp } from '../helpers/idp.js';
import { type RunningProxy, startProxy } from '../helpers/proxy.js';
import { type SdkSseUpstream, startSdkSseUpstream } from './sdk-upstream.js';

/** The embedded IdP, the v1 SDK HTTP+SSE upstream, and two proxies with legacy SSE on. */
export interface LegacySseStack {
  readonly idp: RunningIdp;
  readonly upstream: SdkSseUpstream;
  /** In front of the upstream (`upstream.timeoutMs` 500). */
  readonly proxy: RunningProxy;
  /** In front of a port nothing listens on. */
  readonly deadProxy: RunningProxy;
  /** For `proxy`: joe and alice (`mcp:tools`); for `deadProxy`: joe. */
  readonly tokens: { readonly joe: string; readonly alice: string; readonly deadJoe: string };
  close(): Promise<void>;
}

async function token(issuer: string, resource: string, username: 'joe' | 'alice'): Promise<string> {
  const { accessToken } = await embeddedIdpToken(issuer, {
    resource,
    scope: 'mcp:tools',
    username,
    password: `${username}-pass`,
    clientName: 'Legacy SSE tests',
  });
  return accessToken;
}

export async function startLegacySseStack(): Promise<LegacySseStack> {
  const [port, deadPort, nothing] = [await freePort(), await freePort(), await freePort()];
  const [mcp, deadMcp] = [`http://localhost:${port}/mcp`, `http://localhost:${deadPort}/mcp`];
  const idp = await startTestIdp([mcp, deadMcp]);
  const upstream = await startSdkSseUpstream(`http://localhost:${port}`);
  const legacySse = { enabled: true };
  const idpOptions = { issuer: idp.issuer, jwksUri: `${idp.issuer}/jwks` };
  const proxy = await startProxy(port, {
    idp: idpOptions,
    upstream: { url: upstream.url, timeoutMs: 500, legacySse },
    limits: { bodyBytes: 16 * 1024 },
    shutdown: { drainTimeoutMs: 200 },
  });
  const deadProxy = await startProxy(deadPort, {
    idp: idpOptions,
    upstream: { url: `http://127.0.0.1:${nothing}/mcp`, timeoutMs: 500, legacySse },
  });
  const sockets = new Set<Socket>();
  for (const p of [proxy, deadProxy]) {
    p.app.server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
  }
  const [joe, alice, deadJoe] = await Promise.all([
    token(idp.issuer, mcp, 'joe'),
    token(idp.issuer, mcp, 'alice'),
    token(idp.issuer, deadMcp, 'joe'),
  ]);
  return {
    idp,
    upstream,
    proxy,
    deadProxy,
    tokens: { joe, alice, deadJoe },
    close: async () => {
      // The SDK's SSE client may leave a connection that never sends a request; it would hold app.close()
      // until the server's headers timeout (60 s). End such connections once the drain is over.
      const sweep = setTimeout(() => {
        for (const socket of sockets) if (socket.bytesRead === 0) socket.destroy();
      }, 500);
      await Promise.all([proxy.close(), deadProxy.close()]);
      clearTimeout(sweep);
      await upstream.close();
      await idp.close();
    },
  };
}

/** A raw SSE reader: the events of one response, as they arrive. */
export function sseEvents(res: Response) {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    /** The next complete event (`event` and `data`), or `undefined` once the stream ended. */
    async next(): Promise<{ event: string; data: string } | undefined> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end).split('\n');
          buffer = buffer.slice(end + 2);
          const event =
            block
              .find((l) => l.startsWith('event:'))
              ?.slice(6)
              .trim() ?? 'message';
          const data = block
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trim())
            .join('\n');
          return { event, data };
        }
        const chunk = await reader.read();
        if (chunk.done) return undefined;
        buffer += decoder.decode(chunk.value, { stream: true }).replaceAll('\r\n', '\n');
      }
    },
    cancel: () => reader.cancel(),
  };
}
