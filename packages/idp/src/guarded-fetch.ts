import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { IdpError } from './errors.js';
import { type GuardedTarget, resolveGuardedTarget, type SsrfGuardOptions } from './ssrf-guard.js';

/** Settings of {@link createGuardedFetch}. */
export interface GuardedFetchOptions extends SsrfGuardOptions {
  /** Whole-request time budget (name resolution, connection, headers and body), in milliseconds. */
  timeoutMs: number;
  /** Largest accepted response body, in bytes; larger bodies fail the fetch. */
  maxBytes: number;
  /** Called once per refused or failed fetch (for logs); never receives secrets. */
  onRefused?: ((url: string, error: IdpError) => void) | undefined;
}

/** A `fetch`-compatible function (the subset oidc-provider uses: GET/HEAD, headers, no body). */
export type GuardedFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

const METHODS = new Set(['GET', 'HEAD']);
const NULL_BODY_STATUS = new Set([204, 205, 304]);

function failed(message: string, cause?: unknown): IdpError {
  return new IdpError(
    'ERR_PORTCULLIS_IDP_FETCH_FAILED',
    message,
    cause === undefined ? undefined : { cause },
  );
}

function readCapped(res: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () =>
      new IdpError('ERR_PORTCULLIS_IDP_FETCH_TOO_LARGE', `response is larger than ${maxBytes} bytes`);
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      res.destroy();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
    res.on('close', () => reject(failed('the connection closed before the whole response arrived')));
  });
}

function invalid(message: string, cause?: unknown): IdpError {
  return new IdpError(
    'ERR_PORTCULLIS_IDP_FETCH_INVALID_RESPONSE',
    message,
    cause === undefined ? undefined : { cause },
  );
}

/** The answer as a `Response`; the upstream's reason phrase is dropped (nothing reads it, `Response` refuses some). */
function toResponse(res: IncomingMessage, body: Buffer, method: string): Response {
  const status = res.statusCode ?? 0;
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  const payload = NULL_BODY_STATUS.has(status) || method === 'HEAD' ? null : new Uint8Array(body);
  return new Response(payload, { status, headers });
}

/** One request to the checked address; settles exactly once, at the latest when `signal` aborts. */
function exchange(
  target: GuardedTarget,
  method: string,
  headers: Record<string, string>,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const lookup: LookupFunction = (_hostname, opts, callback) => {
      if (opts.all) callback(null, [{ address: target.address, family: target.family }]);
      else callback(null, target.address, target.family);
    };
    let settled = false;
    let response: IncomingMessage | undefined;
    const settle = (error: unknown, value?: Response) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (value) {
        resolve(value);
        return;
      }
      req.destroy();
      response?.destroy();
      reject(error);
    };
    const onAbort = () => settle(signal.reason);
    const { url } = target;
    const req = (target.plainHttp ? httpRequest : httpsRequest)(
      {
        protocol: target.plainHttp ? 'http:' : 'https:',
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method,
        headers,
        lookup,
        // A fresh connection each time: a pooled socket of the shared agent may lead to an unchecked address.
        agent: false,
      },
      (res) => {
        response = res;
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 599) {
          settle(invalid(`the server answered status ${status}; only final statuses 200–599 are accepted`));
          return;
        }
        readCapped(res, maxBytes).then((body) => {
          try {
            settle(undefined, toResponse(res, body, method));
          } catch (cause) {
            settle(invalid('the answer cannot be represented as a fetch Response', cause));
          }
        }, settle);
      },
    );
    // 1xx informational answers (100, 102, 103) are skipped by node:http; the final one follows or the time runs out.
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      settle(invalid('the server answered 101 Switching Protocols; protocol upgrades are refused'));
    });
    req.on('error', settle);
    signal.addEventListener('abort', onAbort);
    req.end();
  });
}

/** `work`, unless `signal` aborts first (the work itself cannot be cancelled and is then ignored). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function describeFailure(
  cause: unknown,
  rawUrl: string,
  timeoutMs: number,
  timeout: AbortSignal,
  caller: AbortSignal | undefined,
): IdpError {
  const code = 'ERR_PORTCULLIS_IDP_FETCH_TIMEOUT';
  const phases = 'name resolution, connection, headers and body';
  if (timeout.aborted) {
    return new IdpError(code, `no complete answer within ${timeoutMs} ms (${phases})`, { cause });
  }
  const parserError = String((cause as { code?: unknown } | null)?.code ?? '').startsWith('HPE_');
  if (parserError) return invalid('the server did not answer with valid HTTP/1.1', cause);
  if (!caller?.aborted) return failed(`fetch of ${rawUrl} failed`, cause);
  if (caller.reason?.name === 'TimeoutError') {
    return new IdpError(code, `no complete answer within the caller's time limit (${phases})`, { cause });
  }
  return failed(`fetch of ${rawUrl} was aborted by the caller`, cause);
}

/**
 * A `fetch` for outbound requests of the authorization server (client ID metadata documents, `jwks_uri`): the
 * target is checked by the SSRF guard before connecting, the connection is pinned to the checked address,
 * redirects are never followed (3xx is returned as is), statuses outside 200–599 and protocol upgrades fail,
 * bodies above `maxBytes` fail, and the whole operation (name resolution, connection, headers and body) fails
 * with `ERR_PORTCULLIS_IDP_FETCH_TIMEOUT` after `timeoutMs`. Every failure is an {@link IdpError}.
 * @see CIMD draft §6.5–6.6; MCP Security Best Practices §Server-Side Request Forgery
 */
export function createGuardedFetch(options: GuardedFetchOptions): GuardedFetch {
  return async (input, init = {}) => {
    const rawUrl = input instanceof Request ? input.url : input.toString();
    const method = (init.method ?? 'GET').toUpperCase();
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const caller = init.signal ?? undefined;
    const signal = caller ? AbortSignal.any([caller, timeout]) : timeout;
    try {
      if (init.body !== undefined && init.body !== null) throw failed('request bodies are not supported');
      if (!METHODS.has(method)) throw failed(`method ${method} is not supported; only GET and HEAD are`);
      const target = await untilAborted(resolveGuardedTarget(rawUrl, options), signal);
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, name) => {
        if (value !== '') headers[name] = value;
      });
      return await exchange(target, method, headers, options.maxBytes, signal);
    } catch (cause) {
      const error =
        cause instanceof IdpError
          ? cause
          : describeFailure(cause, rawUrl, options.timeoutMs, timeout, caller);
      options.onRefused?.(rawUrl, error);
      throw error;
    }
  };
}
