import type { ServerEvent } from '@modelcontextprotocol/server';
import type { ChildChange } from './stdio-modern-child.js';

/** A `subscriptions/listen` request: its id and the resource URIs its filter asks for. */
export interface ListenRequest {
  readonly id: string | number;
  readonly uris: readonly string[];
}

/**
 * The `subscriptions/listen` request in a parsed body, or `undefined` for any other message. A malformed
 * `resourceSubscriptions` yields no URIs: the SDK's handler answers the request with `-32602`.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http
 */
export function listenRequest(body: unknown): ListenRequest | undefined {
  const message = body as {
    method?: unknown;
    id?: unknown;
    params?: { notifications?: { resourceSubscriptions?: unknown } };
  } | null;
  const id = message?.id;
  if (message?.method !== 'subscriptions/listen' || (typeof id !== 'string' && typeof id !== 'number')) {
    return undefined;
  }
  const uris = message.params?.notifications?.resourceSubscriptions;
  const valid = Array.isArray(uris) && uris.every((uri) => typeof uri === 'string');
  return { id, uris: valid ? [...new Set(uris as string[])] : [] };
}

/** The SDK bus event for a child's change notification; `undefined` for a resource update without a URI. */
export function serverEvent({ method, params }: ChildChange): ServerEvent | undefined {
  switch (method) {
    case 'notifications/tools/list_changed':
      return { kind: 'tools_list_changed' };
    case 'notifications/prompts/list_changed':
      return { kind: 'prompts_list_changed' };
    case 'notifications/resources/list_changed':
      return { kind: 'resources_list_changed' };
    default:
      return typeof params?.uri === 'string'
        ? { kind: 'resource_updated', uri: params.uri, params }
        : undefined;
  }
}

/**
 * `response` with its body watched: `done` runs once, when the body ends, fails or is cancelled (the client
 * went away). When `cut` settles first, the body fails, so that the client sees its stream drop instead of
 * an orderly end (the child that fed it is gone).
 */
export function watchBody(response: Response, done: () => void, cut: Promise<unknown>): Response {
  const source = response.body;
  if (source === null) {
    done();
    return response;
  }
  const reader = source.getReader();
  let finished = false;
  const finish = () => {
    if (finished) return false;
    finished = true;
    done();
    return true;
  };
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  void cut.then(() => {
    if (!finish()) return;
    controller?.error(new Error('the stdio MCP server exited'));
    reader.cancel().catch(() => {});
  });
  const body = new ReadableStream<Uint8Array>({
    start: (streamController) => {
      controller = streamController;
    },
    pull: async (streamController) => {
      try {
        const chunk = await reader.read();
        if (finished) return;
        if (chunk.done) {
          finish();
          streamController.close();
        } else {
          streamController.enqueue(chunk.value);
        }
      } catch (error) {
        if (finish()) streamController.error(error);
      }
    },
    cancel: (reason) => {
      finish();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}
