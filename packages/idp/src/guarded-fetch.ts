import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { IdpError } from './errors.js';
import { resolveGuardedTarget, type SsrfGuardOptions } from './ssrf-guard.js';

/** Settings of {@link createGuardedFetch}. */
export interface GuardedFetchOptions extends SsrfGuardOptions {
  /** Whole-request time budget, in milliseconds. */
  timeoutMs: number;
  /** Largest accepted response body, in bytes; larger bodies fail the fetch. */
  maxBytes: number;
  /** Called once per refused or failed fetch (for logs); never receives secrets. */
  onRefused?: ((url: string, error: IdpError) => void) | undefined;
}

/** A `fetch`-compatible function (the subset oidc-provider uses: GET/HEAD, headers, no body). */
export type GuardedFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

function readCapped(res: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      res.destroy();
      reject(new IdpError('ERR_PORTCULLIS_IDP_FETCH_TOO_LARGE', `response is larger than ${maxBytes} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy();
        reject(
          new IdpError('ERR_PORTCULLIS_IDP_FETCH_TOO_LARGE', `response is larger than ${maxBytes} bytes`),
        );
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
  });
}

/**
 * A `fetch` for outbound requests of the authorization server (client ID metadata documents, `jwks_uri`): the
 * target is checked by the SSRF guard before connecting, the connection is pinned to the checked address,
 * redirects are never followed (3xx is returned as is), bodies above `maxBytes` and requests over `timeoutMs`
 * fail.
 * @see CIMD draft §6.5–6.6; MCP Security Best Practices §Server-Side Request Forgery
 */
export function createGuardedFetch(options: GuardedFetchOptions): GuardedFetch {
  return async (input, init = {}) => {
    const rawUrl = input instanceof Request ? input.url : input.toString();
    const method = (init.method ?? 'GET').toUpperCase();
    try {
      if (init.body !== undefined && init.body !== null) {
        throw new IdpError('ERR_PORTCULLIS_IDP_FETCH_FAILED', 'request bodies are not supported');
      }
      const target = await resolveGuardedTarget(rawUrl, options);
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, name) => {
        if (value !== '') headers[name] = value;
      });
      const lookup: LookupFunction = (_hostname, opts, callback) => {
        if (opts.all) callback(null, [{ address: target.address, family: target.family }]);
        else callback(null, target.address, target.family);
      };
      const send = target.plainHttp ? httpRequest : httpsRequest;
      const signal = init.signal
        ? AbortSignal.any([init.signal, AbortSignal.timeout(options.timeoutMs)])
        : AbortSignal.timeout(options.timeoutMs);
      const { url } = target;
      return await new Promise<Response>((resolve, reject) => {
        const req = send(
          {
            protocol: target.plainHttp ? 'http:' : 'https:',
            hostname: url.hostname.replace(/^\[|\]$/g, ''),
            port: url.port || undefined,
            path: `${url.pathname}${url.search}`,
            method,
            headers,
            lookup,
            signal,
          },
          (res) => {
            readCapped(res, options.maxBytes).then((body) => {
              const status = res.statusCode ?? 502;
              const responseHeaders = new Headers();
              for (const [name, value] of Object.entries(res.headers)) {
                if (typeof value === 'string') responseHeaders.set(name, value);
                else if (Array.isArray(value)) for (const v of value) responseHeaders.append(name, v);
              }
              const payload = NULL_BODY_STATUS.has(status) || method === 'HEAD' ? null : new Uint8Array(body);
              resolve(
                new Response(payload, {
                  status,
                  statusText: res.statusMessage ?? '',
                  headers: responseHeaders,
                }),
              );
            }, reject);
          },
        );
        req.on('error', (cause: Error) => {
          reject(
            signal.aborted
              ? new IdpError('ERR_PORTCULLIS_IDP_FETCH_TIMEOUT', `no answer within ${options.timeoutMs} ms`, {
                  cause,
                })
              : cause,
          );
        });
        req.end();
      });
    } catch (cause) {
      const error =
        cause instanceof IdpError
          ? cause
          : new IdpError('ERR_PORTCULLIS_IDP_FETCH_FAILED', `fetch of ${rawUrl} failed`, { cause });
      options.onRefused?.(rawUrl, error);
      throw error;
    }
  };
}
